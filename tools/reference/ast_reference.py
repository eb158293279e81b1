#!/usr/bin/python3
"""Reference Audio Spectrogram Transformer: transformers' ASTForAudioClassification in plain torch.

earshot's models/ast_model.cpp is tested against this script's outputs. transformers is not needed:
the model is rebuilt from F.conv2d, F.linear, F.layer_norm, F.gelu and softmax, following
transformers/models/audio_spectrogram_transformer/modeling_audio_spectrogram_transformer.py
(ASTPatchEmbeddings, ASTEmbeddings, ASTSelfAttention, ASTLayer, ASTModel, ASTMLPHead), and the
input from feature_extraction_audio_spectrogram_transformer.py (ASTFeatureExtractor). Run it with
Debian's interpreter (python3-torch, python3-numpy and python3-torchaudio live there only):

    ast_reference.py make-checkpoint OUT_DIR --size small|full [--seed N] [--dtype F32|F16|BF16]
                                     [--weights FILE]
    ast_reference.py reference CHECKPOINT_DIR INPUT OUT.npy [--input-kind auto|matrix|wav]
                               [--weights FILE] [--pooled OUT.npy] [--save-input OUT.npy] [--top K]
    ast_reference.py verify CHECKPOINT_DIR [--weights FILE]
    ast_reference.py bench CHECKPOINT_DIR --threads N [--runs R] [--warmup W]
    ast_reference.py test-data OUT_DIR [--check]

INPUT is a .npy [max_length, num_mel_bins] matrix, already normalised (the model alone), or a
16 kHz mono .wav (Kaldi fbank with torchaudio, padded or truncated, normalised: the whole
pipeline). Half-precision checkpoints (F16, BF16) are widened to float32 on load, as earshot does.
"""

import argparse
import json
import math
import resource
import statistics
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# ASTFeatureExtractor's defaults (the AudioSet checkpoints' preprocessor_config.json).
AST_MEAN, AST_STD, AST_SAMPLE_RATE = -4.2677393, 4.5689974, 16000
PREFIX = "audio_spectrogram_transformer."

SIZES = {  # the real MIT/ast-finetuned-audioset-10-10-0.4593 is "full"
    "small": dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
                  patch_size=16, frequency_stride=10, time_stride=10, num_mel_bins=32, max_length=128,
                  labels=5),
    "full": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
                 patch_size=16, frequency_stride=10, time_stride=10, num_mel_bins=128, max_length=1024,
                 labels=527),
}


class CheckpointError(Exception):
    """A checkpoint that cannot be used: the message names the file and tensor at fault."""


# ---------------------------------------------------------------------------------------------
# safetensors, read and written by hand (the python package is not installed)
# ---------------------------------------------------------------------------------------------

