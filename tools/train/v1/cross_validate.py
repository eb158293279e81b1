#!/usr/bin/python3
"""Leave-one-package-out cross-validation of the content model's recipe: for every training
package of tools/train/selection.json, trains the model exactly as it is trained for shipping
on the training windows of all the other packages, and scores it on 10 s clips of the package
left out, through the same file rule as compare_models.py.

    tools/train/cross_validate.py [--model cnn|mlp] [--cache .cache/train] [--seed S]
                                  [--clip-seed S]
                                  [--out models/content/cross_validation-MODEL.json]
                                  [--packages P ...] [--epochs 6] [--noise-mixing 0.0]
                                  [--spec-augment] [--context 0] [--balance-sources]
                                  [--distil-seeds S ...] [--speed-perturbation]
                                  [--filter-augment]
                                  [--probabilities DIR]

--model cnn (the shipped model) trains content_cnn.py's network as train_cnn.py does (about
4 min per fold on two cores; run train_cnn.py once first, which caches the log-mel windows);
--model mlp trains the MLP as train_content.py does (seed 3 by default, as it). --epochs,
--noise-mixing, --spec-augment, --context, --balance-sources, --distil-seeds,
--speed-perturbation and --filter-augment change the CNN's recipe as train_cnn.py's do (with
--distil-seeds, each fold trains its own teachers).

The validation packages of selection.json give the shipped model's figures, but they hold only
29 noise clips (one package). Holding out each training package in turn measures the same
thing -- how well the recipe does on a package it never saw -- on many more clips. It scores
the recipe, not the shipped model: every fold's model trains on less data than the shipped one
(holding out 0ad-data takes away most of the recorded noise). One leak is left in: the speech
windows laid over background music or noise (build_dataset.py) keep their background even when
its package is the one left out, which can only push that package towards speech.

Needs build_dataset.py's data set (.cache/train/dataset). The held-out clips and their
features are cached under CACHE/cross-validation/PACKAGE-KEY, KEY a digest of the package's
selection rules, the seed and the clip limits, so that a changed rule makes new clips (delete
the folders after changing how build_dataset.validation_set makes clips in other ways).
"""

import argparse
import json
import sys
import zlib
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared modules

import audio_sources as dataset
import content_cnn
import compare_models as compare
import train_content
from evaluate_content import wilson_interval

ROOT = Path(__file__).resolve().parents[3]
CLASSES = train_content.CLASSES


def held_out_folder(package, sources, cache, seed):
    """Where the held-out clips of `package` are cached: named after everything that chooses
    them, so that clips made under other rules are never taken for these."""
    settings = [sources, seed, dataset.MAX_VALIDATION_FILES, dataset.MAX_CLIPS_PER_CLASS,
                dataset.CLIP_SECONDS]
    return cache / "cross-validation" / f"{package}-{dataset.settings_key(settings)}"


def held_out_data(folder, package, sources, cache, seed):
    """(clip items of compare_models.clip_features, window features, window labels) of the
    package's unaugmented audio, computed once into `folder` (held_out_folder)."""
    windows_file = folder / "windows.npz"
    if not windows_file.exists():
        rng = np.random.default_rng([seed, zlib.crc32(package.encode())])
        windows, labels, _, counts = dataset.validation_set(sources, cache, folder / "clips", rng)
        features = dataset.features_of(windows, ROOT / "build")
        np.savez(windows_file, features=features, labels=np.array(labels, dtype=int))
        print(f"  {package}: {len(labels)} windows, clips {counts}", flush=True)
    windows = np.load(windows_file)
    return compare.clip_features(folder), windows["features"], windows["labels"]


