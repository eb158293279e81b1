#!/usr/bin/python3
"""Trains the shipped content model v2 (content_model.py) on the blocks of build_blocks.py, or
scores its recipe by grouped cross-validation.

    tools/train/train.py                      # train on every training package, write
                                              # models/content/content-cnn-v2.safetensors and
                                              # training-v2.json, score the development set
    tools/train/train.py --folds-from tools/train/folds.json --seeds 1 2 3
                                              # grouped cross-validation: the training packages
                                              # in the shipped data's 5 folds, each held out
                                              # once, per seed (--folds N deals N new folds);
                                              # writes models/content/cross-validation-v2.json

The selection rules were fixed before any run and are not changed by the results. The recipe is
judged by per-class recall on the held-out folds, as the mean and the minimum over seeds, and
another recipe replaces it only by a margin wider than the spread over seeds. The trained model
replaces the shipped one only if, end to end on the development clips (evaluate_content.py),
its recall is at least the shipped model's minus 2 points for every class and higher on
average over the classes. Clip figures
take each 5 s block of a held-out package as a clip: its class is the class with the largest
sum of window probabilities over its sounding windows. Held-out blocks carry the training
augmentation (band limits, codecs, effects), so they are harder than clean audio. A speech
block whose background came from a held-out package is left out of that fold's training.
"""
import argparse
import json
import multiprocessing
import sys
import time
from pathlib import Path

import numpy as np
import torch

import content_cnn
import content_model
from safetensors_file import write_safetensors

ROOT = Path(__file__).resolve().parents[2]
CLASSES = ["speech", "music", "noise"]
# The shipped recipe.
WIDTH, EPOCHS, SAMPLES_PER_EPOCH = 8, 5, 24000


def load_blocks(cache):
    """Every block of the current selection (build_blocks.py's index), concatenated."""
    index = json.loads((cache / "blocks" / "index.json").read_text())
    parts = [np.load(cache / "blocks" / source["file"]) for source in index["sources"]]
    keys = ["mel", "sounding", "label", "background", "background_package", "package"]
    return {key: np.concatenate([p[key] for p in parts]) for key in keys}


def subset(data, rows):
    return {key: value[rows] for key, value in data.items()}


def train_recipe(data, seed, epochs=EPOCHS, samples_per_epoch=SAMPLES_PER_EPOCH):
    """Stage 1, the window CNN on single sounding windows; stage 2, the context layer on the
    blocks' embeddings."""
    mel, sounding = data["mel"], data["sounding"]
    windows = mel.reshape(-1, *mel.shape[2:])[sounding.reshape(-1)]
    labels = np.repeat(data["label"].astype(np.int64), sounding.shape[1])[sounding.reshape(-1)]
    started = time.time()
    cnn = content_cnn.train(windows, labels, width=WIDTH, epochs=epochs,
                            samples_per_epoch=samples_per_epoch, seed=seed)
    print(f"window CNN: {time.time() - started:.0f} s", flush=True)
    hidden = np.zeros((sounding.size, content_model.EMBEDDING), np.float32)
    hidden[sounding.reshape(-1)] = content_model.embeddings(cnn, windows)[0]
    head = content_model.train_context(hidden.reshape(*sounding.shape, -1), sounding,
                                       data["label"].astype(np.int64),
                                       data["background"].astype(np.int64), seed)
    return cnn, head


def scores(cnn, head, data):
    """Window recall, block (clip) recall and background figures of a labelled set."""
    probabilities, background = content_model.predict(cnn, head, data["mel"], data["sounding"])
    sounding, labels = data["sounding"], data["label"].astype(np.int64)
    window_truth = np.repeat(labels[:, None], sounding.shape[1], axis=1)[sounding]
    window_guess = probabilities.argmax(2)[sounding]
    block_guess = (probabilities * sounding[..., None]).sum(1).argmax(1)
    out = {}
    for c, name in enumerate(CLASSES):
        rows = labels == c
        if rows.any():
            out[name] = {"blocks": int(rows.sum()),
                         "block_recall": round(float(np.mean(block_guess[rows] == c)), 4),
                         "blocks_called": {other: int(np.sum(block_guess[rows] == o))
                                           for o, other in enumerate(CLASSES)},
                         "window_recall": round(float(np.mean(
                             window_guess[window_truth == c] == c)), 4)}
    speech = (labels == 0)[:, None] & sounding
    if speech.any() and "background" in data:
        truth = np.repeat(data["background"][:, None], sounding.shape[1], axis=1)[speech]
        guess = background[speech] >= 0.5
        out["background_music"] = {"speech_windows": int(speech.sum()),
                                   "accuracy": round(float(np.mean(guess == (truth == 1))), 4)}
    return out


def folds_of(packages, count, seed):
    """The training packages dealt into `count` folds at random (fixed by `seed`), largest
    first, so that the folds hold similar amounts."""
    names, sizes = np.unique(packages, return_counts=True)
    rng = np.random.default_rng(seed)
    order = sorted(range(len(names)), key=lambda i: (-sizes[i], rng.random()))
    folds, load = [[] for _ in range(count)], np.zeros(count)
    for i in order:
        f = int(np.argmin(load))
        folds[f].append(str(names[i]))
        load[f] += sizes[i]
    return folds


# The data set, shared with the fold processes (fork) instead of being pickled to each.
DATA = None