DTYPES = {"F32": ("<f4", 4), "F16": ("<f2", 2), "BF16": ("<u2", 2)}


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    """u64 LE header length, JSON header (dtype, shape, data_offsets), then the raw LE data.
    Values are rounded to dtype to nearest, ties to even (numpy for F16, torch for BF16)."""
    header, blobs, offset = {"__metadata__": metadata or {"format": "pt"}}, [], 0
    for name, array in tensors.items():
        array = np.asarray(array, dtype=np.float32)
        if dtype == "BF16":
            bits = torch.from_numpy(np.ascontiguousarray(array)).to(torch.bfloat16).view(torch.int16)
            data = bits.numpy().astype("<i2").tobytes()
        else:
            data = np.ascontiguousarray(array, dtype=DTYPES[dtype][0]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    Path(path).write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    """name -> float32 numpy array; F16 and BF16 are widened exactly. Reads one tensor at a time,
    so that the peak memory is the weights plus one tensor, not twice the file."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        file_size = f.tell()
        f.seek(0)
        (length,) = struct.unpack("<Q", f.read(8).ljust(8, b"\0"))
        if file_size < 8 or 8 + length > file_size:
            raise CheckpointError(f"{path}: not a safetensors file (header length {length}, "
                                  f"file size {file_size})")
        try:
            header = json.loads(f.read(length))
        except ValueError as e:
            raise CheckpointError(f"{path}: safetensors header is not JSON ({e})") from None
        out = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            if info["dtype"] not in DTYPES:
                raise CheckpointError(f"{path}: tensor '{name}' has dtype {info['dtype']}; "
                                      f"supported: {', '.join(DTYPES)}")
            code, size = DTYPES[info["dtype"]]
            begin, end = info["data_offsets"]
            if not 0 <= begin <= end <= file_size - 8 - length or end - begin != math.prod(info["shape"]) * size:
                raise CheckpointError(f"{path}: tensor '{name}' has data_offsets {info['data_offsets']} "
                                      f"that do not fit shape {info['shape']} of {info['dtype']}")
            f.seek(8 + length + begin)
            values = np.frombuffer(f.read(end - begin), dtype=code)
            if info["dtype"] == "BF16":
                values = (values.astype(np.uint32) << 16).view(np.float32)
            out[name] = values.astype(np.float32).reshape(info["shape"])  # a writable copy
    return out


# ---------------------------------------------------------------------------------------------
# Configuration and weights
# ---------------------------------------------------------------------------------------------

def make_config(size):
    s = dict(SIZES[size])
    labels = s.pop("labels")
    id2label = {str(i): f"label_{i}" for i in range(labels)}
    return {
        "architectures": ["ASTForAudioClassification"], "model_type": "audio-spectrogram-transformer",
        "attention_probs_dropout_prob": 0.0, "hidden_dropout_prob": 0.0, "hidden_act": "gelu",
        "initializer_range": 0.02, "layer_norm_eps": 1e-12, "qkv_bias": True,
        **s, "id2label": id2label, "label2id": {v: int(k) for k, v in id2label.items()},
    }


def grid(cfg):
    """ASTEmbeddings.get_shape: (frequency patches, time patches)."""
    return ((cfg["num_mel_bins"] - cfg["patch_size"]) // cfg["frequency_stride"] + 1,
            (cfg["max_length"] - cfg["patch_size"]) // cfg["time_stride"] + 1)


def expected_shapes(cfg):
    h, i, p = cfg["hidden_size"], cfg["intermediate_size"], cfg["patch_size"]
    f_dim, t_dim = grid(cfg)
    e = PREFIX + "embeddings."
    shapes = {e + "cls_token": [1, 1, h], e + "distillation_token": [1, 1, h],
              e + "position_embeddings": [1, f_dim * t_dim + 2, h],
              e + "patch_embeddings.projection.weight": [h, 1, p, p],
              e + "patch_embeddings.projection.bias": [h]}
    for n in range(cfg["num_hidden_layers"]):
        l = f"{PREFIX}encoder.layer.{n}."
        for part in ("query", "key", "value"):
            shapes[f"{l}attention.attention.{part}.weight"] = [h, h]
            shapes[f"{l}attention.attention.{part}.bias"] = [h]
        shapes.update({l + "attention.output.dense.weight": [h, h], l + "attention.output.dense.bias": [h],
                       l + "intermediate.dense.weight": [i, h], l + "intermediate.dense.bias": [i],
                       l + "output.dense.weight": [h, i], l + "output.dense.bias": [h]})
        for norm in ("layernorm_before", "layernorm_after"):
            shapes[f"{l}{norm}.weight"], shapes[f"{l}{norm}.bias"] = [h], [h]
    for norm in (PREFIX + "layernorm", "classifier.layernorm"):
        shapes[norm + ".weight"], shapes[norm + ".bias"] = [h], [h]
    shapes["classifier.dense.weight"] = [len(cfg["id2label"]), h]
    shapes["classifier.dense.bias"] = [len(cfg["id2label"])]
    return shapes


def load_config(folder):
    path = Path(folder) / "config.json"
    cfg = json.loads(path.read_text())
    for key in ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "patch_size",
                "frequency_stride", "time_stride", "max_length", "num_mel_bins", "id2label"):
        if key not in cfg:
            raise CheckpointError(f"{path}: key '{key}' is missing")
    cfg.setdefault("layer_norm_eps", 1e-12)
    if cfg.get("hidden_act", "gelu") != "gelu":
        raise CheckpointError(f"{path}: hidden_act '{cfg['hidden_act']}' is not supported (only 'gelu')")
    if not cfg.get("qkv_bias", True):
        raise CheckpointError(f"{path}: qkv_bias false is not supported")
    if cfg["hidden_size"] % cfg["num_attention_heads"]:
        raise CheckpointError(f"{path}: hidden_size {cfg['hidden_size']} is not a multiple of "
                              f"num_attention_heads {cfg['num_attention_heads']}")
    return cfg


def load_weights(folder, cfg, weights="model.safetensors", dtype=torch.float32):
    path = Path(folder) / weights
    stored = read_safetensors(path)
    out = {}
    for name, shape in expected_shapes(cfg).items():
        if name not in stored:
            raise CheckpointError(f"{path}: tensor '{name}' is missing")
        if list(stored[name].shape) != shape:
            raise CheckpointError(f"{path}: tensor '{name}' has shape {list(stored[name].shape)}, "
                                  f"expected {shape} from config.json")
        out[name] = torch.from_numpy(stored[name]).to(dtype)
    extra = sorted(set(stored) - set(out))
    if extra:
        print(f"note: {path}: {len(extra)} tensor(s) not used, e.g. '{extra[0]}'", file=sys.stderr)
    return out


def random_weights(cfg, seed):
    """Random weights at scales that keep every path visible. Not HF's init (weights N(0, 0.02),
    biases 0, layer norms 1/0, tokens 0): with it the attention is nearly uniform, so wrong
    query/key pairing or token order would barely change the output. Here query/key are scaled so
    that scores have a spread of about 2 (softmax far from uniform), other weights by 1/sqrt(fan in),
    position embeddings and tokens are O(0.5), layer norms 1 +- 0.1, every bias non-zero."""
    rng = np.random.default_rng(seed)
    h = cfg["hidden_size"]

    def normal(shape, std):
        return (std * rng.standard_normal(shape)).astype(np.float32)

    out = {}
    for name, shape in expected_shapes(cfg).items():
        kind = name.rsplit(".", 1)[-1]
        if "layernorm" in name:
            out[name] = (1.0 + normal(shape, 0.1)) if kind == "weight" else normal(shape, 0.05)
        elif kind in ("cls_token", "distillation_token", "position_embeddings"):
            out[name] = normal(shape, 0.5)
        elif kind == "bias":
            out[name] = normal(shape, 0.05)
        elif ".query." in name or ".key." in name:
            out[name] = normal(shape, 1.4 / math.sqrt(h))
        else:
            out[name] = normal(shape, 1.0 / math.sqrt(math.prod(shape[1:])))
    return out


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------

def patch_tokens(w, cfg, x):
    """ASTPatchEmbeddings: [B, time, freq] -> [B, 1, freq, time] -> conv -> tokens frequency-major."""
    e = PREFIX + "embeddings.patch_embeddings.projection."
    image = x.unsqueeze(1).transpose(2, 3)
    out = F.conv2d(image, w[e + "weight"], w[e + "bias"], stride=(cfg["frequency_stride"], cfg["time_stride"]))
    return out.flatten(2).transpose(1, 2)


def embed(w, cfg, tokens):
    """ASTEmbeddings: [CLS, distillation, patches...] + position embeddings (dropout: eval)."""
    e = PREFIX + "embeddings."
    b = tokens.shape[0]
    h = torch.cat((w[e + "cls_token"].expand(b, -1, -1), w[e + "distillation_token"].expand(b, -1, -1),
                   tokens), dim=1)
    return h + w[e + "position_embeddings"]


def self_attention(w, cfg, l, x):
    """ASTSelfAttention (eager): heads split from the hidden axis, scores q.k * head_dim^-0.5,
    softmax over keys, heads concatenated back in order."""
    b, n, h = x.shape
    heads = cfg["num_attention_heads"]
    d = h // heads

    def project(part):
        a = f"{l}attention.attention.{part}."
        return F.linear(x, w[a + "weight"], w[a + "bias"]).view(b, n, heads, d).transpose(1, 2)

    q, k, v = project("query"), project("key"), project("value")
    probs = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * d ** -0.5, dim=-1)
    context = torch.matmul(probs, v).transpose(1, 2).reshape(b, n, h)
    return F.linear(context, w[l + "attention.output.dense.weight"], w[l + "attention.output.dense.bias"])


def layer_norm(w, cfg, name, x):
    return F.layer_norm(x, (cfg["hidden_size"],), w[name + ".weight"], w[name + ".bias"], cfg["layer_norm_eps"])


def encoder_layer(w, cfg, n, h):
    """ASTLayer: pre-norm attention and MLP, each with a residual; GELU is the exact (erf) one."""
    l = f"{PREFIX}encoder.layer.{n}."
    h = h + self_attention(w, cfg, l, layer_norm(w, cfg, l + "layernorm_before", h))
    m = F.linear(layer_norm(w, cfg, l + "layernorm_after", h), w[l + "intermediate.dense.weight"],
                 w[l + "intermediate.dense.bias"])
    m = F.gelu(m, approximate="none")
    return h + F.linear(m, w[l + "output.dense.weight"], w[l + "output.dense.bias"])


def encode(w, cfg, tokens):
    """ASTEmbeddings, ASTEncoder and ASTModel's final layer norm: patch tokens -> last hidden state."""
    h = embed(w, cfg, tokens)
    for n in range(cfg["num_hidden_layers"]):
        h = encoder_layer(w, cfg, n, h)
    return layer_norm(w, cfg, PREFIX + "layernorm", h)


