#!/usr/bin/python3
"""Compares a compact CNN over log-mel spectrograms with the shipped MLP over content-features-v1:
the issue's other candidate model, measured on the same data.

    tools/train/compare_cnn.py [--width 16] [--epochs 6] [--samples-per-epoch 30000] [--seed 1]
                               [--mlp models/content/content-v1.safetensors] [--cache .cache/train]

The CNN learns from exactly the augmented 1 s training windows of build_dataset.py (same files,
same seeds, same augmentation), kept as 101 x 64 log-mel frames instead of features, and is
scored like compare_models.py scores the MLP: recall per held-out package over 1 s windows, and
over the held-out 10 s clips with the file rule of docs/analysis.md (the sustained-sound rule
still reads its band shapes from content-features-v1). The average of the MLP's and the CNN's
probabilities is scored too. Run build_dataset.py first; the log-mel windows are cached under
CACHE/cnn (about 0.7 GB) and take about as long as the data set itself the first time.

The log-mel frames are computed here with NumPy, by content-features-v1's definition
(src/dsp/content_features.hpp: n_fft 512, periodic Hann, hop 160, centred, 64 Slaney bands,
10 log10(mel + 1e-8) floored at -80 dB); the script checks them against earshot's own band shapes
before it trains. The CNN is a comparison, not shipped: earshot has no convolution layers.
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import build_dataset as dataset
import compare_models as compare

N_FFT, HOP, BANDS = 512, 160, 64
FRAMES = 1 + dataset.WINDOW // HOP  # 101


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


def training_log_mel(cache, selection, seed):
    """The log-mel frames of every training source's augmented windows (cached per source)."""
    held_out = set(selection["splits"]["validation"])
    bank = cache / "dataset" / f"background-{seed}.npy"
    xs, ys = [], []
    for source in selection["sources"]:
        if source["package"] in held_out or source["class"] not in dataset.CLASSES:
            continue
        background = (dict(selection["speech_background"], bank=str(bank))
                      if source["class"] == "speech" else None)
        cached = cache / "cnn" / dataset.source_file_name(source, selection, seed, background)
        if not cached.exists():
            cached.parent.mkdir(parents=True, exist_ok=True)
            frames, labels, _ = dataset.source_windows(source, cache, selection, seed,
                                                       background, log_mel)
            np.savez(cached, frames=frames, labels=labels)
        data = np.load(cached)
        print(f"train {source['class']:6} {source['package']:28} {len(data['labels']):6} windows",
              flush=True)
        xs.append(data["frames"])
        ys.append(data["labels"])
    return np.concatenate(xs), np.concatenate(ys).astype(np.int64)


def validation_log_mel(cache, selection, seed):
    """Unaugmented windows of the held-out packages, as build_dataset.py chose them."""
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
    """Gain-free input: each window's levels minus their mean, over 20 dB."""
    x = torch.from_numpy(np.asarray(frames, dtype=np.float32))
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

    def forward(self, x):
        h = self.features(x)  # (N, channels, time, 8 bands)
        return self.head(torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1).flatten(1))

    def multiply_adds(self):
        total, time_steps, bands = 0, FRAMES, BANDS
        for layer in self.features:
            if isinstance(layer, torch.nn.Conv2d):
                total += time_steps * bands * layer.weight.numel()
            elif isinstance(layer, torch.nn.MaxPool2d):
                time_steps, bands = time_steps // 2, bands // 2
        return total + sum(m.weight.numel() for m in self.head if isinstance(m, torch.nn.Linear))


def train(x, y, args):
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = Cnn(args.width)
    counts = np.bincount(y, minlength=3)
    sampler = torch.utils.data.WeightedRandomSampler(
        torch.from_numpy(1.0 / counts[y]), args.samples_per_epoch, replacement=True)
    batches = torch.utils.data.DataLoader(torch.arange(len(y)), batch_size=128, sampler=sampler)
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, 2e-3,
                                                   total_steps=args.epochs * len(batches))
    loss_function = torch.nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        model.train()
        started, total = time.time(), 0.0
        for chosen in batches:
            chosen = chosen.numpy()
            # A random circular shift in time: where a sound starts in its window is no cue.
            batch = torch.roll(standardise(x[chosen]), int(rng.integers(FRAMES)), dims=2)
            optimiser.zero_grad()
            loss = loss_function(model(batch), torch.from_numpy(y[chosen]))
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item()
        print(f"epoch {epoch + 1:2}: loss {total / len(batches):.3f} "
              f"({time.time() - started:.0f} s)", flush=True)
    return model.eval()


def probabilities(model, frames):
    with torch.no_grad():
        return np.concatenate([torch.softmax(model(standardise(frames[i:i + 1000])), 1).numpy()
                               for i in range(0, len(frames), 1000)] or [np.zeros((0, 3))])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=dataset.ROOT / ".cache/train")
    parser.add_argument("--mlp", type=Path,
                        default=dataset.ROOT / "models/content/content-v1.safetensors")
    parser.add_argument("--width", type=int, default=16, help="channels of the first layer")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--samples-per-epoch", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save", type=Path, help="write the trained CNN's state_dict here")
    args = parser.parse_args()
    torch.set_num_threads(2)
    selection = json.loads(dataset.SELECTION.read_text())

    clips = compare.clip_windows(args.cache / "dataset")
    items = compare.clip_features(args.cache / "dataset", clips)
    check_against_earshot(clips, items)
    x, y = training_log_mel(args.cache, selection, 1)
    vx, vy, groups = validation_log_mel(args.cache, selection, 1)
    model = train(x, y, args)
    if args.save:
        torch.save(model.state_dict(), args.save)
    print(f"CNN width {args.width}: {sum(p.numel() for p in model.parameters())} parameters, "
          f"{model.multiply_adds() / 1e6:.1f} M multiply-adds per window")

    mlp = compare.mlp_predictor(args.mlp)
    validation_features = np.load(args.cache / "dataset/validation.npz")["features"]
    cnn_windows = probabilities(model, vx)
    mlp_windows = mlp(validation_features)
    cnn_clips = [probabilities(model, log_mel(ws)) for _, _, ws, _ in clips]
    mlp_clips = [mlp(feats) for _, _, feats, _ in items]
    for name, windows, per_clip in [
            (f"mlp {args.mlp.name}", mlp_windows, mlp_clips),
            (f"cnn width {args.width}", cnn_windows, cnn_clips),
            ("mean of both", (mlp_windows + cnn_windows) / 2,
             [(a + b) / 2 for a, b in zip(mlp_clips, cnn_clips)])]:
        compare.window_report(name, windows.argmax(1), vy, groups)
        compare.evaluate_probabilities(name, per_clip, items)


if __name__ == "__main__":
    sys.exit(main())
