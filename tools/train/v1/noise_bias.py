#!/usr/bin/python3
"""Chooses the content CNN's noise prior on the cross-validation folds: the constant b added to
the network's noise logit (noise probabilities times e^b, renormalised) that maximises the mean
of the speech, music and noise recalls over every fold's held-out clips, through the file rules
of compare_models.py. On packages it never saw, the recipe under-calls noise; this measures by
how much without touching the validation packages.

    tools/train/noise_bias.py PROBABILITIES [--cache .cache/train] [--out FILE.json]
                              [--grid -1.0 3.0 0.05]

PROBABILITIES is the folder cross_validate.py --probabilities wrote (one .npz of window
probabilities per fold, named as the fold's folder of clips). Ties go to the smallest |b|.
train_cnn.py --noise-bias folds b into the written network.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared modules

import compare_models as compare
import content_cnn as cnn

ROOT = Path(__file__).resolve().parents[3]
# The classes the prior moves between, by their row in compare.clip_confusion's matrix.
SCORED = {compare.ALL.index(name): name for name in ["speech", "music", "noise"]}


def folds(probabilities, cache):
    """[(window probabilities per clip, clip items)] of every fold saved in `probabilities`."""
    out = []
    for saved in sorted(probabilities.glob("*.npz")):
        items = compare.clip_features(cache / "cross-validation" / saved.stem)
        windows = np.load(saved)
        out.append(([windows[f"{truth}/{name}"] for name, truth, _, _ in items], items))
    return out


def confusion(all_folds, bias):
    """The 4 x 4 clip confusion over compare.ALL of every fold with the noise prior `bias`."""
    total = np.zeros((4, 4), dtype=int)
    for probabilities, items in all_folds:
        matrix, _ = compare.clip_confusion(
            [cnn.with_noise_bias(p, bias) for p in probabilities], items)
        total += matrix
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("probabilities", type=Path)
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache/train")
    parser.add_argument("--out", type=Path, default=ROOT / "models/content/noise-bias-cnn.json")
    parser.add_argument("--grid", type=float, nargs=3, default=[-1.0, 3.0, 0.05],
                        metavar=("FROM", "TO", "STEP"))
    args = parser.parse_args()
    all_folds = folds(args.probabilities, args.cache)
    start, stop, step = args.grid
    sweep = []
    for bias in np.round(np.arange(start, stop + step / 2, step), 4):
        matrix = confusion(all_folds, bias)
        right = {name: int(matrix[i, i]) for i, name in SCORED.items()}
        clips = {name: int(matrix[i].sum()) for i, name in SCORED.items()}
        recall = float(np.mean([right[name] / clips[name] for name in right if clips[name]]))
        sweep.append({"bias": float(bias), "balanced_recall": recall,
                      **{f"{name}_right": count for name, count in right.items()}})
        print(f"b {bias:+.2f}: " + "  ".join(f"{name} {right[name]}/{clips[name]}"
                                             for name in right)
              + f"  mean recall {recall:.4f}", flush=True)
    best = max(sweep, key=lambda row: (round(row["balanced_recall"], 10), -abs(row["bias"])))
    print(f"chosen: b = {best['bias']:+.2f} (mean recall {best['balanced_recall']:.4f})")
    args.out.write_text(json.dumps({
        "about": __doc__.split("\n\n")[0].replace("\n", " "), "folds": len(all_folds),
        "clips": clips, "chosen_bias": best["bias"], "sweep": sweep}, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
