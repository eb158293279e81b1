#!/usr/bin/python3
"""Builds the content model's data set from Debian packages, from nothing.

    tools/train/v1/build_dataset.py [--cache .cache/train] [--earshot-build build] [--seed 1]

1. `apt-get download`s every package named in tools/train/v1/selection.json into CACHE/debs and
   extracts it (`dpkg-deb -x`) into CACHE/extract; members of zip archives inside a package
   (0ad-data's public.zip) are extracted when a source names them.
2. Selects files by the rules of selection.json (plus the synthesised machine and effect
   sounds of synthetic_noise.py that it names), decodes each to 16 kHz mono with ffmpeg and
   cuts it into 1 s windows (hop 0.5 s for training, 1 s for validation).
3. Training windows are augmented so that no class can be told by its channel: every class is
   band-limited at random (telephone speech is 8 kHz, music 44.1 kHz), some are re-encoded with
   a lossy codec, and each window gets a random gain and, half the time, light noise. Some
   speech windows are laid over music or noise of the training packages (speech over a
   background is speech).
4. Windows quieter than -50 dBFS are silence by level and never reach the model; they are
   dropped. The features are computed by earshot itself (build/earshot-content-features).

Writes CACHE/dataset/{train,validation}.npz (features, labels, groups) and, for the end-to-end
check, CACHE/dataset/clips/<class>/*.wav: 10 s clips of the validation packages (at most 150
per class, shared among its packages, each package's spread over its files joined end to end)
and generated silence.
"""
import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from audio_sources import (CLASSES, ROOT, background_bank, features_of,  # noqa: E402
                           generated_silence, source_file_name, source_windows, validation_set,
                           write_wav)

SELECTION = ROOT / "tools/train/v1/selection.json"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache/train")
    parser.add_argument("--earshot-build", type=Path, default=ROOT / "build")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    selection = json.loads(SELECTION.read_text())
    validation_packages = set(selection["splits"]["validation"])
    rng = np.random.default_rng(args.seed)
    out = args.cache / "dataset"
    out.mkdir(parents=True, exist_ok=True)

    train_sources = [s for s in selection["sources"]
                     if s["package"] not in validation_packages and s["class"] in CLASSES]
    features, labels, groups = [], [], []
    bank = background_bank(selection, args.cache, out, args.seed)
    for source in train_sources:
        background = None
        if source["class"] == "speech":
            background = dict(selection["speech_background"], bank=str(bank))
        cached = out / "sources" / source_file_name(source, selection, args.seed, background)
        if not cached.exists():
            cached.parent.mkdir(parents=True, exist_ok=True)
            f, l, g = source_windows(source, args.cache, selection, args.seed, background,
                                     lambda windows: features_of(windows, args.earshot_build))
            np.savez(cached, features=f, labels=l, groups=g)
        data = np.load(cached)
        print(f"train {source['class']:6} {source['package']:28} {len(data['labels']):6} windows",
              flush=True)
        features.append(data["features"])
        labels.append(data["labels"])
        groups.append(data["groups"])
    labels = np.concatenate(labels)
    np.savez(out / "train.npz", features=np.concatenate(features), labels=labels,
             groups=np.concatenate(groups))
    print("training windows per class:",
          {c: int(np.sum(labels == i)) for i, c in enumerate(CLASSES)}, flush=True)

    validation_sources = [s for s in selection["sources"] if s["package"] in validation_packages
                          or s["class"] == "silence"]
    clips = out / "clips"
    shutil.rmtree(clips, ignore_errors=True)  # clips of an earlier split must not linger
    windows, labels, groups, clip_count = validation_set(validation_sources, args.cache, clips, rng)
    for kind in selection["generated_silence"]:
        for i in range(5):
            write_wav(clips / "silence" / f"generated-{kind}-{i}.wav", generated_silence(kind, rng))
    val_features = features_of(windows, args.earshot_build)
    np.savez(out / "validation.npz", features=val_features, labels=np.array(labels),
             groups=np.array(groups))
    print("validation windows per class:",
          {c: int(np.sum(np.array(labels) == i)) for i, c in enumerate(CLASSES)})
    print("validation clips per class:", clip_count, "+ generated silence")


if __name__ == "__main__":
    sys.exit(main())
