#!/usr/bin/python3
"""Builds data set v2 of the content model: 5 s blocks of log-mel windows, from nothing.

    nice -n 10 tools/train/build_blocks.py [--cache .cache/train] [--earshot-build build]

Reads tools/train/selection.json (every rule: packages, classes, the development split, caps,
MIDI, espeak-ng, augmentation). For each training (package, class) source it writes
CACHE/blocks/<package>-<class>-<settings key>.npz with, per block of 5 consecutive 1 s windows
of one file (as earshot windows a file: 0-1 s, 1-2 s, ...):
  mel (N, 5, 101, 64) float16  content-log-mel-v1 levels (content_cnn.log_mel)
  sounding (N, 5) bool         the window's level is at least -50 dBFS (after augmentation)
  label (N,) int8              0 speech, 1 music, 2 noise (speech over a background is speech)
  background (N,) int8         1 when music was laid under the speech
  background_package (N,) str  the package of the background ("" if none)
  file, package (N,) str       "package:path" of the file, and its package
The settings key changes with the source's rule, the augmentation and the seed, so a changed
rule recomputes only its source. A source may set `reads` (its own `blocks.reads_per_source`)
and `under_speech: false` (never laid under speech). CACHE/blocks/index.json names the files of
the current selection. The development packages give CACHE/dev/clips/<class>/<package>--<n>.wav (10 s,
unaugmented) and CACHE/dev/blocks.npz (two 5-window blocks per clip, plus `clip`).
models/content/dataset-v2.json records versions, counts and hours.

Runs two worker processes. A full build from an empty cache downloads and extracts about 6 GB
of packages (about 10 minutes) and then takes about 25 minutes on two cores; with the blocks
cached, a changed rule recomputes only its source, in a minute or two.
"""

import argparse
import functools
import json
import shutil
import subprocess
import sys
import tempfile
import time
import types
import wave
import zipfile
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import unquote

import numpy as np

import audio_sources as dataset
import espeak_speech
import midi_music
import music_effects


def import_content_cnn():
    """content_cnn holds the NumPy content-log-mel-v1 next to the trainer's torch model, so it
    imports torch; building the data set needs only the NumPy part, so without torch a stand-in
    lets the module load (its model classes are then unusable, and unused here)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        stand_in = types.ModuleType("torch")
        stand_in.nn = types.SimpleNamespace(Module=object)
        sys.modules["torch"] = stand_in
    import content_cnn
    return content_cnn


content_cnn = import_content_cnn()

ROOT = dataset.ROOT
SELECTION = ROOT / "tools/train/selection.json"
MANIFEST = ROOT / "models/content/dataset-v2.json"
CLASSES = dataset.CLASSES
RATE, WINDOW = dataset.RATE, dataset.WINDOW
WORKERS = 2


# --- files of a source -------------------------------------------------------------------

def extract_only(source, cache):
    """For a large package, extract only the members named by `extract_only` (tar wildcards),
    so that audio_sources.select_files finds the package already extracted."""
    target = cache / "extract" / source["package"]
    if target.is_dir():
        return
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    if not list(debs.glob(f"{source['package']}_*.deb")):
        dataset.run("apt-get", "download", source["package"], cwd=debs)
    deb = sorted(debs.glob(f"{source['package']}_*.deb"))[-1]
    partial = target.with_suffix(".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    dataset.run("tar", "-x", "-C", str(partial), "--wildcards", *source["extract_only"],
                stdin=tar.stdout)
    tar.wait()
    partial.rename(target)


def files_of(source, selection, cache):
    """The files of one source: [(path on disk, "package:path" id)]."""
    package = source["package"]
    if "midi" in source:
        settings = dict(source["midi"], soundfonts=selection["midi"]["soundfonts"])
        if "include" in settings:
            root = dataset.fetch_package(package, cache)
            settings["files"] = [str(p) for p in sorted(root.rglob("*.mid"))
                                 if dataset.matches(str(p.relative_to(root)), settings)]
        folder = cache / "midi" / dataset.settings_key([package, settings])
        return [(path, f"{package}:{path.name}")
                for path, _ in midi_music.render_files(settings, folder)]
    if "espeak" in source:
        folder = cache / "espeak" / dataset.settings_key([source["espeak"], selection["espeak"]])
        paths = espeak_speech.render(source["espeak"], selection["espeak"], folder)
        return [(p, f"{package}:{p.name}") for p in paths]
    if "generated" in source:
        return [(p, f"{package}:{p.name}") for p in dataset.select_files(source, cache)]
    if "extract_only" in source:
        extract_only(source, cache)
    paths = dataset.select_files(source, cache)
    roots = [cache / "extract" / package / source.get("archive", ""),
             cache / "extract" / (package + ".archive") / source.get("archive", "")]
    return [(p, f"{package}:{relative_to_any(p, roots)}") for p in paths]


def relative_to_any(path, roots):
    for root in roots:
        try:
            return str(path.relative_to(root))
        except ValueError:
            continue
    return path.name


def midi_description(source, selection, cache):
    """Programs and soundfonts of a MIDI source's renderings, for the manifest."""
    settings = dict(source["midi"], soundfonts=selection["midi"]["soundfonts"])
    if "include" in settings:
        root = dataset.fetch_package(source["package"], cache)
        settings["files"] = [str(p) for p in sorted(root.rglob("*.mid"))
                             if dataset.matches(str(p.relative_to(root)), settings)]
    folder = cache / "midi" / dataset.settings_key([source["package"], settings])
    rendered = midi_music.render_files(settings, folder)
    programs = sorted({p for _, d in rendered for p in (d["programs"] or [])})
    soundfonts = sorted({d["soundfont"] for _, d in rendered})
    return {"renderings": len(rendered), "soundfonts": soundfonts,
            "programs_of_generated_or_remapped": programs}