def fold(package, x, y, packages, held_out, seed):
    """Trains the MLP without `package` and scores it: a dict of clip and window figures per
    class."""
    keep = packages != package
    model, mean, scale = train_content.fit(x[keep], y[keep], seed)
    predict = compare.mlp_from_tensors(train_content.tensors_of(model, mean, scale))
    items, window_features, window_labels = held_out
    matrix, wrong = compare.clip_confusion(
        [predict(f) if len(f) else np.zeros((0, 3)) for _, _, f, _ in items], items)
    window_guesses = predict(window_features).argmax(1) if len(window_labels) else []
    result = {"trained_on_windows": int(keep.sum()), "classes": {}, "wrong_clips": wrong}
    for i, name in enumerate(CLASSES):
        clips = int(matrix[i].sum())
        if clips == 0:
            continue
        chosen = window_labels == i
        result["classes"][name] = {
            "clips": clips, "right": int(matrix[i, i]),
            "predicted": dict(zip(compare.ALL, map(int, matrix[i]))),
            "window_recall": round(float(np.mean(window_guesses[chosen] == i)), 4),
        }
    return result


def cnn_fold(folder, package, x, y, packages, cache, seed, recipe, probabilities_out=None):
    """Trains the CNN without `package` (or takes it from CACHE/cnn-models, where it keeps the
    networks it trains) and scores the package's clips: as fold(), without window figures (the
    held-out windows are kept as features only). With probabilities_out, the network's window
    probabilities of each clip are saved there (named as `folder`). `folder` holds the held-out
    clips (held_out_folder)."""
    keep = packages != package
    training = {name: value for name, value in recipe.items()
                if name not in ("context", "balance_sources", "distil_seeds", "data",
                                "speed_perturbation")}
    sources = packages[keep] if recipe["balance_sources"] else None

    def trained(model_seed, teachers=()):
        return content_cnn.train(x[keep], y[keep], seed=model_seed, sources=sources,
                                 teachers=teachers, **training)

    def cached(model_seed):
        return content_cnn.cached_model(content_cnn.model_file(
            cache, recipe["data"], package, model_seed,
            dict(training, sources=recipe["balance_sources"])), lambda: trained(model_seed))

    teachers = [cached(teacher_seed) for teacher_seed in recipe["distil_seeds"]]
    model = trained(seed, teachers) if teachers else cached(seed)
    clips = compare.clip_windows(folder)
    items = compare.clip_features(folder, clips)
    probabilities = content_cnn.clip_probabilities([model], clips, recipe["context"])
    if probabilities_out:
        probabilities_out.mkdir(parents=True, exist_ok=True)
        np.savez(probabilities_out / f"{folder.name}.npz",  # noise_bias.py finds the clips by it
                 **{f"{truth}/{name}": p for (name, truth, _, _), p in zip(clips, probabilities)})
    result = {"trained_on_windows": int(keep.sum()), **clip_figures(probabilities, items)}
    if teachers:
        result["teachers_mean"] = clip_figures(
            content_cnn.clip_probabilities(teachers, clips, recipe["context"]), items)
    return result