def classify(w, cfg, h):
    """ASTModel's pooling (CLS and distillation tokens averaged), then ASTMLPHead."""
    pooled = (h[:, 0] + h[:, 1]) / 2
    logits = F.linear(layer_norm(w, cfg, "classifier.layernorm", pooled), w["classifier.dense.weight"],
                      w["classifier.dense.bias"])
    return logits, pooled


@torch.no_grad()
def forward(w, cfg, x):
    """x: [B, max_length, num_mel_bins] normalised fbank -> (logits [B, labels], pooled [B, hidden])."""
    expected = (cfg["max_length"], cfg["num_mel_bins"])
    if x.dim() != 3 or tuple(x.shape[1:]) != expected:
        raise ValueError(f"input has shape {list(x.shape)}, expected [batch, {expected[0]}, {expected[1]}] "
                         "(max_length, num_mel_bins)")
    return classify(w, cfg, encode(w, cfg, patch_tokens(w, cfg, x)))


# ---------------------------------------------------------------------------------------------
# The input: ASTFeatureExtractor
# ---------------------------------------------------------------------------------------------

def read_wav(path):
    """16 kHz mono WAV (16/32-bit PCM or 32/64-bit float) -> float32 samples in [-1, 1]."""
    raw = Path(path).read_bytes()
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a RIFF/WAVE file")
    pos, fmt, data = 12, None, None
    while pos + 8 <= len(raw):
        cid, size = raw[pos:pos + 4], struct.unpack("<I", raw[pos + 4:pos + 8])[0]
        body = raw[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == 0xFFFE:  # WAVE_FORMAT_EXTENSIBLE: the real tag opens the sub-format GUID
                tag = struct.unpack("<H", body[24:26])[0]
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            data = body
        pos += 8 + size + (size & 1)
    if fmt is None or data is None:
        raise ValueError(f"{path}: no fmt or data chunk")
    tag, channels, rate, bits = fmt
    if channels != 1 or rate != AST_SAMPLE_RATE:
        raise ValueError(f"{path}: {channels} channel(s) at {rate} Hz; the AST front end takes "
                         f"mono {AST_SAMPLE_RATE} Hz (resample and downmix first)")
    if tag == 3 and bits in (32, 64):
        return np.frombuffer(data, dtype=f"<f{bits // 8}").astype(np.float32)
    if tag == 1 and bits in (16, 32):  # scaled as soundfile and librosa do
        return (np.frombuffer(data, dtype=f"<i{bits // 8}") / 2.0 ** (bits - 1)).astype(np.float32)
    raise ValueError(f"{path}: WAV format tag {tag} with {bits} bits is not supported")


def fbank_input(samples, cfg, mean=AST_MEAN, std=AST_STD):
    """ASTFeatureExtractor for one clip: torchaudio Kaldi fbank of the float samples as given (no
    rescaling to 16-bit), zero rows appended or rows dropped to max_length, then
    (x - mean) / (2 std) in float32 (numpy's float32 array op python float, as the extractor does)."""
    try:
        import torchaudio.compliance.kaldi as kaldi
    except ImportError as e:
        raise SystemExit(f"torchaudio is not available ({e}): a WAV input cannot be turned into "
                         "fbank features here; pass a normalised .npy matrix instead") from None
    if len(samples) < AST_SAMPLE_RATE // 40:  # torchaudio asserts; so does the extractor
        raise ValueError(f"clip of {len(samples)} samples: the Kaldi fbank needs one 25 ms frame "
                         f"({AST_SAMPLE_RATE // 40} samples)")
    wave = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)).unsqueeze(0)
    fb = kaldi.fbank(wave, htk_compat=True, sample_frequency=AST_SAMPLE_RATE, use_energy=False,
                     window_type="hanning", num_mel_bins=cfg["num_mel_bins"], dither=0.0, frame_shift=10)
    fb = fb.numpy()
    n = cfg["max_length"]
    fb = np.pad(fb, ((0, n - fb.shape[0]), (0, 0))) if fb.shape[0] < n else fb[:n]
    return ((fb - np.float32(mean)) / np.float32(std * 2)).astype(np.float32)


