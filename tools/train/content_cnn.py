"""The window CNN: a compact CNN over content-log-mel-v1 (the 101 x 64 log-mel levels of a 1 s
window, src/dsp/content_log_mel.hpp), written in the format earshot reads
(src/analysis/content_cnn.hpp). train.py trains it as the first stage of the shipped model (on
build_blocks.py's windows); v1/train_cnn.py trained it alone on v1/build_dataset.py's windows,
and v1/cross_validate.py retrains that with one package held out.

The log-mel levels are computed here with NumPy by the v1 definition (n_fft 512, periodic Hann,
hop 160, centred, 64 Slaney bands, 10 log10(mel + 1e-8) floored at -80 dB); check_against_earshot
compares them with earshot's band shapes before anything trains. The log-mel windows are cached
under CACHE/cnn (about 0.7 GB; the first time takes about as long as the data set itself).
"""
import hashlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import audio_sources as dataset

N_FFT, HOP, BANDS = 512, 160, 64
FRAMES = 1 + dataset.WINDOW // HOP  # 101
# The shipped recipe (train_cnn.py's defaults).
WIDTH, EPOCHS, SAMPLES_PER_EPOCH, SEED = 8, 6, 30000, 1
NOISE_MIXING, SPEC_AUGMENT, FILTER_AUGMENT = 0.0, False, False
# Windows on each side whose statistics the head also reads (0: each window alone).
CONTEXT = 0


def mel_filterbank():
    """Slaney mel scale and Slaney area normalisation, as librosa and dsp::MelFilterbank."""
    def to_mel(hz):
        hz = np.asarray(hz, dtype=np.float64)
        return np.where(hz >= 1000, 15 + np.log(np.maximum(hz, 1e-9) / 1000) / (np.log(6.4) / 27),
                        hz * 3 / 200)

    def to_hz(mel):
        mel = np.asarray(mel, dtype=np.float64)
        return np.where(mel >= 15, 1000 * np.exp((np.log(6.4) / 27) * (mel - 15)), mel * 200 / 3)

    bins = np.linspace(0, dataset.RATE / 2, N_FFT // 2 + 1)
    edges = to_hz(np.linspace(to_mel(0), to_mel(dataset.RATE / 2), BANDS + 2))
    bank = np.zeros((BANDS, len(bins)))
    for b in range(BANDS):
        low, centre, high = edges[b:b + 3]
        rising, falling = (bins - low) / (centre - low), (high - bins) / (high - centre)
        bank[b] = np.maximum(0, np.minimum(rising, falling)) * 2 / (high - low)
    return bank.astype(np.float32)


FILTERBANK = mel_filterbank()
HANN = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)


