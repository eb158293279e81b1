#!/usr/bin/python3
"""Compares content models over content-features-v1 on the held-out data of build_dataset.py:
MLPs (content-v1.safetensors files, e.g. the shipped one and a retrained one) and gradient-
boosted trees (XGBoost, trained here on the same windows with class-balanced weights).

    tools/train/compare_models.py [MLP.safetensors ...] [--cache .cache/train]

For each: recall per validation package over 1 s windows, and over the 10 s clips of
evaluate_content.py with the file rule of docs/analysis.md re-enacted here (sustained sound
is not music, neighbour average, lone flips absorbed, most non-silent time; silence by level),
which gives the same clip decisions as `earshot analyze` for the shipped model. XGBoost comes
from Debian's python3-xgboost, unpacked without installing (tools/reference/xgboost_reference.py
says why).
"""
import argparse
import json
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared modules

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tools/reference"))
from xgboost_reference import import_xgboost  # noqa: E402
CLASSES = ["speech", "music", "noise"]
ALL = CLASSES + ["silence"]
SILENCE_DBFS = -50.0


def read_wav(path):
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768


def clip_windows(dataset):
    """(name, truth, 1 s windows, silent flags) of every held-out clip; the last window of a
    clip is zero-padded to 1 s, as earshot pads it."""
    clips = []
    for truth in ALL:
        for path in sorted((dataset / "clips" / truth).glob("*.wav")):
            x = read_wav(path)
            ws = [x[i:i + 16000] for i in range(0, len(x), 16000)]
            ws = np.stack([np.pad(w, (0, 16000 - len(w))) for w in ws])
            silent = [10 * np.log10(np.mean(w.astype(np.float64) ** 2) + 1e-20) < SILENCE_DBFS
                      for w in ws]
            clips.append((path.name, truth, ws, silent))
    return clips


def clip_features(dataset, clips=None):
    """(name, truth, features of each 1 s window, silent flags) of every held-out clip."""
    clips = clips if clips is not None else clip_windows(dataset)
    with tempfile.TemporaryDirectory() as d:
        np.save(Path(d) / "w.npy", np.concatenate([ws for _, _, ws, _ in clips]))
        subprocess.run([str(ROOT / "build/earshot-content-features"), f"{d}/w.npy",
                        f"{d}/f.npy"], check=True)
        feats = np.load(f"{d}/f.npy")
    items, start = [], 0
    for name, truth, ws, silent in clips:
        items.append((name, truth, feats[start:start + len(ws)], silent))
        start += len(ws)
    return items


SUSTAINED_CHANGE_DB = 1.0  # analysis::kSustainedChangeDb


def without_sustained_music(probs, features, silent, threshold=SUSTAINED_CHANGE_DB):
    """The sustained-sound rule: a window whose band shape (features 0..63) holds still over
    its neighbourhood gives its music probability to noise."""
    n = len(probs)
    change = [np.nan] + [np.sqrt(np.mean((features[i, :64] - features[i - 1, :64]) ** 2))
                         if not silent[i] and not silent[i - 1] else np.nan for i in range(1, n)]
    probs = probs.copy()
    for i in range(n):
        known = [c for c in change[max(0, i - 1):i + 3] if not np.isnan(c)]
        if not silent[i] and len(known) >= 2 and np.median(known) < threshold:
            probs[i, 2] += probs[i, 1]
            probs[i, 1] = 0
    return probs


def file_class(probs, silent):
    """The timeline rule, simplified: neighbour average, lone flips, most non-silent time."""
    n = len(probs)
    labels = []
    for i in range(n):
        if silent[i]:
            labels.append(3)
            continue
        acc, k = np.zeros(3), 0
        for j in (i - 1, i, i + 1):
            if 0 <= j < n and not silent[j]:
                acc += probs[j]; k += 1
        labels.append(int(np.argmax(acc / k)))
    for i in range(1, n - 1):
        if labels[i - 1] == labels[i + 1] != labels[i]:
            labels[i] = labels[i - 1]
    nonsilent = [l for l in labels if l != 3]
    if len(nonsilent) < 0.05 * n:
        return 3
    return int(np.bincount(nonsilent, minlength=3).argmax())