def preprocessor_stats(folder):
    """mean/std from the checkpoint's preprocessor_config.json if it has one, else AudioSet's."""
    path = Path(folder) / "preprocessor_config.json"
    if path.exists():
        p = json.loads(path.read_text())
        return p.get("mean", AST_MEAN), p.get("std", AST_STD)
    return AST_MEAN, AST_STD


# ---------------------------------------------------------------------------------------------
# Cross-checks: a second, independent construction of the same model
# ---------------------------------------------------------------------------------------------

def slice_patch_tokens(w, cfg, x):
    """The patch embedding without conv2d: each patch cut out by index, frequency-major."""
    e = PREFIX + "embeddings.patch_embeddings.projection."
    p, fs, ts = cfg["patch_size"], cfg["frequency_stride"], cfg["time_stride"]
    f_dim, t_dim = grid(cfg)
    patches = [x[:, ti * ts:ti * ts + p, fi * fs:fi * fs + p].transpose(1, 2).reshape(x.shape[0], p * p)
               for fi in range(f_dim) for ti in range(t_dim)]  # kernel index [freq row, time column]
    return torch.stack(patches, 1) @ w[e + "weight"].reshape(-1, p * p).T + w[e + "bias"]


def torch_layer(w, cfg, n, activation="gelu"):
    """ASTLayer n as torch.nn.TransformerEncoderLayer (pre-norm, packed q/k/v in_proj)."""
    l = f"{PREFIX}encoder.layer.{n}."
    a = l + "attention.attention."
    layer = torch.nn.TransformerEncoderLayer(
        cfg["hidden_size"], cfg["num_attention_heads"], cfg["intermediate_size"], dropout=0.0,
        activation=activation, layer_norm_eps=cfg["layer_norm_eps"], batch_first=True, norm_first=True,
        dtype=w[a + "query.weight"].dtype)
    pairs = {"self_attn.in_proj_weight": torch.cat([w[a + p + ".weight"] for p in ("query", "key", "value")]),
             "self_attn.in_proj_bias": torch.cat([w[a + p + ".bias"] for p in ("query", "key", "value")]),
             "self_attn.out_proj": l + "attention.output.dense", "linear1": l + "intermediate.dense",
             "linear2": l + "output.dense", "norm1": l + "layernorm_before", "norm2": l + "layernorm_after"}
    state = {}
    for key, source in pairs.items():
        if isinstance(source, torch.Tensor):
            state[key] = source
        else:
            state[key + ".weight"], state[key + ".bias"] = w[source + ".weight"], w[source + ".bias"]
    layer.load_state_dict(state)
    return layer.eval()