# --- one read of one file ------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def open_bank(path):
    """The background bank: audio memory-mapped, segments as [(package, class, start, end)]."""
    audio = np.load(path, mmap_mode="r")
    segments = json.loads(Path(path).with_suffix(".json").read_text())
    return audio, segments


def with_background(signal, settings, rng):
    """Speech laid over music or noise of one training package, under the speech's own extent:
    (signal, package, 1 if music)."""
    audio, segments = open_bank(settings["bank"])
    kind = "music" if rng.random() < settings["music_share"] else "noise"
    packages = sorted({s[0] for s in segments if s[1] == kind})
    if not packages or dataset.dbfs(signal) < dataset.SILENCE_DBFS:
        return signal, "", 0
    package = packages[int(rng.integers(len(packages)))]
    own = [s for s in segments if s[0] == package and s[1] == kind]
    bed = []
    while sum(len(b) for b in bed) < len(signal):
        _, _, start, end = own[int(rng.integers(len(own)))]
        bed.append(np.asarray(audio[start:end], dtype=np.float32))
    bed = np.concatenate(bed)[:len(signal)]
    if dataset.dbfs(bed) < dataset.SILENCE_DBFS:
        return signal, "", 0
    low, high = settings["snr_db"]
    gain = 10 ** ((dataset.dbfs(signal) - rng.uniform(low, high) - dataset.dbfs(bed)) / 20)
    return (signal + np.float32(gain) * bed).astype(np.float32), package, int(kind == "music")


def smooth_size(n):
    """The smallest n' >= n with no prime factor above 5 (a fast FFT size)."""
    while True:
        rest = n
        for factor in (2, 3, 5):
            while rest % factor == 0:
                rest //= factor
        if rest == 1:
            return n
        n += 1


def speed_and_band(signal, speed, band):
    """`signal` played `speed` times as fast (pitch and tempo together) and band-limited, in one
    FFT: bin k of a spectrum resized to n / speed stands for `speed` times its old frequency.
    The band limit is a 4th-order low-pass response (as audio_sources.decode's two 2-pole
    low-passes), with the telephone band's 300 Hz high-pass."""
    n = len(signal)
    size = 1 << int(np.ceil(np.log2(max(n, 2))))  # FFT sizes with small factors only
    m = smooth_size(round(size / (speed or 1.0)))
    spectrum = np.fft.rfft(signal, size)
    bins = m // 2 + 1
    spectrum = np.pad(spectrum[:bins], (0, max(0, bins - len(spectrum))))
    if band:
        hz = np.fft.rfftfreq(m, 1 / RATE)
        spectrum = spectrum / np.sqrt(1 + (hz / band) ** 8)
        if band <= dataset.TELEPHONE_HZ:
            spectrum = spectrum / np.sqrt(1 + (300 / np.maximum(hz, 1.0)) ** 8)
    length = round(n * m / size)
    return (np.fft.irfft(spectrum, m)[:length] * (m / size)).astype(np.float32)


