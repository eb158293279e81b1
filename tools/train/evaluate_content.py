#!/usr/bin/python3
"""Scores the content classification end to end, with earshot itself, on the 10 s clips of the
development packages (and generated silence) that build_blocks.py wrote.

    tools/train/evaluate_content.py [--clips .cache/train/dev/clips] [--earshot build/earshot]
                                    [--out models/content/evaluation.json]

Runs `earshot analyze` on every clip (so the decoder, the level rule for silence, the features,
the model and the file-level rule are all measured as shipped), prints the confusion matrix and
per-class precision and recall, and writes them to OUT.
"""

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLASSES = ["speech", "music", "noise", "silence"]


def wilson_interval(right, total, z=1.96):
    """The Wilson score interval (95 % by default) of a proportion right / total: what a recall
    measured on few clips can tell. 28 of 29 gives 82.8-99.4 %."""
    if total == 0:
        return None
    p = right / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z / (1 + z * z / total) * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return [round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=Path, default=ROOT / ".cache/train/dev/clips",
                        help="CLASS/PACKAGE--N.wav clips")
    parser.add_argument("--earshot", type=Path, default=ROOT / "build/earshot")
    parser.add_argument("--out", type=Path, default=ROOT / "models/content/evaluation.json")
    args = parser.parse_args()

    clips = args.clips
    files, truths = [], []
    for truth in CLASSES:
        for path in sorted((clips / truth).glob("*.wav")):
            files.append(path)
            truths.append(truth)
    output = subprocess.run([str(args.earshot), "analyze", "--jobs", "2", *map(str, files)],
                            capture_output=True, text=True, check=False).stdout
    results = [json.loads(line) for line in output.splitlines()]
    matrix = [[0] * len(CLASSES) for _ in CLASSES]
    mistakes, per_package = [], {}
    for path, truth, result in zip(files, truths, results):
        guess = result.get("classification", "error")
        package = f"{path.name.split('--')[0]} ({truth})"
        right, total = per_package.get(package, (0, 0))
        per_package[package] = (right + (guess == truth), total + 1)
        if guess in CLASSES:
            matrix[CLASSES.index(truth)][CLASSES.index(guess)] += 1
        if guess != truth:
            mistakes.append(f"{path.parent.name}/{path.name}: {guess} "
                            f"{result.get('class_probabilities')}")

    scores = {}
    for i, name in enumerate(CLASSES):
        row = sum(matrix[i])
        column = sum(matrix[r][i] for r in range(len(CLASSES)))
        scores[name] = {
            "clips": row,
            "recall": round(matrix[i][i] / row, 4) if row else None,
            "recall_95_percent_interval": wilson_interval(matrix[i][i], row),
            "precision": round(matrix[i][i] / column, 4) if column else None,
        }
    report = {
        "clips": "10 s, from the development packages of tools/train/selection.json, plus "
                 "generated silence",
        "recall_per_package": {name: {"clips": total, "recall": round(right / total, 4)}
                               for name, (right, total) in sorted(per_package.items())},
        "confusion": {"rows": "truth", "columns": "prediction", "classes": CLASSES,
                      "matrix": matrix},
        "scores": scores,
        "mistakes": mistakes,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print("rows = truth, columns = prediction:", CLASSES)
    for name, row in zip(CLASSES, matrix):
        print(f"  {name:8}", row)
    for name, score in scores.items():
        print(f"  {name:8} clips {score['clips']:4}  recall {score['recall']} "
              f"(95 % interval {score['recall_95_percent_interval']})  "
              f"precision {score['precision']}")
    print(f"{len(mistakes)} mistakes; listed in {args.out}")


if __name__ == "__main__":
    sys.exit(main())
