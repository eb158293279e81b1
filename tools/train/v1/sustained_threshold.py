#!/usr/bin/python3
"""Measures, on unaugmented audio, how often music and noise hold still: the share of sounding
1 s windows whose neighbourhood spectral change (the sustained-sound rule of
src/analysis/content_timeline.hpp) falls under each candidate threshold, per source.

    tools/train/sustained_threshold.py [--cache .cache/train] [--earshot-build build]
                                       [--music-files 40] [--noise-files 150] [--seconds 120]

The rule's threshold (kSustainedChangeDb) is read off the training sources alone: as high as
possible while few music windows fall under it. The held-out sources are printed too, marked
"held out", to show the rule carries over; they were not used to choose it.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared modules

import audio_sources as dataset
from compare_models import without_sustained_music

THRESHOLDS = (0.6, 0.8, 1.0, 1.2, 1.5)


def file_windows(path, seconds):
    signal = dataset.decode(path)[: seconds * dataset.RATE]
    return dataset.windows_of(signal, dataset.WINDOW)


def sustained_share(features, silent, threshold):
    """Share of sounding windows whose music the rule would give to noise, with `threshold`."""
    moved = without_sustained_music(np.tile([0.0, 1.0, 0.0], (len(features), 1)), features,
                                    silent, threshold)
    sounding = ~np.asarray(silent)
    return np.sum(moved[sounding, 1] == 0) / max(1, np.sum(sounding))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=dataset.ROOT / ".cache/train")
    parser.add_argument("--earshot-build", type=Path, default=dataset.ROOT / "build")
    parser.add_argument("--music-files", type=int, default=40, help="per source, at random")
    parser.add_argument("--noise-files", type=int, default=150, help="effects are short")
    parser.add_argument("--seconds", type=int, default=120, help="read from each file")
    args = parser.parse_args()
    selection = json.loads(dataset.SELECTION.read_text())
    held_out = set(selection["splits"]["validation"])
    rng = np.random.default_rng(0)
    print("source".ljust(48), "windows", " ".join(f"<{t} dB" for t in THRESHOLDS))
    for source in selection["sources"]:
        if source["class"] not in ("music", "noise"):
            continue
        files = dataset.select_files(source, args.cache)
        wanted = args.music_files if source["class"] == "music" else args.noise_files
        chosen = rng.choice(np.array(files, dtype=object), min(wanted, len(files)), replace=False)
        shares, count = np.zeros(len(THRESHOLDS)), 0
        for path in chosen:
            windows = file_windows(path, args.seconds)
            silent = [dataset.dbfs(w) < dataset.SILENCE_DBFS for w in windows]
            features = dataset.features_of(windows, args.earshot_build)
            sounding = len(windows) - sum(silent)
            shares += sounding * np.array([sustained_share(features, silent, t)
                                           for t in THRESHOLDS])
            count += sounding
        name = f"{source['class']} {source['package']}" + (
            " (held out)" if source["package"] in held_out else "")
        print(name.ljust(48), f"{count:7d}", " ".join(f"{s / max(1, count):7.3f}"
                                                      for s in shares), flush=True)


if __name__ == "__main__":
    sys.exit(main())