def lossy_round_trip(signal, codec):
    """`signal` through a lossy codec and back (audio_sources.decode's ffmpeg chain), by way of
    a 16-bit WAV scaled to its peak (and scaled back)."""
    peak = max(float(np.max(np.abs(signal))), 1e-9)
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "in.wav"
        dataset.write_wav(path, signal / np.float32(peak) * np.float32(0.99))
        out = dataset.decode(path, None, codec)
    return out * np.float32(peak / 0.99)


def cut_blocks(signal, rng, settings):
    """Blocks of `windows` consecutive windows hopping through the signal by a random
    hop_seconds; a shorter signal lies at a random offset in a block of digital silence.
    Returns [(block, (start, end) of the signal in it)]."""
    length = settings["windows"] * WINDOW
    if len(signal) <= length:
        block = np.zeros(length, dtype=np.float32)
        offset = int(rng.integers(0, length - len(signal) + 1))
        block[offset:offset + len(signal)] = signal
        return [(block, (offset, offset + len(signal)))]
    low, high = (int(s * RATE) for s in settings["hop_seconds"])
    starts, start = [], int(rng.integers(0, min(low, len(signal) - length) + 1))
    while start + length <= len(signal):
        starts.append(start)
        start += int(rng.integers(low, high + 1))
    if len(starts) > settings["max_blocks_per_file"]:
        starts = sorted(rng.choice(starts, settings["max_blocks_per_file"], replace=False))
    return [(signal[s:s + length], (0, length)) for s in starts]


def finish_block(block, extent, rng, augmentation):
    """One gain for the block, light white or pink noise some of the time (over the signal's
    extent only: the digital silence around a short file stays silent), then the clip."""
    low, high = augmentation["gain_db"]
    block = block * np.float32(10 ** (rng.uniform(low, high) / 20))
    start, end = extent
    if rng.random() < augmentation["noise_probability"] and end > start:
        low, high = augmentation["noise_snr_db"]
        level = dataset.dbfs(block[start:end])
        n = end - start
        noise = dataset.pink_noise(n, rng) if rng.random() < 0.5 \
            else rng.normal(size=n).astype(np.float32)
        block[start:end] += np.float32(10 ** ((level - rng.uniform(low, high)) / 20)) * noise
    return np.clip(block, -1, 1).astype(np.float32)


def read_file(job):
    """Every augmented read of one file (one decode, then a read per seed): a list of dicts of
    arrays, plus the file's length in seconds."""
    path, label, seeds, settings = job
    decoded = dataset.decode(path)
    return [read_once(decoded, label, seed, settings) for seed in seeds], len(decoded) / RATE


def read_once(decoded, label, seed, settings):
    """The blocks of one augmented read of a decoded file."""
    rng = np.random.default_rng(seed)
    augmentation = settings["augmentation"]
    excerpt = int(settings["blocks"]["excerpt_seconds"] * RATE)
    if len(decoded) > excerpt:
        start = int(rng.integers(0, len(decoded) - excerpt + 1))
        decoded = decoded[start:start + excerpt]
    speed = dataset.speed_factor(augmentation, rng)
    band = rng.choice(np.array(augmentation["band_limit_hz"], dtype=object))
    lossy = rng.choice(np.array(augmentation["lossy"], dtype=object))
    signal = speed_and_band(decoded, speed, None) if speed and len(decoded) else decoded
    effects = []
    if label == CLASSES.index("music"):
        signal, effects = music_effects.apply_random(signal, rng, settings["music_effects"])
    package, music = "", 0
    background = settings.get("background")
    if background and rng.random() < background["probability"]:
        signal, package, music = with_background(signal, background, rng)
    if band and len(signal):
        signal = speed_and_band(signal, None, band)
    if lossy and len(signal):
        signal = lossy_round_trip(signal, lossy)
    kept, sounding = [], []
    for block, extent in (cut_blocks(signal, rng, settings["blocks"]) if len(signal) else []):
        windows = finish_block(block, extent, rng, augmentation).reshape(-1, WINDOW)
        levels = np.array([dataset.dbfs(w) >= dataset.SILENCE_DBFS for w in windows])
        if levels.any():
            kept.append(windows)
            sounding.append(levels)
    count = settings["blocks"]["windows"]
    mel = content_cnn.log_mel(np.concatenate(kept)).reshape(-1, count, content_cnn.FRAMES,
                                                            content_cnn.BANDS) if kept else \
        np.zeros((0, count, content_cnn.FRAMES, content_cnn.BANDS), dtype=np.float16)
    return {"mel": mel, "sounding": np.array(sounding, dtype=bool).reshape(-1, count),
            "background": np.full(len(kept), music, dtype=np.int8),
            "background_package": package, "effects": effects}


