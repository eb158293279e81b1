#!/usr/bin/python3
"""Two cross-validation runs of train.py side by side, on the folds that hold out the same
packages in both.

    tools/train/experiments/compare.py \
        tools/train/experiments/horns/before-cross-validation-v2.json \
        tools/train/experiments/more-noise/cross-validation-v2.json --folds 1 3 4

For each class: block recall pooled over the chosen folds, per seed (the seeds both runs have
scored on every chosen fold), its mean and its spread (max - min over seeds) in each run, and
the change of the mean; then, where the runs record it, what the held-out blocks of each class
were called, summed over seeds and folds.
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from train import CLASSES, recall_per_seed  # noqa: E402 (after the path it is found on)


def called(runs, name, folds):
    counts = dict.fromkeys(CLASSES, 0)
    for run in runs:
        if run["fold"] in folds and "blocks_called" in run.get(name, {}):
            for other, n in run[name]["blocks_called"].items():
                counts[other] += n
    return counts if any(counts.values()) else None


def describe(per_seed):
    values = [100 * v for v in per_seed.values()]
    mean = sum(values) / len(values)
    return mean, max(values) - min(values), ", ".join(f"{v:.2f}" for v in values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--folds", type=int, nargs="*",
                        help="default: every fold that holds out the same packages in both")
    args = parser.parse_args()
    before, after = (json.loads(p.read_text()) for p in (args.before, args.after))
    same = {k for k, fold in enumerate(before["folds"])
            if k < len(after["folds"]) and sorted(fold) == sorted(after["folds"][k])}
    folds = set(args.folds if args.folds is not None else same)
    if folds - same:
        sys.exit(f"folds {sorted(folds - same)} hold out different packages in the two runs")
    # A run still going has not scored every fold: only seeds that both runs have scored on
    # every chosen fold are compared.
    scored = [{(run["seed"], run["fold"]) for run in r["runs"]} for r in (before, after)]
    seeds = {seed for seed, _ in scored[0] | scored[1]
             if all((seed, k) in done for k in folds for done in scored)}
    if not seeds:
        sys.exit(f"no seed has been scored on folds {sorted(folds)} in both runs")
    before["runs"], after["runs"] = ([run for run in r["runs"] if run["seed"] in seeds]
                                     for r in (before, after))
    print(f"folds {sorted(folds)}, seeds {sorted(seeds)}; block recall %, per seed (mean, spread)")
    for name in CLASSES:
        rows = []
        for label, run in (("before", before), ("after", after)):
            per_seed = recall_per_seed(run["runs"], name, folds)
            if per_seed:
                mean, spread, figures = describe(per_seed)
                rows.append(mean)
                print(f"  {name:6} {label:6} {figures:24} (mean {mean:.2f}, spread {spread:.2f})")
        if len(rows) == 2:
            print(f"  {name:6} change of the mean: {rows[1] - rows[0]:+.2f} points")
    for name in CLASSES:
        counts = called(after["runs"], name, folds)
        if counts:
            print(f"  held-out {name} blocks called: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