def run_fold(job):
    """One fold at one seed: train without the held-out packages (nor speech laid over their
    sounds), score on them."""
    seed, k, held_out = job
    torch.set_num_threads(1)
    test = np.isin(DATA["package"], held_out)
    leaked = np.isin(DATA["background_package"], held_out)
    started = time.time()
    cnn, head = train_recipe(subset(DATA, ~test & ~leaked), seed)
    figures = scores(cnn, head, subset(DATA, test))
    print(f"seed {seed} fold {k} ({', '.join(held_out)}): {json.dumps(figures)} "
          f"[{time.time() - started:.0f} s]", flush=True)
    return {"seed": seed, "fold": k, "held_out": held_out, **figures}


def cross_validate(data, fold_count, seeds, out, jobs, folds=None, only=None):
    """`folds` (lists of packages) replace the dealt ones, so that a recipe on changed data is
    scored on the same held-out packages as the one it is compared with; `only` (fold numbers)
    runs just those folds, such as the ones a comparison judges."""
    global DATA
    DATA = data
    folds = folds or folds_of(data["package"], fold_count, seed=1)
    dealt = [package for fold in folds for package in fold]
    if sorted(dealt) != sorted(set(data["package"].tolist())):
        raise SystemExit("every training package must be held out in exactly one fold")
    results = {"rule": __doc__.split("\n\n")[2].replace("\n", " "), "folds": folds, "runs": []}
    # A run that was stopped goes on where it was: fits already written for these folds stay.
    if out.exists() and json.loads(out.read_text()).get("folds") == folds:
        results["runs"] = json.loads(out.read_text())["runs"]
    done = {(run["seed"], run["fold"]) for run in results["runs"]}
    todo = [(seed, k, held_out) for seed in seeds for k, held_out in enumerate(folds)
            if (seed, k) not in done]
    work = [job for job in todo if only is None or job[1] in only]
    planned = len(todo) + len(done)  # folds left out by `only` leave the run marked partial
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for run in pool.imap_unordered(run_fold, work):
            results["runs"].append(run)
            out.write_text(json.dumps(summarised(results, planned), indent=1) + "\n")
    return summarised(results, planned)


def recall_per_seed(runs, name, folds=None):
    """{seed: block recall of class `name` over all its blocks held out in `folds` (default:
    every fold)}."""
    per_seed = {}
    for run in runs:
        if name in run and (folds is None or run["fold"] in folds):
            right, total = per_seed.get(run["seed"], (0, 0))
            per_seed[run["seed"]] = (right + run[name]["block_recall"] * run[name]["blocks"],
                                     total + run[name]["blocks"])
    return {seed: right / total for seed, (right, total) in per_seed.items() if total}


def summarised(results, planned):
    """Per class, the recall over all held-out blocks of each seed, then mean and minimum over
    seeds; marked partial while fewer than the planned fits have run."""
    results = {key: value for key, value in results.items() if key != "status"}
    if len(results["runs"]) < planned:
        results = {"status": f"PARTIAL: {len(results['runs'])} of {planned} fits have run; the "
                             "summary covers only the runs listed.", **results}
    summary = {}
    for name in CLASSES:
        recalls = list(recall_per_seed(results["runs"], name).values())
        if recalls:
            summary[name] = {"block_recall_per_seed": [round(r, 4) for r in recalls],
                             "mean": round(float(np.mean(recalls)), 4),
                             "minimum": round(float(np.min(recalls)), 4)}
    return {**results, "summary": summary}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache/train")
    parser.add_argument("--out", type=Path, default=ROOT / "models/content")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--folds", type=int, default=0, help="cross-validate with this many")
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--jobs", type=int, default=2, help="folds trained at once")
    parser.add_argument("--folds-from", type=Path,
                        help="cross-validate on the `folds` (lists of packages) of this JSON "
                             "file, such as another run's cross-validation-v2.json")
    parser.add_argument("--only-folds", type=int, nargs="+",
                        help="run only these folds (numbered from 0) of the cross-validation")
    args = parser.parse_args()
    # One thread per training: two-thread PyTorch slows to a crawl when the other core is busy.
    torch.set_num_threads(1)
    data = load_blocks(args.cache)
    print({c: int(np.sum(data["label"] == i)) for i, c in enumerate(CLASSES)}, "blocks",
          flush=True)
    if args.folds or args.folds_from:
        folds = json.loads(args.folds_from.read_text())["folds"] if args.folds_from else None
        args.out.mkdir(parents=True, exist_ok=True)
        cross_validate(data, args.folds, args.seeds, args.out / "cross-validation-v2.json",
                       args.jobs, folds, args.only_folds)
        return 0

    cnn, head = train_recipe(data, args.seed)
    tensors = content_model.tensors(cnn, head)
    content_cnn.check_folding(cnn, tensors)
    content_model.check_export(head, tensors)
    version = "content-cnn-v2"
    write_safetensors(args.out / "content-cnn-v2.safetensors", tensors,
                      content_model.metadata(tensors, version))
    report = {"blocks": {c: int(np.sum(data["label"] == i)) for i, c in enumerate(CLASSES)},
              "packages": sorted(set(data["package"].tolist())), "seed": args.seed,
              "window_cnn": {"width": WIDTH, "epochs": EPOCHS,
                             "samples_per_epoch": SAMPLES_PER_EPOCH,
                             "multiply_adds_per_window": cnn.multiply_adds()},
              "context": {"windows_each_side": content_model.CONTEXT,
                          "channels": content_model.CONTEXT_CHANNELS}}
    dev = args.cache / "dev" / "blocks.npz"
    if dev.exists():
        report["development"] = scores(cnn, head, dict(np.load(dev)))
        print("development:", json.dumps(report["development"]), flush=True)
    (args.out / "training-v2.json").write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