def save_npz(path, arrays):
    """np.savez by hand: the contract's array named `file` clashes with savez's own argument."""
    partial = path.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
    partial.rename(path)


# --- a source ------------------------------------------------------------------------------

def source_settings(source, selection, bank_key):
    """Everything a source's blocks depend on; its digest names the source's file."""
    settings = {"augmentation": selection["augmentation"], "blocks": selection["blocks"],
                "seed": selection["seed"]}
    if source["class"] == "music":
        settings["music_effects"] = selection["music_effects"]
    if "midi" in source:
        settings["midi"] = selection["midi"]
    if "espeak" in source:
        settings["espeak"] = selection["espeak"]
    if source["class"] == "speech":
        settings["background"] = dict(selection["speech_background"], bank=bank_key)
    return settings


def block_file_name(source, settings, cap):
    key = dataset.settings_key([source, settings, cap])
    return f"{source['package']}-{source['class']}-{key}.npz"


def build_source(source, selection, cache, settings, cap, max_files=None):
    """Every block of one source (capped), and its figures for the manifest."""
    rng = np.random.default_rng([selection["seed"], zlib.crc32(
        f"{source['package']}:{source['class']}".encode())])
    files = files_of(source, selection, cache)
    blocks = selection["blocks"]
    fewest, most_passes = blocks["passes"][source["class"]]
    reads = source.get("reads", blocks["reads_per_source"])
    passes = int(np.clip(-(-reads // max(len(files), 1)), fewest, most_passes))
    most = reads // passes
    if max_files:
        most = min(most, max_files)
    if len(files) > most:
        chosen = sorted(rng.choice(len(files), most, replace=False))
        files = [files[i] for i in chosen]
    label = CLASSES.index(source["class"])
    jobs = [(str(path), label, [int(s) for s in rng.integers(1 << 31, size=passes)], settings)
            for path, _ in files]
    parts, seconds, effects = [], {}, {}
    with ProcessPoolExecutor(WORKERS) as pool:
        for (_, file_id), (reads, length) in zip(files, pool.map(read_file, jobs, chunksize=2)):
            seconds[file_id] = length
            for result in reads:
                for name in result["effects"]:
                    effects[name] = effects.get(name, 0) + 1
                if len(result["mel"]):
                    parts.append((file_id, result))
    arrays = join_blocks(parts, source, label)
    if len(arrays["label"]) > cap:
        keep = np.sort(rng.choice(len(arrays["label"]), cap, replace=False))
        arrays = {k: v[keep] for k, v in arrays.items()}
    figures = {"files": len(files), "reads": len(jobs) * passes, "blocks": int(len(arrays["label"])),
               "hours": round(sum(seconds.values()) / 3600, 3), "effects": effects}
    return arrays, figures


def join_blocks(parts, source, label):
    n = [len(r["mel"]) for _, r in parts]
    empty = np.zeros((0, 5, content_cnn.FRAMES, content_cnn.BANDS), dtype=np.float16)
    return {
        "mel": np.concatenate([r["mel"] for _, r in parts]) if parts else empty,
        "sounding": np.concatenate([r["sounding"] for _, r in parts]) if parts
        else np.zeros((0, 5), dtype=bool),
        "label": np.full(sum(n), label, dtype=np.int8),
        "background": np.concatenate([r["background"] for _, r in parts]) if parts
        else np.zeros(0, dtype=np.int8),
        "background_package": np.array([r["background_package"] for _, r in parts for _ in
                                        range(len(r["mel"]))], dtype=str).reshape(-1),
        "file": np.array([f for f, r in parts for _ in range(len(r["mel"]))], dtype=str).reshape(-1),
        "package": np.full(sum(n), source["package"]),
    }


# --- the speech background bank ----------------------------------------------------------------

def background_bank(selection, cache, out, training):
    """Music and noise of the training sources (not those with `under_speech` false), joined
    into one 16 kHz array on disk with a list of segments (package, class, start, end): the
    beds laid under speech."""
    settings = selection["speech_background"]
    beds = [s for s in training
            if s["class"] in ("music", "noise") and s.get("under_speech", True)]
    # How often a source is read for its blocks does not change which files lie under speech.
    files_only = [{k: v for k, v in s.items() if k != "reads"} for s in beds]
    key = dataset.settings_key([settings, files_only, selection["seed"], selection["midi"]])
    target = out / f"background-{key}.npy"
    if target.exists():
        return str(target), key
    rng = np.random.default_rng(selection["seed"])
    pieces, segments, position = [], [], 0
    for source in beds:
        files = files_of(source, selection, cache)
        count = min(settings["files_per_source"], len(files))
        for index in rng.choice(len(files), count, replace=False):
            signal = dataset.decode(files[index][0])[: settings["seconds_per_file"] * RATE]
            if len(signal) >= RATE // 2 and dataset.dbfs(signal) >= dataset.SILENCE_DBFS:
                pieces.append(signal)
                segments.append((source["package"], source["class"], position,
                                 position + len(signal)))
                position += len(signal)
    np.save(target, np.concatenate(pieces).astype(np.float32))
    target.with_suffix(".json").write_text(json.dumps(segments))
    return str(target), key


# --- development set -------------------------------------------------------------------------

def development_set(selection, cache, out, only=None):
    """Unaugmented 10 s clips of the development packages (audio_sources.validation_set spreads
    them over each package's files), generated silence, and their blocks."""
    held_out = set(selection["split"]["development"])
    sources = [s for s in selection["sources"]
               if (s["package"] in held_out and s["class"] in CLASSES) or s["class"] == "silence"]
    sources = [s for s in sources if not only or s["package"] in only]
    key_file = out / "settings.json"
    key = dataset.settings_key([sources, selection["generated_silence"], selection["seed"],
                                selection["development"]])
    if (out / "blocks.npz").exists() and key_file.exists() and \
            json.loads(key_file.read_text())["key"] == key:
        return json.loads(key_file.read_text())["clips"]
    rng = np.random.default_rng(selection["seed"])
    clips = out / "clips"
    shutil.rmtree(clips, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=out) as work:
        written = Path(work)
        _, _, _, counts = dataset.validation_set(sources, cache, written, rng)
        for path in sorted(written.rglob("*.wav")):
            package, number = path.stem.rsplit("-", 1)
            target = clips / path.parent.name / f"{package}--{int(number)}.wav"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), target)
    for kind in selection["generated_silence"]:
        for i in range(5):
            dataset.write_wav(clips / "silence" / f"generated-{kind}--{i}.wav",
                              dataset.generated_silence(kind, rng))
    save_npz(out / "blocks.npz", clip_blocks(clips))
    key_file.write_text(json.dumps({"key": key, "clips": counts}))
    return counts


def development_figures(out):
    """Per (package, class) of the development blocks: clips, blocks and hours of clips."""
    data = np.load(out / "blocks.npz")
    figures = {}
    for package, label, clip in zip(data["package"], data["label"], data["clip"]):
        entry = figures.setdefault((str(package), CLASSES[label]), {"clips": set(), "blocks": 0})
        entry["clips"].add(str(clip))
        entry["blocks"] += 1
    return {k: {"files": len(v["clips"]), "blocks": v["blocks"],
                "hours": round(len(v["clips"]) * 10 / 3600, 3)} for k, v in figures.items()}


def read_wav(path):
    with wave.open(str(path)) as f:
        return np.frombuffer(f.readframes(f.getnframes()), dtype="<i2").astype(np.float32) / 32768


def clip_blocks(clips):
    """Two blocks of five windows per clip of the three classes, as the training blocks."""
    rows = {k: [] for k in ("mel", "sounding", "label", "file", "package", "clip")}
    for name in CLASSES:
        for path in sorted((clips / name).glob("*.wav")):
            signal = read_wav(path)
            signal = np.pad(signal, (0, max(0, 10 * WINDOW - len(signal))))[:10 * WINDOW]
            windows = signal.reshape(10, WINDOW)
            mel = content_cnn.log_mel(windows).reshape(2, 5, content_cnn.FRAMES, content_cnn.BANDS)
            sounding = np.array([dataset.dbfs(w) >= dataset.SILENCE_DBFS
                                 for w in windows]).reshape(2, 5)
            package = path.stem.rsplit("--", 1)[0]
            for half in range(2):
                if sounding[half].any():
                    rows["mel"].append(mel[half])
                    rows["sounding"].append(sounding[half])
                    rows["label"].append(CLASSES.index(name))
                    rows["file"].append(f"{package}:clips/{name}/{path.name}")
                    rows["package"].append(package)
                    rows["clip"].append(path.name)
    n = len(rows["label"])
    return {"mel": np.array(rows["mel"], dtype=np.float16).reshape(n, 5, content_cnn.FRAMES,
                                                                    content_cnn.BANDS),
            "sounding": np.array(rows["sounding"], dtype=bool).reshape(n, 5),
            "label": np.array(rows["label"], dtype=np.int8),
            "background": np.zeros(n, dtype=np.int8),
            "background_package": np.full(n, "", dtype="<U1"),
            "file": np.array(rows["file"], dtype=str), "package": np.array(rows["package"], dtype=str),
            "clip": np.array(rows["clip"], dtype=str)}


# --- checks, manifest, main ------------------------------------------------------------------

def check_log_mel(selection, cache, build):
    """content_cnn's NumPy log-mel against earshot's own features, once, on a few windows."""
    binary = build / "earshot-content-features"
    if not binary.exists():
        print(f"warning: {binary} not found; the log-mel is not checked against earshot")
        return
    source = next(s for s in selection["sources"] if s["class"] == "speech")
    path = files_of(source, selection, cache)[0][0]
    signal = np.pad(dataset.decode(path), (0, 4 * WINDOW))
    windows = [w for w in dataset.windows_of(signal, WINDOW)[:4]]
    windows.append(dataset.pink_noise(WINDOW, np.random.default_rng(0)) * np.float32(0.1))
    features = dataset.features_of(windows, build)
    content_cnn.check_against_earshot([(None, None, windows)], [(None, None, features)])


def package_version(package, cache):
    debs = sorted((cache / "debs").glob(f"{package}_*.deb"))
    if debs:
        return unquote(debs[-1].name.split("_")[1])
    installed = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                               capture_output=True, text=True)  # espeak-ng: installed, not fetched
    return installed.stdout if installed.returncode == 0 else "generated"


