#!/usr/bin/python3
"""Trains the shipped content model, the CNN of content_cnn.py, and writes it in earshot's
format with a summary of its training and held-out figures.

    tools/train/train_cnn.py [--out models/content] [--width 8] [--epochs 6]
                             [--samples-per-epoch 30000] [--seed 1] [--cache .cache/train]
                             [--mlp models/content/content-v1.safetensors]
                             [--noise-mixing 0.0] [--spec-augment] [--context 0]
                             [--balance-sources] [--distil-seeds S ...] [--noise-bias 0.0]
                             [--speed-perturbation] [--filter-augment]

Writes OUT/content-cnn-v1.safetensors (batch norm folded in; src/analysis/content_cnn.hpp) and
OUT/training-cnn.json. Run build_dataset.py first. It scores the network on the held-out
packages' 1 s windows and 10 s clips (the clip rule of docs/analysis.md, as compare_models.py
applies it), next to the MLP given by --mlp (the model shipped before) and the mean of both.
About 5 min on two cores once the log-mel windows are cached (content_cnn.py).
--noise-mixing and --spec-augment are augmentations the shipped recipe does not use (the model
card says what they did); they are kept so that the comparison can be run again. --context N
trains the network to read each window with N neighbours on each side (content_cnn.py; its
training pieces are cached apart, the first time taking about as long as the data set); it is
scored here, and its file has a format earshot refuses, since earshot reads windows alone.
--balance-sources draws each source of a class (e.g. 0ad-data's noise, the synthesised noise)
equally often instead of in proportion to its windows. The model card says what both did.
--distil-seeds trains one network per seed by the same recipe (cached under CACHE/cnn-models),
scores their mean, and trains the written network (at --seed) to give that mean on every
augmented window instead of the window's label. --noise-bias adds a constant to the written
network's noise logit (noise_bias.py chooses it on the cross-validation folds), and the figures
here are the network's with it. --speed-perturbation plays two training reads in three of every
file 0.8 to 1.25 times as fast (build_dataset.with_speed_perturbation; its windows are cached
apart), recipe H of the model card. --filter-augment adds a random equaliser curve to every
training window's log-mel levels (content_cnn.equalise_at_random), recipe I.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared modules

import audio_sources as dataset
import compare_models as compare
import content_cnn as cnn
from safetensors_file import write_safetensors


def per_package_recall(predicted, labels, groups):
    """{"package (class)": recall} over held-out windows."""
    packages = np.array([g.split(":")[0] for g in groups])
    recall = {}
    for package in sorted(set(packages)):
        for i, name in enumerate(dataset.CLASSES):
            chosen = (packages == package) & (labels == i)
            if chosen.any():
                recall[f"{package} ({name})"] = round(float(np.mean(predicted[chosen] == i)), 4)
    return recall


def report_ensemble(teachers, vx, vy, groups, clips, items, seeds):
    """The held-out figures of the mean of the teachers' outputs."""
    name = f"mean of seeds {' '.join(map(str, seeds))}"
    windows = np.mean([cnn.probabilities(t, vx) for t in teachers], axis=0)
    compare.window_report(name, windows.argmax(1), vy, groups)
    compare.evaluate_probabilities(name, cnn.clip_probabilities(teachers, clips), items)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=dataset.ROOT / ".cache/train")
    parser.add_argument("--out", type=Path, default=dataset.ROOT / "models/content")
    parser.add_argument("--mlp", type=Path,
                        default=dataset.ROOT / "models/content/content-v1.safetensors")
    parser.add_argument("--width", type=int, default=cnn.WIDTH, help="channels of the first layer")
    parser.add_argument("--epochs", type=int, default=cnn.EPOCHS)
    parser.add_argument("--samples-per-epoch", type=int, default=cnn.SAMPLES_PER_EPOCH)
    parser.add_argument("--seed", type=int, default=cnn.SEED)
    parser.add_argument("--noise-mixing", type=float, default=cnn.NOISE_MIXING,
                        help="share of noise windows with another noise window laid under")
    parser.add_argument("--spec-augment", action=argparse.BooleanOptionalAction,
                        default=cnn.SPEC_AUGMENT, help="SpecAugment band and time masks")
    parser.add_argument("--context", type=int, default=cnn.CONTEXT,
                        help="neighbouring windows on each side that the head also reads")
    parser.add_argument("--balance-sources", action="store_true",
                        help="draw each source of a class as often as the others")
    parser.add_argument("--distil-seeds", type=int, nargs="+", default=[],
                        help="train on the mean output of networks trained at these seeds")
    parser.add_argument("--noise-bias", type=float, default=0.0,
                        help="added to the noise logit (noise_bias.py)")
    parser.add_argument("--speed-perturbation", action="store_true",
                        help="change the speed of training reads (build_dataset.py)")
    parser.add_argument("--filter-augment", action="store_true",
                        help="a random equaliser curve on every training window (content_cnn.py)")
    args = parser.parse_args()
    if args.distil_seeds and args.context:
        parser.error("--distil-seeds takes networks that read windows alone (--context 0)")
    torch.set_num_threads(2)
    selection = json.loads(dataset.SELECTION.read_text())
    if args.speed_perturbation:
        selection = dataset.with_speed_perturbation(selection)

    clips = compare.clip_windows(args.cache / "dataset")
    items = compare.clip_features(args.cache / "dataset", clips)
    cnn.check_against_earshot(clips, items)
    x, y, packages = cnn.training_log_mel(args.cache, selection, 1, args.context)
    vx, vy, groups = cnn.validation_log_mel(args.cache, selection, 1)
    recipe = {"width": args.width, "epochs": args.epochs,
              "samples_per_epoch": args.samples_per_epoch, "noise_mixing": args.noise_mixing,
              "spec_augment": args.spec_augment, "filter_augment": args.filter_augment,
              "sources": packages if args.balance_sources else None}
    data = cnn.data_fingerprint(x, y)
    teachers = [cnn.cached_model(
        cnn.model_file(args.cache, data, "none", seed, dict(recipe, sources=args.balance_sources)),
        lambda seed=seed: cnn.train(x, y, seed=seed, **recipe), args.width)
        for seed in args.distil_seeds]
    if teachers:
        report_ensemble(teachers, vx, vy, groups, clips, items, args.distil_seeds)
    model = cnn.train(x, y, seed=args.seed, teachers=teachers, **recipe)
    parameters = sum(p.numel() for p in model.parameters())
    print(f"CNN width {args.width}: {parameters} parameters, "
          f"{model.multiply_adds() / 1e6:.1f} M multiply-adds per window")

    tensors = cnn.folded_tensors(model)
    cnn.check_folding(model, tensors)
    if args.noise_bias:
        cnn.add_noise_bias(tensors, args.noise_bias)
    args.out.mkdir(parents=True, exist_ok=True)
    write_safetensors(args.out / "content-cnn-v1.safetensors", tensors,
                      cnn.metadata(tensors, "content-cnn-v1", args.context, args.noise_bias))

    cnn_windows = cnn.with_noise_bias(cnn.probabilities(model, vx), args.noise_bias)
    # The windows' figures read each window alone; the clips', each with its neighbours.
    cnn_clips = [cnn.with_noise_bias(p, args.noise_bias)
                 for p in cnn.clip_probabilities([model], clips, args.context)]
    compare.window_report("cnn", cnn_windows.argmax(1), vy, groups)
    clip_recall = compare.evaluate_probabilities("cnn", cnn_clips, items)
    if args.mlp.exists():
        mlp = compare.mlp_predictor(args.mlp)
        mlp_windows = mlp(np.load(args.cache / "dataset/validation.npz")["features"])
        mlp_clips = [mlp(feats) for _, _, feats, _ in items]
        for name, windows, per_clip in [
                (f"mlp {args.mlp.name}", mlp_windows, mlp_clips),
                ("mean of both", (mlp_windows + cnn_windows) / 2,
                 [(a + b) / 2 for a, b in zip(mlp_clips, cnn_clips)])]:
            compare.window_report(name, windows.argmax(1), vy, groups)
            compare.evaluate_probabilities(name, per_clip, items)

    counts = np.bincount(y, minlength=3)
    summary = {
        "training_windows": {c: int(counts[i]) for i, c in enumerate(dataset.CLASSES)},
        "validation_window_recall_per_package":
            per_package_recall(cnn_windows.argmax(1), vy, groups),
        "validation_clip_recall": {c: round(float(r), 4) for c, r in zip(compare.ALL, clip_recall)},
        "architecture": cnn.Cnn(args.width).describe(),
        "parameters": int(parameters), "multiply_adds_per_window": int(model.multiply_adds()),
        "epochs": args.epochs, "samples_per_epoch": args.samples_per_epoch, "seed": args.seed,
        "noise_mixing": args.noise_mixing, "spec_augment": args.spec_augment,
        "context": args.context, "balance_sources": args.balance_sources,
        "distilled_from_seeds": args.distil_seeds, "noise_bias": args.noise_bias,
        "speed_perturbation": args.speed_perturbation, "filter_augment": args.filter_augment,
    }
    (args.out / "training-cnn.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