def forward_crosscheck(w, cfg, x, fast_path=False, activation="gelu", tokens=None):
    """forward() again from slice_patch_tokens and nn.TransformerEncoderLayer. fast_path: under
    no_grad torch 1.13 runs its fused encoder-layer kernel (for an even head count); with grad
    enabled, the Python path (F.multi_head_attention_forward)."""
    with torch.set_grad_enabled(not fast_path):
        h = embed(w, cfg, slice_patch_tokens(w, cfg, x) if tokens is None else tokens)
        for n in range(cfg["num_hidden_layers"]):
            h = torch_layer(w, cfg, n, activation)(h)
        final = torch.nn.LayerNorm(cfg["hidden_size"], eps=cfg["layer_norm_eps"], dtype=h.dtype)
        final.load_state_dict({k: w[f"{PREFIX}layernorm.{k}"] for k in ("weight", "bias")})
        logits, pooled = classify(w, cfg, final(h))
    return logits.detach(), pooled.detach()


def max_diff(a, b):
    return float((a.double() - b.double()).abs().max())


def crosschecks(w, cfg, x, logits, pooled):
    """(name, max |diff| of logits, of pooled) for each second construction."""
    w64 = {k: v.double() for k, v in w.items()}
    rows = [("conv2d vs patches cut by index",
             max_diff(patch_tokens(w, cfg, x), slice_patch_tokens(w, cfg, x)), None)]
    for name, (l, p) in {
            "nn.TransformerEncoderLayer, python path": forward_crosscheck(w, cfg, x, fast_path=False),
            "nn.TransformerEncoderLayer, fused fast path": forward_crosscheck(w, cfg, x, fast_path=True),
            "the reference in float64": forward(w64, cfg, x.double())}.items():
        rows.append((name, max_diff(l, logits), max_diff(p, pooled)))
    return rows