def write_manifest(selection, cache, figures, midi, dev_counts):
    held_out = set(selection["split"]["development"])
    packages = {}
    totals = {split: {c: {"files": 0, "blocks": 0, "hours": 0.0} for c in CLASSES}
              for split in ("training", "development")}
    for (package, name), f in sorted(figures.items()):
        split = "development" if package in held_out else "training"
        entry = packages.setdefault(package, {"version": package_version(package, cache),
                                              "split": split})
        entry[name] = {k: f[k] for k in ("files", "blocks", "hours")}
        for k in ("files", "blocks", "hours"):
            totals[split][name][k] = round(totals[split][name][k] + f[k], 3)
    manifest = {
        "about": "Data set v2 of the content model, built by tools/train/build_blocks.py from the rules of "
                 "tools/train/selection.json. Training blocks: 5 consecutive 1 s windows of one file. "
                 "Training files and hours: distinct files read and their length; development files and "
                 "hours: the 10 s clips (unaugmented) and their blocks.",
        "packages": packages,
        "totals": totals,
        "development_clips": dev_counts,
        "midi": midi,
        "augmentation": selection["augmentation"],
        "music_effects": {k: v for k, v in selection["music_effects"].items() if k != "about"},
        "speech_background": {k: v for k, v in selection["speech_background"].items() if k != "about"},
        "blocks": {k: v for k, v in selection["blocks"].items() if k != "about"},
    }
    MANIFEST.write_text(compact_json(manifest))