def clip_figures(probabilities, items):
    """The confusion of window probabilities given per clip, per class, and the wrong clips."""
    matrix, wrong = compare.clip_confusion(probabilities, items)
    result = {"classes": {}, "wrong_clips": wrong}
    for i, name in enumerate(CLASSES):
        if matrix[i].sum():
            result["classes"][name] = {"clips": int(matrix[i].sum()), "right": int(matrix[i, i]),
                                       "predicted": dict(zip(compare.ALL, map(int, matrix[i])))}
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache/train")
    parser.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    parser.add_argument("--seed", type=int,
                        help="training seed (default: 1 for the CNN, 3 for the MLP, as shipped)")
    parser.add_argument("--clip-seed", type=int,
                        help="seed that chooses the held-out clips (default: --seed); keep it to "
                             "score other training seeds on the same clips")
    parser.add_argument("--packages", nargs="+", help="hold out only these (default: each)")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--epochs", type=int, default=content_cnn.EPOCHS, help="CNN only")
    parser.add_argument("--noise-mixing", type=float, default=content_cnn.NOISE_MIXING,
                        help="CNN only")
    parser.add_argument("--spec-augment", action=argparse.BooleanOptionalAction,
                        default=content_cnn.SPEC_AUGMENT, help="CNN only")
    parser.add_argument("--context", type=int, default=content_cnn.CONTEXT, help="CNN only")
    parser.add_argument("--balance-sources", action="store_true", help="CNN only")
    parser.add_argument("--distil-seeds", type=int, nargs="+", default=[], help="CNN only")
    parser.add_argument("--speed-perturbation", action="store_true", help="CNN only")
    parser.add_argument("--filter-augment", action="store_true", help="CNN only")
    parser.add_argument("--probabilities", type=Path,
                        help="CNN only: save each fold's window probabilities here (noise_bias.py)")
    args = parser.parse_args()
    args.seed = args.seed if args.seed is not None else {"cnn": 1, "mlp": 3}[args.model]
    args.clip_seed = args.seed if args.clip_seed is None else args.clip_seed
    args.out = args.out or ROOT / f"models/content/cross_validation-{args.model}.json"
    torch.set_num_threads(2)
    selection = json.loads(dataset.SELECTION.read_text())
    if args.speed_perturbation:
        selection = dataset.with_speed_perturbation(selection)
    validation_packages = set(selection["splits"]["validation"])
    sources = [s for s in selection["sources"] if s["class"] in CLASSES
               and s["package"] not in validation_packages and "generated" not in s]
    if args.model == "cnn":
        x, y, packages = content_cnn.training_log_mel(args.cache, selection, 1, args.context)
    else:
        train = np.load(args.cache / "dataset/train.npz")
        x, y = train["features"].astype(np.float32), train["labels"].astype(np.int64)
        packages = np.array([group.split(":")[0] for group in train["groups"]])

    recipe = ({"epochs": args.epochs, "noise_mixing": args.noise_mixing,
               "spec_augment": args.spec_augment, "filter_augment": args.filter_augment,
               "context": args.context,
               "balance_sources": args.balance_sources, "distil_seeds": args.distil_seeds,
               "speed_perturbation": args.speed_perturbation,
               "data": content_cnn.data_fingerprint(x, y)}
              if args.model == "cnn" else {})
    folds = {}
    for package in args.packages or dict.fromkeys(s["package"] for s in sources):
        print(f"holding out {package}", flush=True)
        package_sources = [s for s in sources if s["package"] == package]
        folder = held_out_folder(package, package_sources, args.cache, args.clip_seed)
        held_out = held_out_data(folder, package, package_sources, args.cache, args.clip_seed)
        if args.model == "cnn":
            folds[package] = cnn_fold(folder, package, x, y, packages, args.cache, args.seed,
                                      recipe, args.probabilities)
        else:
            folds[package] = fold(package, x, y, packages, held_out, args.seed)
        for name, figures in folds[package]["classes"].items():
            windows = figures.get("window_recall")
            print(f"  {name:6} clips {figures['right']:3}/{figures['clips']:3}  "
                  + (f"windows {windows:.3f}  " if windows is not None else "")
                  + f"{figures['predicted']}", flush=True)
        for name, figures in folds[package].get("teachers_mean", {}).get("classes", {}).items():
            print(f"  {name:6} clips {figures['right']:3}/{figures['clips']:3}  (the teachers' "
                  f"mean) {figures['predicted']}", flush=True)

    totals = {}
    for name in CLASSES:
        right = sum(f["classes"][name]["right"] for f in folds.values() if name in f["classes"])
        clips = sum(f["classes"][name]["clips"] for f in folds.values() if name in f["classes"])
        if not clips:  # --packages held out none of this class
            continue
        totals[name] = {"clips": clips, "right": right, "recall": round(right / clips, 4),
                        "recall_95_percent_interval": wilson_interval(right, clips)}
        print(f"{name:6} {right}/{clips} = {right / clips:.4f}  95 % interval "
              f"{totals[name]['recall_95_percent_interval']}")
    report = {"about": __doc__.split("\n\n")[3].replace("\n", " "), "model": args.model,
              "seed": args.seed, "clip_seed": args.clip_seed,
              **({"recipe": recipe} if recipe else {}),
              "totals": totals, "folds": folds}
    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