def mistakes(w, cfg, x, logits):
    """max |logit diff| that deliberate mistakes cause: a test whose tolerance is below these
    figures catches them."""
    h, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    f_dim, t_dim = grid(cfg)
    # Heads grouped as view(.., head_dim, heads) instead of (heads, head_dim): the same as permuting
    # the q/k/v rows and the output dense columns.
    perm = torch.arange(h).view(h // heads, heads).T.reshape(-1)
    wrong_heads, no_value_bias = dict(w), dict(w)
    for n in range(cfg["num_hidden_layers"]):
        a = f"{PREFIX}encoder.layer.{n}.attention."
        for name in (f"attention.{p}.{k}" for p in ("query", "key", "value") for k in ("weight", "bias")):
            wrong_heads[a + name] = w[a + name][perm]
        wrong_heads[a + "output.dense.weight"] = w[a + "output.dense.weight"][:, perm]
    no_value_bias[a + "attention.value.bias"] = torch.zeros(h)  # in the last layer
    tokens = patch_tokens(w, cfg, x)
    final = encode(w, cfg, tokens)
    results = {
        "tokens time-major": forward_crosscheck(
            w, cfg, x, tokens=tokens.view(-1, f_dim, t_dim, h).transpose(1, 2).reshape(tokens.shape))[0],
        "heads split as (head_dim, heads)": forward(wrong_heads, cfg, x)[0],
        "GELU tanh approximation": forward_crosscheck(
            w, cfg, x, activation=lambda v: F.gelu(v, approximate="tanh"))[0],
        "last layer's value bias dropped": forward(no_value_bias, cfg, x)[0],
        "pooled = CLS token only": classify(w, cfg, final[:, [0, 0]])[0],
        "pooled = mean of all tokens": classify(w, cfg, final.mean(1, keepdim=True).expand(-1, 2, -1))[0],
        "layer_norm_eps 1e-5 instead of 1e-12": forward(w, dict(cfg, layer_norm_eps=1e-5), x)[0],
    }
    return {name: max_diff(v, logits) for name, v in results.items()}


def verify(w, cfg, x):
    logits, pooled = forward(w, cfg, x)
    return crosschecks(w, cfg, x, logits, pooled), mistakes(w, cfg, x, logits)


def print_verify(rows, mistakes):
    print(f"{'cross-check (max |diff| vs the reference)':48s} {'logits':>10s} {'pooled':>10s}")
    for name, a, b in rows:
        print(f"{name:48s} {a:10.3g} {'(tokens)' if b is None else format(b, '10.3g'):>10s}")
    print(f"\n{'deliberate mistake (max |logit diff|)':48s} {'logits':>10s}")
    for name, a in mistakes.items():
        print(f"{name:48s} {a:10.3g}")


# ---------------------------------------------------------------------------------------------
# Test data
# ---------------------------------------------------------------------------------------------

def synthetic_clip(seed=5, seconds=1.0):
    """1 s at 16 kHz: a 200 -> 4000 Hz linear chirp (0.3), a 1 kHz tone (0.1), noise (0.01)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * AST_SAMPLE_RATE)) / AST_SAMPLE_RATE
    phase = 2 * np.pi * (200.0 * t + 0.5 * (4000.0 - 200.0) / seconds * t * t)
    y = 0.3 * np.sin(phase) + 0.1 * np.sin(2 * np.pi * 1000.0 * t) + 0.01 * rng.standard_normal(t.size)
    return y.astype(np.float32)


def test_inputs(cfg, seed=7):
    """input_0: N(0, 0.5^2) noise (a normalised spectrogram has mean ~0, std ~0.5); input_1: a
    frequency ramp plus a sinusoid moving in time and frequency; input_2: the fbank input of
    synthetic_clip(), 98 frames of signal then padding rows (normalised zeros, ~0.467)."""
    rng = np.random.default_rng(seed)
    shape = (cfg["max_length"], cfg["num_mel_bins"])
    t = np.arange(shape[0])[:, None]
    f = np.arange(shape[1])[None, :]
    structured = (0.8 * f / (shape[1] - 1) - 0.4 + 0.6 * np.sin(2 * np.pi * (t / 23.0 + f / 11.0))
                  + 0.3 * np.cos(2 * np.pi * t / shape[0]))
    return [(0.5 * rng.standard_normal(shape)).astype(np.float32), structured.astype(np.float32),
            fbank_input(synthetic_clip(), cfg)]


def save_npy(path, array):
    np.save(path, np.ascontiguousarray(array, dtype="<f4"))


def test_data(out, check):
    """tests/data/ast-small: the small checkpoint in F32/F16/BF16, inputs and golden outputs."""
    out.mkdir(parents=True, exist_ok=True)
    cfg = make_config("small")
    weights = random_weights(cfg, seed=1)
    files = {}
    if not check:
        (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
        for dtype, name in (("F32", "model.safetensors"), ("F16", "model_f16.safetensors"),
                            ("BF16", "model_bf16.safetensors")):
            write_safetensors(out / name, weights, dtype)
    cfg = load_config(out)
    inputs = test_inputs(cfg)
    w = load_weights(out, cfg)
    for k, x in enumerate(inputs):
        logits, pooled = forward(w, cfg, torch.from_numpy(x)[None])
        files.update({f"input_{k}.npy": x, f"logits_{k}.npy": logits[0].numpy(), f"hidden_{k}.npy": pooled[0].numpy()})
    for dtype in ("f16", "bf16"):
        wh = load_weights(out, cfg, f"model_{dtype}.safetensors")
        files[f"logits_0_{dtype}.npy"] = forward(wh, cfg, torch.from_numpy(inputs[0])[None])[0][0].numpy()
    worst = 0.0
    for name, array in files.items():
        if check:
            diff = float(np.abs(np.load(out / name).astype(np.float64) - array).max())
            worst = max(worst, diff)
            print(f"{name:22s} max |diff| {diff:.3g}")
        else:
            save_npy(out / name, array)
    batch = torch.from_numpy(np.stack(inputs))
    print_verify(*verify(w, cfg, batch))
    for dtype in ("f16", "bf16"):
        print(f"logits_0_{dtype} vs logits_0: max |diff| "
              f"{np.abs(files[f'logits_0_{dtype}.npy'] - files['logits_0.npy']).max():.3g}")
    if check and worst > 1e-5:
        print(f"MISMATCH: {worst:.3g} > 1e-5", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def cmd_make_checkpoint(args):
    args.out_dir.mkdir(parents=True, exist_ok=True)
    cfg = make_config(args.size)
    (args.out_dir / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    weights = random_weights(cfg, args.seed)
    write_safetensors(args.out_dir / args.weights, weights, args.dtype)
    count = sum(v.size for v in weights.values())
    print(f"{args.out_dir}: config.json, {args.weights} ({args.dtype}, {len(weights)} tensors, "
          f"{count} parameters)")


def cmd_reference(args):
    cfg = load_config(args.checkpoint)
    kind = args.input_kind
    if kind == "auto":
        kind = "wav" if args.input.suffix.lower() == ".wav" else "matrix"
    if kind == "wav":
        x = fbank_input(read_wav(args.input), cfg, *preprocessor_stats(args.checkpoint))
        if args.save_input:
            save_npy(args.save_input, x)
    else:
        x = np.load(args.input).astype(np.float32)
    w = load_weights(args.checkpoint, cfg, args.weights)
    logits, pooled = forward(w, cfg, torch.from_numpy(x)[None])
    save_npy(args.output, logits[0].numpy())
    if args.pooled:
        save_npy(args.pooled, pooled[0].numpy())
    order = torch.argsort(logits[0], descending=True)[:args.top]
    for i in order.tolist():
        print(f"{logits[0, i].item():10.5f}  {i:4d}  {cfg['id2label'][str(i)]}")


def cmd_verify(args):
    cfg = load_config(args.checkpoint)
    w = load_weights(args.checkpoint, cfg, args.weights)
    torch.manual_seed(0)
    shape = (cfg["max_length"], cfg["num_mel_bins"])
    batch = torch.stack([0.5 * torch.randn(shape), torch.from_numpy(test_inputs(cfg)[1])])
    print_verify(*verify(w, cfg, batch))


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def cmd_bench(args):
    torch.set_num_threads(args.threads)
    before = peak_rss_mib()
    cfg = load_config(args.checkpoint)
    w = load_weights(args.checkpoint, cfg, args.weights)
    loaded = peak_rss_mib()
    x = torch.from_numpy((0.5 * np.random.default_rng(0).standard_normal(
        (1, cfg["max_length"], cfg["num_mel_bins"]))).astype(np.float32))
    for _ in range(args.warmup):
        forward(w, cfg, x)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        forward(w, cfg, x)
        times.append(time.perf_counter() - start)
    f_dim, t_dim = grid(cfg)
    print(f"torch {torch.__version__} reference AST forward, CPU, {torch.get_num_threads()} thread(s); "
          f"{cfg['num_hidden_layers']} layers, hidden {cfg['hidden_size']}, {f_dim * t_dim + 2} tokens, "
          f"input {cfg['max_length']}x{cfg['num_mel_bins']}, {sum(v.numel() for v in w.values())} parameters")
    print(f"{args.warmup} warm-up, {args.runs} runs: median {statistics.median(times) * 1e3:.1f} ms, "
          f"min {min(times) * 1e3:.1f} ms, max {max(times) * 1e3:.1f} ms")
    print(f"peak RSS (getrusage ru_maxrss): {before:.0f} MiB before loading (python + torch), "
          f"{loaded:.0f} MiB after loading, {peak_rss_mib():.0f} MiB after the runs")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("make-checkpoint", help="config.json and random weights")
    p.add_argument("out_dir", type=Path)
    p.add_argument("--size", choices=sorted(SIZES), required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dtype", choices=sorted(DTYPES), default="F32")
    p.add_argument("--weights", default="model.safetensors", help="file name inside OUT_DIR")
    p.set_defaults(run=cmd_make_checkpoint)
    p = sub.add_parser("reference", help="logits for one input (.npy matrix or .wav)")
    p.add_argument("checkpoint", type=Path)
    p.add_argument("input", type=Path)
    p.add_argument("output", type=Path)
    p.add_argument("--input-kind", choices=("auto", "matrix", "wav"), default="auto",
                   help="auto: .wav is audio, anything else a normalised [max_length, num_mel_bins] .npy")
    p.add_argument("--weights", default="model.safetensors")
    p.add_argument("--pooled", type=Path, help="also write the pooled output (classifier input)")
    p.add_argument("--save-input", type=Path, help="wav only: also write the model input matrix")
    p.add_argument("--top", type=int, default=5, help="labels to print")
    p.set_defaults(run=cmd_reference)
    p = sub.add_parser("verify", help="cross-check the reference against a second construction")
    p.add_argument("checkpoint", type=Path)
    p.add_argument("--weights", default="model.safetensors")
    p.set_defaults(run=cmd_verify)
    p = sub.add_parser("bench", help="time the forward pass on one random input")
    p.add_argument("checkpoint", type=Path)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--weights", default="model.safetensors")
    p.set_defaults(run=cmd_bench)
    p = sub.add_parser("test-data", help="write (or --check) tests/data/ast-small")
    p.add_argument("out_dir", type=Path)
    p.add_argument("--check", action="store_true", help="recompute and compare with the files there")
    p.set_defaults(run=lambda a: test_data(a.out_dir, a.check))
    args = parser.parse_args()
    try:
        return args.run(args)
    except (CheckpointError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