def compact_json(manifest):
    """JSON with a line per top-level key, and a line per entry of a top-level object."""
    lines = []
    for key, value in manifest.items():
        if isinstance(value, dict) and value:
            inner = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                     for k, v in value.items()]
            lines.append(f" {json.dumps(key)}: {{\n" + ",\n".join(inner) + "\n }")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def build_training(selection, cache, out, only, max_files):
    held_out = set(selection["split"]["development"])
    sources = [s for s in selection["sources"]
               if s["class"] in CLASSES and (not only or s["package"] in only)]
    training = [s for s in sources if s["package"] not in held_out]
    every_training = [s for s in selection["sources"]
                      if s["class"] in CLASSES and s["package"] not in held_out]
    # Music and noise first: the speech background is drawn from them; espeak-ng last, as its
    # cap is a share of the other speech blocks.
    order = sorted(training, key=lambda s: (s["class"] == "speech", "espeak" in s))
    bank, bank_key = None, None
    figures, index, speech_blocks = {}, [], 0
    for source in order:
        if source["class"] == "speech" and bank is None:
            bank, bank_key = background_bank(selection, cache, out,
                                             training if only else every_training)
        settings = source_settings(source, selection, bank_key)
        if bank:
            settings = dict(settings)
        cap = selection["blocks"]["max_blocks_per_source"][source["class"]]
        if "max_share_of_class" in source:
            share = source["max_share_of_class"]
            cap = min(cap, int(speech_blocks * share / (1 - share)))
        path = out / block_file_name(source, settings, cap)
        figures_path = path.with_suffix(".json")
        if not path.exists():
            started = time.time()
            if "background" in settings:
                settings["background"] = dict(settings["background"], bank=bank)
            arrays, f = build_source(source, selection, cache, settings, cap, max_files)
            f["seconds_to_build"] = round(time.time() - started, 1)
            save_npz(path, arrays)
            figures_path.write_text(json.dumps(f))
        f = json.loads(figures_path.read_text())
        figures[(source["package"], source["class"])] = f
        if source["class"] == "speech":
            speech_blocks += f["blocks"]
        index.append({"file": path.name, "package": source["package"], "class": source["class"],
                      "blocks": f["blocks"]})
        print(f"{source['class']:6} {source['package']:30} {f['files']:5} files {f['blocks']:6} "
              f"blocks {f['hours']:7.2f} h  ({f.get('seconds_to_build', 0)} s)", flush=True)
    (out / "index.json").write_text(json.dumps(
        {"about": "The block files of the current selection (tools/train/selection.json); "
                  "load exactly these; the development blocks are ../dev/blocks.npz.",
         "sources": index}, indent=1) + "\n")
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache/train")
    parser.add_argument("--out", type=Path, help="where blocks go (default CACHE/blocks)")
    parser.add_argument("--earshot-build", type=Path, default=ROOT / "build")
    parser.add_argument("--only", nargs="*", help="build only these packages (a smoke test)")
    parser.add_argument("--max-files", type=int, help="at most this many files per source")
    parser.add_argument("--no-development", action="store_true")
    args = parser.parse_args()
    selection = json.loads(SELECTION.read_text())
    out = args.out or args.cache / "blocks"
    out.mkdir(parents=True, exist_ok=True)
    check_log_mel(selection, args.cache, args.earshot_build)
    figures = build_training(selection, args.cache, out, args.only, args.max_files)
    if args.no_development:
        return 0
    dev_out = args.cache / "dev" if not args.out else out / "dev"
    dev_out.mkdir(parents=True, exist_ok=True)
    counts = development_set(selection, args.cache, dev_out, args.only)
    print("development clips per class:", counts, flush=True)
    if not args.only and not args.max_files:
        figures.update(development_figures(dev_out))
        midi = {s["package"]: midi_description(s, selection, args.cache)
                for s in selection["sources"] if "midi" in s}
        write_manifest(selection, args.cache, figures, midi, counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
