#!/usr/bin/python3
"""XGBoost's own predictions, for the registry tests (tests/data/xgboost).

    tools/reference/xgboost_reference.py [--earshot-build build] [--out tests/data/xgboost]

Debian's python3-xgboost cannot be installed beside libboost1.81-dev (its python3-scipy
dependency pulls in libboost1.74-dev), so this script `apt-get download`s python3-xgboost,
libxgboost0 and python3-scipy and unpacks them into a temporary folder instead of installing
them. It writes:

1. pump_demo.json: the old service's pipeline in Python over models/pump_demo for four short
   clips of earshot-machine-sounds (committed as WAV next to it): earshot-features-v1 of each
   clip from `earshot features --type vector --sr 16000`, the dropped features removed, the
   scaler's columns as (x - mean) / scale, then xgboost.Booster.predict, named by the label
   encoder. The test runs the same clips through earshot's registry.
2. softprob.json (multi:softprob, 3 classes, JSON) and logistic.ubj (binary:logistic,
   UBJSON): two boosters trained here by Python's xgboost on seeded random rows, with rows.json
   holding the rows and each booster's predictions of them.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["python3-xgboost", "libxgboost0", "python3-scipy"]
CLIP_SECONDS = 2
CLIP_SEED = 7
FEATURE_COUNT = 6


def import_xgboost(folder):
    subprocess.run(["apt-get", "download", *PACKAGES], cwd=folder, check=True,
                   stdout=subprocess.DEVNULL)
    for deb in Path(folder).glob("*.deb"):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(Path(folder) / "root")], check=True)
    sys.path.insert(0, str(Path(folder) / "root/usr/lib/python3/dist-packages"))
    import xgboost  # noqa: E402 (only importable once unpacked)
    return xgboost


def pump_demo_reference(xgboost, build, out, work):
    model_dir = ROOT / "models/pump_demo"
    scaler = json.loads((model_dir / "scaler.json").read_text())
    dropped = set(json.loads((model_dir / "dropped_features.json").read_text()))
    labels = json.loads((model_dir / "label_encoder.json").read_text())["classes"]
    booster = xgboost.Booster(model_file=str(model_dir / "model.json"))
    subprocess.run([str(build / "earshot-machine-sounds"), "--per-class", "2", "--seconds",
                    str(CLIP_SECONDS), "--seed", str(CLIP_SEED), str(work / "clips")],
                   check=True, stdout=subprocess.DEVNULL)
    expected = {}
    for clip in sorted((work / "clips").rglob("*.wav")):
        shutil.copy(clip, out / clip.name)
        printed = subprocess.run([str(build / "earshot"), "features", str(clip), "--type",
                                  "vector", "--sr", "16000"], check=True, capture_output=True)
        features = json.loads(printed.stdout)["features"]
        kept = {name: value for name, value in features.items() if name not in dropped}
        row = np.array([[(kept[name] - m) / s for name, m, s in
                         zip(scaler["feature_names"], scaler["mean"], scaler["scale"])]],
                       dtype=np.float32)
        probabilities = booster.predict(xgboost.DMatrix(row))[0]
        expected[clip.name] = {label: float(p) for label, p in zip(labels, probabilities)}
    (out / "pump_demo.json").write_text(json.dumps(
        {"about": "xgboost " + xgboost.__version__ + " on models/pump_demo, features by earshot",
         "probabilities": expected}, indent=2) + "\n")


def trained_references(xgboost, out):
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(300, FEATURE_COUNT)).astype(np.float32)
    rows[::17, 2] = np.nan  # missing values take each split's default direction
    three = (rows[:, 0] + 0.5 * rows[:, 1] > 0).astype(int) + (rows[:, 3] > 1).astype(int)
    two = (rows[:, 1] * rows[:, 4] > 0).astype(int)
    softprob = xgboost.train({"objective": "multi:softprob", "num_class": 3, "max_depth": 3,
                              "eta": 0.3, "seed": 1, "nthread": 1},
                             xgboost.DMatrix(rows, label=three), num_boost_round=15)
    logistic = xgboost.train({"objective": "binary:logistic", "max_depth": 4, "eta": 0.2,
                              "seed": 1, "nthread": 1},
                             xgboost.DMatrix(rows, label=two), num_boost_round=25)
    softprob.save_model(str(out / "softprob.json"))
    logistic.save_model(str(out / "logistic.ubj"))
    queries = rng.normal(size=(12, FEATURE_COUNT)).astype(np.float32)
    queries[3, 2] = np.nan
    as_json = [[None if np.isnan(v) else float(v) for v in row] for row in queries]
    (out / "rows.json").write_text(json.dumps({
        "about": "rows (null = missing) and xgboost " + xgboost.__version__ + "'s predictions",
        "rows": as_json,
        "softprob": softprob.predict(xgboost.DMatrix(queries)).tolist(),
        "logistic": logistic.predict(xgboost.DMatrix(queries)).tolist()}, indent=1) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--earshot-build", type=Path, default=ROOT / "build")
    parser.add_argument("--out", type=Path, default=ROOT / "tests/data/xgboost")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        xgboost = import_xgboost(work)
        pump_demo_reference(xgboost, args.earshot_build.resolve(), args.out, Path(work))
        trained_references(xgboost, args.out)


if __name__ == "__main__":
    sys.exit(main())