def log_mel(windows):
    """(N, 16000) float32 windows -> (N, 101, 64) float16 log-mel levels in dB."""
    out = []
    for start in range(0, len(windows), 500):
        block = np.asarray(windows[start:start + 500], dtype=np.float32)
        padded = np.pad(block, ((0, 0), (N_FFT // 2, N_FFT // 2)))
        frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT, axis=1)[:, ::HOP] * HANN
        mel = (np.abs(np.fft.rfft(frames, axis=2)) ** 2) @ FILTERBANK.T
        out.append(np.maximum(10 * np.log10(mel + 1e-8), -80).astype(np.float16))
    return np.concatenate(out) if out else np.zeros((0, FRAMES, BANDS), dtype=np.float16)


def check_against_earshot(clips, items):
    """The NumPy log-mel must give earshot's band shapes (content-features-v1's first 64)."""
    levels = log_mel(clips[0][2]).astype(np.float64)
    shape = levels.mean(axis=1) - levels.mean(axis=(1, 2))[:, None]
    gap = np.abs(shape - items[0][2][:, :BANDS]).max()
    if gap > 0.05:
        sys.exit(f"log-mel differs from earshot's by {gap:.3f} dB: the definitions have drifted")
    print(f"log-mel checked against earshot's band shapes: largest difference {gap:.4f} dB")


def context_log_mel(pieces, span):
    """Pieces of `span` consecutive windows (audio_sources.training_windows) -> (N, span, 101,
    64) float16 log-mel levels, NaN where a window is silent (or past the end of a short
    file): such windows are left out of the pooling."""
    windows = np.concatenate([np.pad(p, (0, span * dataset.WINDOW - len(p))).reshape(
        span, dataset.WINDOW) for p in pieces]) if pieces else np.zeros((0, dataset.WINDOW))
    frames = log_mel(windows)
    silent = np.array([dataset.dbfs(w) < dataset.SILENCE_DBFS for w in windows], dtype=bool)
    frames[silent] = np.nan
    return frames.reshape(-1, span, FRAMES, BANDS)


def training_log_mel(cache, selection, seed, context=CONTEXT):
    """The log-mel frames of every training source's augmented windows (cached per source):
    (frames, labels, the package of each window). With context, each item is a piece of
    2 * context + 1 consecutive windows (context_log_mel) instead of one window."""
    span = 2 * context + 1
    held_out = set(selection["splits"]["validation"])
    bank = cache / "dataset" / f"background-{seed}.npy"
    xs, ys, packages = [], [], []
    for source in selection["sources"]:
        if source["package"] in held_out or source["class"] not in dataset.CLASSES:
            continue
        background = (dict(selection["speech_background"], bank=str(bank))
                      if source["class"] == "speech" else None)
        cached = cache / "cnn" / dataset.source_file_name(source, selection, seed, background,
                                                          span)
        if not cached.exists():
            cached.parent.mkdir(parents=True, exist_ok=True)
            describe = log_mel if span == 1 else (lambda pieces: context_log_mel(pieces, span))
            frames, labels, _ = dataset.source_windows(source, cache, selection, seed,
                                                       background, describe, span)
            np.savez(cached, frames=frames, labels=labels)
        data = np.load(cached)
        print(f"train {source['class']:6} {source['package']:28} {len(data['labels']):6} "
              f"{'windows' if span == 1 else 'pieces'}", flush=True)
        xs.append(data["frames"])
        ys.append(data["labels"])
        packages.append(np.full(len(data["labels"]), source["package"]))
    return np.concatenate(xs), np.concatenate(ys).astype(np.int64), np.concatenate(packages)


def validation_log_mel(cache, selection, seed):
    """Unaugmented windows of the held-out packages, as v1/build_dataset.py chose them."""
    cached = cache / "cnn" / f"validation-{seed}.npz"
    if not cached.exists():
        sources = [s for s in selection["sources"] if s["package"] in
                   set(selection["splits"]["validation"]) or s["class"] == "silence"]
        with tempfile.TemporaryDirectory() as clips:
            windows, labels, groups, _ = dataset.validation_set(
                sources, cache, Path(clips), np.random.default_rng(seed))
        np.savez(cached, frames=log_mel(windows), labels=labels, groups=groups)
    data = np.load(cached)
    return data["frames"], data["labels"].astype(np.int64), data["groups"]


def standardise(frames):
    """Gain-free input: each window's levels minus their mean, over 20 dB. (N, 101, 64) ->
    (N, 1, 101, 64); pieces (N, S, 101, 64) stay (N, S, 101, 64), NaN windows becoming 0."""
    x = torch.from_numpy(np.asarray(frames, dtype=np.float32))
    if x.dim() == 4:
        return torch.nan_to_num((x - x.mean(dim=(2, 3), keepdim=True)) / 20)
    return ((x - x.mean(dim=(1, 2), keepdim=True)) / 20).unsqueeze(1)


class Cnn(torch.nn.Module):
    """Four 3x3 convolutions (batch norm, ReLU; 2x2 max pooling after the first three), then the
    mean and the maximum over time of each channel and band, and two dense layers."""

    def __init__(self, width):
        super().__init__()
        channels = [1, width, 2 * width, 4 * width, 4 * width]
        layers = []
        for i in range(4):
            layers += [torch.nn.Conv2d(channels[i], channels[i + 1], 3, padding=1, bias=False),
                       torch.nn.BatchNorm2d(channels[i + 1]), torch.nn.ReLU()]
            if i < 3:
                layers.append(torch.nn.MaxPool2d(2))
        self.features = torch.nn.Sequential(*layers)
        self.head = torch.nn.Sequential(
            torch.nn.Dropout(0.3), torch.nn.Linear(2 * channels[-1] * (BANDS // 8), 64),
            torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(64, 3))

    def forward(self, x, present=None):
        """Logits of standardised windows (N, 1, 101, 64), or of pieces (N, S, 101, 64) whose
        windows marked in `present` (N, S) are pooled together."""
        if x.shape[1] == 1:
            return self.classify(*self.statistics(x))
        # Only the windows present go through the trunk (so that batch norm never sees the
        # blanks of a short piece); the others keep statistics of 0, which pooling ignores.
        n, span = x.shape[:2]
        flat = present.reshape(-1)
        means, maxes = self.statistics(x.reshape(n * span, 1, *x.shape[2:])[flat])
        all_means = means.new_zeros(n * span, *means.shape[1:])
        all_maxes = maxes.new_zeros(n * span, *maxes.shape[1:])
        all_means[flat], all_maxes[flat] = means, maxes
        return self.classify(*pool_pieces(all_means.reshape(n, span, *means.shape[1:]),
                                          all_maxes.reshape(n, span, *maxes.shape[1:]), present))

    def statistics(self, x):
        """The mean and the maximum over time of each channel and band: (N, channels, 8)
        twice."""
        h = self.features(x)  # (N, channels, time, 8 bands)
        return h.mean(dim=2), h.amax(dim=2)

    def classify(self, means, maxes):
        return self.head(torch.cat([means, maxes], dim=1).flatten(1))

    def describe(self):
        convolutions = [m for m in self.features if isinstance(m, torch.nn.Conv2d)]
        dense = [m for m in self.head if isinstance(m, torch.nn.Linear)]
        return (f"CNN over 101 x 64 log-mel: 3x3 convolutions with "
                f"{' -> '.join(str(c.out_channels) for c in convolutions)} channels (batch norm, "
                f"ReLU, 2x2 max pooling after all but the last), mean and max over time, dense "
                f"{' -> '.join(str(d.out_features) for d in dense)} (ReLU, dropout 0.3)")

    def multiply_adds(self):
        total, time_steps, bands = 0, FRAMES, BANDS
        for layer in self.features:
            if isinstance(layer, torch.nn.Conv2d):
                total += time_steps * bands * layer.weight.numel()
            elif isinstance(layer, torch.nn.MaxPool2d):
                time_steps, bands = time_steps // 2, bands // 2
        return total + sum(m.weight.numel() for m in self.head if isinstance(m, torch.nn.Linear))


def pool_pieces(means, maxes, present):
    """Statistics of several windows (N, S, ...) as those of one long window: the mean of the
    means and the maximum of the maxima of the windows `present` (N, S) marks. A window left
    out has maxima 0, which never wins: after the ReLU every maximum is at least 0."""
    weight = present.to(means.dtype).reshape(*present.shape, *[1] * (means.dim() - 2))
    return ((means * weight).sum(1) / weight.sum(1).clamp(min=1),
            (maxes * weight).amax(1))


def context_probabilities(model, frames, silent, context):
    """(N, 3) softmax of the model over the consecutive windows of one recording, each window
    read with its non-silent neighbours up to `context` away (as earshot reads them)."""
    with torch.no_grad():
        means, maxes = model.statistics(standardise(frames))
        n = len(frames)
        sounding = torch.from_numpy(~np.asarray(silent, dtype=bool))
        picks = torch.arange(n)[:, None] + torch.arange(-context, context + 1)[None, :]
        present = (picks >= 0) & (picks < n)
        picks = picks.clamp(0, max(n - 1, 0))
        present &= sounding[picks]
        present[:, context] = True  # a window always reads itself
        pooled = pool_pieces(means[picks], maxes[picks], present)
        return torch.softmax(model.classify(*pooled), 1).numpy()


def clip_probabilities(models, clips, context=CONTEXT):
    """The mean of CNNs' window probabilities (context_probabilities) over each clip of
    compare_models.clip_windows: (name, truth, windows, silent flags)."""
    return [np.mean([context_probabilities(model, log_mel(ws), silent, context)
                     for model in models], axis=0) for _, _, ws, silent in clips]


NOISE = 2  # audio_sources.CLASSES.index("noise")


def mix_noise(frames, labels, x, noise_rows, rng, share):
    """Lays another noise window under `share` of the noise windows of a batch: the power sum
    of their levels, the other brought to the window's mean level and then 0-10 dB below it.
    An ambience is many sounds at once, and noise over noise is still noise."""
    chosen = np.flatnonzero((labels == NOISE) & (rng.random(len(labels)) < share))
    if len(chosen) == 0:
        return frames
    other = np.asarray(x[rng.choice(noise_rows, len(chosen))], dtype=np.float32)
    other += (frames[chosen].mean(axis=(1, 2)) - other.mean(axis=(1, 2))
              - rng.uniform(0, 10, len(chosen)))[:, None, None]
    frames[chosen] = 10 * np.log10(10 ** (frames[chosen] / 10) + 10 ** (other / 10))
    return frames


def mask_spectrogram(batch, rng, max_bands=8, max_frames=20):
    """SpecAugment: one band range and one time range of each standardised window set to its
    mean (0), so that no single band or moment decides the class."""
    n, _, frames, bands = batch.shape
    band_width = rng.integers(0, max_bands + 1, n)
    band_start = rng.integers(0, bands - band_width + 1)
    frame_width = rng.integers(0, max_frames + 1, n)
    frame_start = rng.integers(0, frames - frame_width + 1)
    band, frame = np.arange(bands), np.arange(frames)
    in_bands = (band >= band_start[:, None]) & (band < (band_start + band_width)[:, None])
    in_frames = (frame >= frame_start[:, None]) & (frame < (frame_start + frame_width)[:, None])
    masked = in_bands[:, None, :] | in_frames[:, :, None]
    return batch.masked_fill(torch.from_numpy(masked).unsqueeze(1), 0.0)


def equalise_at_random(frames, rng, bands=(3, 5), narrowest=6, max_db=6.0):
    """FilterAugment (Nam et al., ICASSP 2022, its "linear" type): adds to each window's
    log-mel levels (N, 101, 64) a random equaliser curve over the mel bands -- 3 to 5 ranges,
    each at least 6 bands wide, a gain of -6..+6 dB drawn at every range edge and linear in
    between -- so that a package's spectral colour (its recording and mastering) is no cue."""
    n = len(frames)
    curves = np.empty((n, BANDS), dtype=np.float32)
    for i in range(n):
        ranges = int(rng.integers(bands[0], bands[1] + 1))
        # Range widths: the narrowest each, plus the spare bands shared out at random.
        spare = rng.multinomial(BANDS - ranges * narrowest, np.full(ranges, 1 / ranges))
        edges = np.concatenate([[0], np.cumsum(narrowest + spare)]) - 0.5
        curves[i] = np.interp(np.arange(BANDS), edges, rng.uniform(-max_db, max_db, ranges + 1))
    return frames + curves[:, None, :]


def sampling_weights(y, sources=None):
    """Each window's chance to be drawn: classes equally often and, within a class, windows
    equally often, or with `sources` (the source of each window) sources equally often."""
    counts = np.bincount(y, minlength=3)
    if sources is None:
        return 1.0 / counts[y]
    keys, source_of = np.unique(np.char.add(sources.astype(str), y.astype(str)),
                                return_inverse=True)
    source_class = np.zeros(len(keys), dtype=np.int64)
    source_class[source_of] = y
    sources_per_class = np.bincount(source_class, minlength=3)
    return 1.0 / (np.bincount(source_of)[source_of] * sources_per_class[y])


def train(x, y, width=WIDTH, epochs=EPOCHS, samples_per_epoch=SAMPLES_PER_EPOCH, seed=SEED,
          noise_mixing=NOISE_MIXING, spec_augment=SPEC_AUGMENT, filter_augment=FILTER_AUGMENT,
          sources=None, teachers=()):
    """A Cnn trained on log-mel windows x (N, 101, 64) with labels y: AdamW under a one-cycle
    schedule, classes balanced by sampling, each batch shifted circularly in time; optionally
    noise laid under noise (mix_noise, for that share of noise windows), SpecAugment masks and
    random equaliser curves (equalise_at_random). x may instead hold pieces of consecutive
    windows (N, S, 101, 64; context_log_mel), whose windows the network pools together
    (without those three options). With `sources` (the package of each window), each source
    of a class is drawn as often as the others. With `teachers` (trained Cnns), the target of
    each augmented window is the mean of their softmax on that same window instead of its
    label: the teachers distilled into one network. Deterministic for a seed on two CPU
    threads."""
    pieces = x.ndim == 4
    if pieces and (noise_mixing or spec_augment or filter_augment):
        raise ValueError("noise mixing, SpecAugment and FilterAugment take single windows")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    augment_rng = np.random.default_rng([seed, 1])  # leaves rng's sequence as without them
    noise_rows = np.flatnonzero(y == NOISE)
    model = Cnn(width)
    sampler = torch.utils.data.WeightedRandomSampler(
        torch.from_numpy(sampling_weights(y, sources)), samples_per_epoch, replacement=True)
    batches = torch.utils.data.DataLoader(torch.arange(len(y)), batch_size=128, sampler=sampler)
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, 2e-3,
                                                   total_steps=epochs * len(batches))
    loss_function = torch.nn.CrossEntropyLoss()  # takes labels or probabilities as targets
    for epoch in range(epochs):
        model.train()
        started, total = time.time(), 0.0
        for chosen in batches:
            chosen = chosen.numpy()
            # A random circular shift in time: where a sound starts in its window is no cue.
            frames = np.asarray(x[chosen], dtype=np.float32)
            if noise_mixing:
                frames = mix_noise(frames, y[chosen], x, noise_rows, augment_rng, noise_mixing)
            if filter_augment:
                frames = equalise_at_random(frames, augment_rng)
            batch = torch.roll(standardise(frames), int(rng.integers(FRAMES)), dims=2)
            if spec_augment:
                batch = mask_spectrogram(batch, augment_rng)
            present = torch.from_numpy(~np.isnan(frames[:, :, 0, 0])) if pieces else None
            target = (teacher_probabilities(teachers, batch, present) if teachers
                      else torch.from_numpy(y[chosen]))
            optimiser.zero_grad()
            loss = loss_function(model(batch, present), target)
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item()
        print(f"epoch {epoch + 1:2}: loss {total / len(batches):.3f} "
              f"({time.time() - started:.0f} s)", flush=True)
    return model.eval()


def teacher_probabilities(teachers, batch, present=None):
    """The mean softmax of trained networks (in eval mode) over a standardised batch."""
    with torch.no_grad():
        return torch.stack([torch.softmax(t(batch, present), 1) for t in teachers]).mean(0)


def data_fingerprint(x, y):
    """A short digest of training windows and labels (every label, every 997th window), so that
    a network cached for one data set is never reused for another."""
    digest = hashlib.sha1(np.ascontiguousarray(y).tobytes())
    digest.update(np.ascontiguousarray(x[::997]).tobytes())
    return digest.hexdigest()[:12]


def model_file(cache, data, held_out, seed, recipe):
    """Where cached_model keeps a network trained on the data whose data_fingerprint is `data`
    without the package `held_out` (or "none"), at a seed, by a recipe (train()'s keyword
    arguments)."""
    key = "-".join(f"{name}={value}" for name, value in sorted(recipe.items()))
    return cache / "cnn-models" / f"data={data}-without={held_out}-seed={seed}-{key}.pt"


def cached_model(path, train_model, width=WIDTH):
    """The Cnn whose weights `path` holds, trained by train_model() and saved there first if
    it is not there yet (teachers of a distillation are reused between runs)."""
    model = Cnn(width)
    if path.exists():
        model.load_state_dict(torch.load(path))
        return model.eval()
    trained = train_model()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(trained.state_dict(), path)
    return trained


def probabilities(model, frames):
    """(N, 3) softmax of the model over log-mel windows, a thousand at a time."""
    with torch.no_grad():
        return np.concatenate([torch.softmax(model(standardise(frames[i:i + 1000])), 1).numpy()
                               for i in range(0, len(frames), 1000)] or [np.zeros((0, 3))])


def with_noise_bias(probabilities, bias):
    """Window probabilities (N, 3) as the network would give them with `bias` added to its noise
    logit: the noise probability times e^bias, renormalised (a prior shift)."""
    if not bias:
        return probabilities
    shifted = np.array(probabilities, dtype=np.float64)
    shifted[:, NOISE] *= np.exp(bias)
    return shifted / shifted.sum(axis=1, keepdims=True)


def add_noise_bias(tensors, bias):
    """Folds a noise prior (with_noise_bias) into the last dense layer's bias."""
    last = f"dense.{layer_count(tensors, 'dense') - 1}.bias"
    tensors[last] = tensors[last].copy()
    tensors[last][NOISE] += np.float32(bias)
    return tensors


def folded_tensors(model):
    """{name: float32 array} in earshot's content-CNN format from a trained Cnn in eval mode.
    Each batch norm is folded into the convolution before it: batch norm computes
    gamma * (z - mean) / sqrt(var + eps) + beta of z = w * x, which is the convolution with
    weight w * s and bias beta - mean * s, s = gamma / sqrt(var + eps) per output channel.
    Dropout is dropped and the dense layers are renumbered."""
    tensors = {}
    layers = list(model.features)
    convolutions = [i for i, layer in enumerate(layers) if isinstance(layer, torch.nn.Conv2d)]
    for index, i in enumerate(convolutions):
        conv, norm = layers[i], layers[i + 1]
        scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
        tensors[f"conv.{index}.weight"] = conv.weight * scale[:, None, None, None]
        tensors[f"conv.{index}.bias"] = norm.bias - norm.running_mean * scale
    dense = [layer for layer in model.head if isinstance(layer, torch.nn.Linear)]
    for index, layer in enumerate(dense):
        tensors[f"dense.{index}.weight"] = layer.weight
        tensors[f"dense.{index}.bias"] = layer.bias
    return {name: t.detach().numpy().astype(np.float32) for name, t in tensors.items()}


def layer_count(tensors, kind):
    return sum(1 for name in tensors if name.startswith(kind + ".") and name.endswith(".weight"))


def folded_logits(tensors, frames):
    """The logits as earshot computes them (src/analysis/content_cnn.hpp), from the folded
    tensors, in PyTorch."""
    x = standardise(frames)
    convolutions = layer_count(tensors, "conv")
    for i in range(convolutions):
        x = torch.relu(torch.nn.functional.conv2d(
            x, torch.tensor(tensors[f"conv.{i}.weight"]),
            torch.tensor(tensors[f"conv.{i}.bias"]), padding=1))
        if i + 1 < convolutions:
            x = torch.nn.functional.max_pool2d(x, 2)
    x = torch.cat([x.mean(dim=2), x.amax(dim=2)], dim=1).flatten(1)
    dense = layer_count(tensors, "dense")
    for j in range(dense):
        x = torch.nn.functional.linear(x, torch.tensor(tensors[f"dense.{j}.weight"]),
                                       torch.tensor(tensors[f"dense.{j}.bias"]))
        if j + 1 < dense:
            x = torch.relu(x)
    return x


def check_folding(model, tensors):
    """The folded network must give the trained one's logits (on random levels)."""
    frames = np.random.default_rng(0).uniform(-80, 0, (16, FRAMES, BANDS))
    with torch.no_grad():
        gap = (folded_logits(tensors, frames) - model(standardise(frames))).abs().max().item()
    if gap > 1e-3:
        sys.exit(f"the folded network differs from the trained one by {gap}")
    print(f"folded network checked against the trained one: largest logit difference {gap:.1e}")


def metadata(tensors, version, context=CONTEXT, noise_bias=0.0):
    """The safetensors metadata earshot's loader checks. A network trained with context gets a
    format of its own, which earshot refuses: it reads each window alone, and would run such a
    network without the neighbours it was trained to read. A noise prior folded into the last
    bias (add_noise_bias) is recorded, for the reader; earshot needs nothing more to run it."""
    return {"format": "earshot-content-cnn" + ("-context" if context else ""),
            "input": "content-log-mel-v1", "labels": "speech,music,noise",
            "convolutions": str(layer_count(tensors, "conv")),
            "dense": str(layer_count(tensors, "dense")), "version": version,
            **({"context": str(context)} if context else {}),
            **({"noise_bias": str(noise_bias)} if noise_bias else {})}