def evaluate(name, predict, items):
    """Clip recall of a model over features; `predict` maps windows' features to probabilities."""
    return evaluate_probabilities(
        name, [predict(feats) if len(feats) else np.zeros((0, 3)) for _, _, feats, _ in items],
        items)


def clip_confusion(probabilities, items):
    """(4 x 4 confusion over ALL, the wrong clips as "truth/name->guess") of window probabilities
    given per clip (aligned with `items`), through the file rule; the band shapes for the
    sustained-sound rule come from the items' features."""
    m = np.zeros((4, 4), dtype=int)
    wrong = []
    for p, (clip, truth, feats, silent) in zip(probabilities, items):
        guess = file_class(without_sustained_music(p, feats, silent), silent)
        m[ALL.index(truth), guess] += 1
        if ALL[guess] != truth:
            wrong.append(f"{truth}/{clip}->{ALL[guess]}")
    return m, wrong


def evaluate_probabilities(name, probabilities, items):
    """Prints and returns the clip recall per class of clip_confusion()."""
    m, wrong = clip_confusion(probabilities, items)
    rec = [m[i, i] / max(1, m[i].sum()) for i in range(4)]
    print(f"{name}: clip recall " + "  ".join(f"{c} {r:.3f} ({m[i,i]}/{m[i].sum()})"
                                              for i, (c, r) in enumerate(zip(ALL, rec))))
    print("   wrong:", wrong)
    return rec


def window_report(name, predicted, vy, groups):
    packages = np.array([g.split(":")[0] for g in groups])
    out = []
    for package in sorted(set(packages)):
        for i, c in enumerate(CLASSES):
            sel = (packages == package) & (vy == i)
            if sel.any():
                out.append(f"{package}/{c} {np.mean(predicted[sel] == i):.3f}")
    print(f"{name}: window recall", "; ".join(out), f"; all {np.mean(predicted == vy):.4f}")


def read_safetensors(path):
    import struct
    raw = Path(path).read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        out[k] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype="<f4").reshape(v["shape"])
    return out


def mlp_predictor(path):
    return mlp_from_tensors(read_safetensors(path))


def mlp_from_tensors(t):
    """The MLP of content-v1 tensors (train_content.tensors_of) as a function of features."""
    layers = sorted({k.split(".")[1] for k in t if k.startswith("layers.")}, key=int)

    def predict(f):
        h = (f - t["scaler.mean"]) / t["scaler.scale"]
        for i, l in enumerate(layers):
            h = h @ t[f"layers.{l}.weight"].T + t[f"layers.{l}.bias"]
            if i + 1 < len(layers):
                h = np.maximum(h, 0)
        e = np.exp(h - h.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)
    return predict


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mlps", nargs="*", type=Path, help="content-v1.safetensors files")
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache/train")
    args = parser.parse_args()
    dataset = args.cache / "dataset"
    train = np.load(dataset / "train.npz")
    val = np.load(dataset / "validation.npz")
    x, y = train["features"].astype(np.float32), train["labels"].astype(int)
    vx, vy = val["features"].astype(np.float32), val["labels"].astype(int)
    items = clip_features(dataset)
    for path in args.mlps:
        predict = mlp_predictor(path)
        window_report(f"mlp {path}", predict(vx).argmax(1), vy, val["groups"])
        evaluate(f"mlp {path}", predict, items)
    counts = np.bincount(y, minlength=3)
    weights = (len(y) / (3 * counts))[y]
    with tempfile.TemporaryDirectory() as work:
        xgboost = import_xgboost(work)
        for depth, rounds, eta in [(6, 400, 0.1), (8, 600, 0.05)]:
            booster = xgboost.train({"objective": "multi:softprob", "num_class": 3,
                                     "max_depth": depth, "eta": eta, "subsample": 0.8,
                                     "colsample_bytree": 0.5, "nthread": 2, "seed": 1,
                                     "tree_method": "hist"},
                                    xgboost.DMatrix(x, label=y, weight=weights),
                                    num_boost_round=rounds)

            def predict(f, booster=booster):
                return booster.predict(xgboost.DMatrix(f.astype(np.float32)))
            name = f"xgboost depth {depth}, {rounds} rounds, eta {eta}"
            window_report(name, predict(vx).argmax(1), vy, val["groups"])
            evaluate(name, predict, items)


if __name__ == "__main__":
    sys.exit(main())
