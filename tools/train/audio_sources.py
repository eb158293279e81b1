#!/usr/bin/python3
"""The audio side of the content training data, shared by the pipeline (build_blocks.py) and the
v1 tools: Debian packages fetched and extracted (`apt-get download`, `dpkg-deb -x`, members of
zip archives inside them), files selected by fnmatch rules, decoded to 16 kHz mono with ffmpeg,
cut into windows, augmented (band limits, lossy codecs, gain, light noise, speech laid over a
background) and generated silence. v1/build_dataset.py builds the first data set with them.
"""

import fnmatch
import functools
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import wave
import zipfile
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

import synthetic_noise

ROOT = Path(__file__).resolve().parents[2]
CLASSES = ["speech", "music", "noise"]  # the learned classes; silence is decided by level
RATE = 16000
WINDOW = 16000
SILENCE_DBFS = -50.0
TELEPHONE_HZ = 3400
SPEED_RATE = 48000  # the rate a file is resampled to before its speed is changed
SPEED_PERTURBATION = {"probability": 0.6667, "range": [0.8, 1.25]}
FEATURE_COUNT = 203  # content-features-v1 (dsp::ContentFeatures::kSize)
CLIP_SECONDS = 10
MAX_WINDOWS_PER_FILE = 120
MAX_CLIPS_PER_CLASS = 150
MAX_TRAINING_FILES = 2500    # per source, chosen at random
MAX_VALIDATION_FILES = 600  # per source, chosen at random (tuxpaint alone has 7418 spoken files)


def run(*command, **kwargs):
    return subprocess.run(command, check=True, **kwargs)


def fetch_package(package, cache):
    """The extracted tree of `package`, downloading and extracting it when needed."""
    target = cache / "extract" / package
    if target.is_dir():
        return target
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{package}_*.deb"))
    if not found:
        run("apt-get", "download", package, cwd=debs)
        found = sorted(debs.glob(f"{package}_*.deb"))
    partial = target.with_suffix(".partial")
    partial.parent.mkdir(parents=True, exist_ok=True)  # dpkg-deb makes only the last folder
    run("dpkg-deb", "-x", str(found[-1]), str(partial))
    partial.rename(target)
    return target


def matches(path, source):
    included = any(fnmatch.fnmatch(path, p) for p in source["include"])
    return included and not any(fnmatch.fnmatch(path, p) for p in source.get("exclude", []))


def select_files(source, cache):
    """The files of one source, as paths on disk (archive members are extracted first)."""
    if "generated" in source:
        return generated_files(source["generated"], cache)
    root = fetch_package(source["package"], cache)
    if "archive" not in source:
        files = [p for p in root.rglob("*") if p.is_file()]
        return sorted(p for p in files if matches(str(p.relative_to(root)), source))
    archive = root / source["archive"]
    unpacked = root.parent / (source["package"] + ".archive") / source["archive"]
    with zipfile.ZipFile(archive) as zf:
        names = sorted(n for n in zf.namelist() if matches(n, source))
        for name in names:
            if not (unpacked / name).exists():
                zf.extract(name, unpacked)
    return [unpacked / n for n in names]


def settings_key(settings):
    """A short digest of JSON-able settings, naming what is cached under them."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]


def generated_files(settings, cache):
    """Synthesised sounds (tools/train/synthetic_noise.py) written once as 16 kHz WAV files, in a
    folder named after their settings."""
    folder = cache / "generated" / settings_key(settings)
    names = [f"{kind}-{i:03d}.wav" for kind in settings["kinds"]
             for i in range(settings["files_per_kind"])]
    if not folder.is_dir():
        partial = folder.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)
        rng = np.random.default_rng(settings["seed"])
        for name in names:
            kind = name.rsplit("-", 1)[0]
            write_wav(partial / name, synthetic_noise.generate(kind, settings["seconds"], rng))
        partial.rename(folder)
    return [folder / name for name in names]


def decode(path, band_limit=None, lossy=None, speed=None):
    """Mono float32 at 16 kHz, through an optional change of speed (pitch and tempo together,
    by `speed` times), low-pass and lossy round trip."""
    filters = []
    if speed:  # resampled at a known rate, then played `speed` times as fast
        filters.append(f"aresample={SPEED_RATE},asetrate={round(SPEED_RATE * speed)}")
    if band_limit:
        filters.append(f"lowpass=f={band_limit}:poles=2,lowpass=f={band_limit}:poles=2")
    if band_limit and band_limit <= TELEPHONE_HZ:  # the telephone band also loses the lows
        filters.append("highpass=f=300:poles=2")
    base = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path)]
    if lossy:
        codec, rate = lossy.split(":")
        with tempfile.NamedTemporaryFile(suffix=".mka") as encoded:
            run(*base, "-ac", "1", "-ar", "48000" if codec == "libopus" else "44100",
                "-c:a", codec, "-b:a", rate, "-y", encoded.name)
            return decode_plain(encoded.name, filters)
    return decode_plain(path, filters)


def decode_plain(path, filters):
    command = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path)]
    if filters:
        command += ["-af", ",".join(filters)]
    command += ["-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"]
    out = subprocess.run(command, check=False, capture_output=True)
    if out.returncode != 0:
        return np.zeros(0, dtype=np.float32)
    return np.frombuffer(out.stdout, dtype=np.float32).copy()


def dbfs(x):
    return 10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-20)


def pink_noise(n, rng):
    spectrum = np.fft.rfft(rng.normal(size=n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    noise = np.fft.irfft(spectrum, n)
    return (noise / (np.std(noise) + 1e-12)).astype(np.float32)


def windows_of(signal, hop):
    if len(signal) < WINDOW:
        signal = np.pad(signal, (0, WINDOW - len(signal)))
    starts = range(0, len(signal) - WINDOW + 1, hop)
    return [signal[s:s + WINDOW] for s in starts]


def blocks_of(signal, span):
    """Pieces of `span` consecutive windows, hop half a window; a signal shorter than a piece
    gives one, zero-padded to whole windows."""
    if span == 1:
        return windows_of(signal, WINDOW // 2)
    length = span * WINDOW
    if len(signal) < length:
        padded = -(-max(len(signal), 1) // WINDOW) * WINDOW
        return [np.pad(signal, (0, padded - len(signal)))]
    return [signal[s:s + length] for s in range(0, len(signal) - length + 1, WINDOW // 2)]


def training_windows(job):
    """Augmented, non-silent windows of one file: (class index, file index, windows).

    With a span above 1, each item is instead a piece of `span` consecutive windows (3 s for
    span 3) augmented as one sound (one gain, one background, one noise), so that a model can
    look at a window with its neighbours; a piece is kept when any of its windows sounds."""
    path, label, group, seed, augmentation, background, span = job
    rng = np.random.default_rng(seed)
    band = rng.choice(np.array(augmentation["band_limit_hz"], dtype=object))
    lossy = rng.choice(np.array(augmentation["lossy"], dtype=object))
    signal = decode(path, band, lossy, speed_factor(augmentation, rng))
    kept = []
    candidates = blocks_of(signal, span)
    rng.shuffle(candidates)
    for window in candidates[:MAX_WINDOWS_PER_FILE]:
        low, high = augmentation["gain_db"]
        window = window * np.float32(10 ** (rng.uniform(low, high) / 20))
        if background and rng.random() < background["probability"]:
            window = with_background(window, background, rng)
        if rng.random() < augmentation["noise_probability"]:
            low, high = augmentation["noise_snr_db"]
            level = dbfs(window) - rng.uniform(low, high)
            n = len(window)
            noise = pink_noise(n, rng) if rng.random() < 0.5 else rng.normal(size=n)
            window = window + np.float32(10 ** (level / 20)) * noise.astype(np.float32)
        window = np.clip(window, -1, 1).astype(np.float32)
        if any(dbfs(w) >= SILENCE_DBFS for w in window.reshape(-1, WINDOW)):
            kept.append(window)
    return label, group, kept


def with_speed_perturbation(selection):
    """`selection` with recipe H's speed rule added to its augmentation (train_cnn.py
    --speed-perturbation): a third of the reads keep their speed, the others play 0.8 to 1.25
    times as fast, drawn log-uniformly."""
    augmentation = dict(selection["augmentation"], speed=SPEED_PERTURBATION)
    return dict(selection, augmentation=augmentation)


def speed_factor(augmentation, rng):
    """A random change of speed, or None; without a `speed` rule nothing is drawn, so a
    selection without one gives the same windows as before the rule existed."""
    rule = augmentation.get("speed")
    if not rule or rng.random() >= rule["probability"]:
        return None
    low, high = np.log(rule["range"])
    return float(np.exp(rng.uniform(low, high)))


@functools.lru_cache(maxsize=1)
def open_bank(path):
    """The background bank, memory-mapped once per worker process (not once per window)."""
    return np.load(path, mmap_mode="r")


def with_background(window, background, rng):
    """`window` (speech) over a random stretch of the background bank, `snr_db` below it."""
    bank = open_bank(background["bank"])
    start = int(rng.integers(0, len(bank) - len(window)))
    bed = np.asarray(bank[start:start + len(window)], dtype=np.float32)
    if dbfs(bed) < SILENCE_DBFS:
        return window
    low, high = background["snr_db"]
    gain = 10 ** ((dbfs(window) - rng.uniform(low, high) - dbfs(bed)) / 20)
    return (window + np.float32(gain) * bed).astype(np.float32)


def background_bank(selection, cache, out, seed):
    """Music and noise of the training packages, joined into one 16 kHz array on disk, for
    speech over background (speech over music or noise is speech)."""
    settings = selection["speech_background"]
    target = out / f"background-{seed}.npy"
    if target.exists():
        return target
    rng = np.random.default_rng(seed)
    validation = set(selection["splits"]["validation"])
    pieces = []
    for source in selection["sources"]:
        if source["package"] in validation or source["class"] not in ("music", "noise"):
            continue
        files = select_files(source, cache)
        count = settings["files_per_source"]
        for path in rng.choice(np.array(files, dtype=object), min(count, len(files)),
                               replace=False):
            signal = decode(path)[: settings["seconds_per_file"] * RATE]
            if len(signal) >= WINDOW:
                pieces.append(signal)
    np.save(target, np.concatenate(pieces).astype(np.float32))
    return target


def features_of(windows, build):
    """content-features-v1 of each window, computed by earshot."""
    if not windows:
        return np.zeros((0, FEATURE_COUNT), dtype=np.float32)
    with tempfile.TemporaryDirectory() as work:
        source, target = Path(work) / "windows.npy", Path(work) / "features.npy"
        np.save(source, np.stack(windows).astype(np.float32))
        run(str(build / "earshot-content-features"), str(source), str(target))
        return np.load(target)


def pcm16(signal):
    """Float samples as 16-bit PCM, as the clips are written."""
    return (np.clip(signal, -1, 1) * 32767).astype("<i2")


def write_wav(path, signal):
    """A mono 16 kHz 16-bit WAV of float samples, or of 16-bit ones as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = signal if signal.dtype == np.dtype("<i2") else pcm16(signal)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())


def generated_silence(kind, rng):
    n = CLIP_SECONDS * RATE
    t = np.arange(n) / RATE
    if kind == "digital_zero":
        return np.zeros(n, dtype=np.float32)
    if kind == "dither":  # triangular dither of one 16-bit step
        return ((rng.random(n) - rng.random(n)) / 32768).astype(np.float32)
    if kind == "room_tone":  # pink noise at -65 dBFS
        return (pink_noise(n, rng) * 10 ** (-65 / 20)).astype(np.float32)
    if kind == "faint_hum":  # 50 Hz and harmonics at -60 dBFS
        hum = sum(np.sin(2 * np.pi * 50 * k * t) / k for k in (1, 2, 3, 5))
        return (hum / np.sqrt(np.mean(hum ** 2)) * 10 ** (-60 / 20)).astype(np.float32)
    raise ValueError(kind)


def validation_set(sources, cache, clips_dir, rng):
    """Unaugmented 1 s windows and 10 s clips of the held-out packages: (windows, labels,
    groups, clips written per class).

    A class's MAX_CLIPS_PER_CLASS clips are shared fairly among its sources (one with fewer
    clips than its share leaves the rest to the others), and a source's clips are spread
    evenly over its files joined end to end, so that they stand for the whole package rather
    than its first files in name order. The joined audio of every source is held in memory
    as 16-bit samples until the clips are written (about 0.5 GB for the validation packages)."""
    windows, labels, groups = [], [], []
    audio = []  # per source: its files joined, as written to WAV (16-bit)
    for source in sources:
        name = source["class"]
        files = select_files(source, cache)
        if len(files) > MAX_VALIDATION_FILES:
            files = sorted(rng.choice(np.array(files, dtype=object), MAX_VALIDATION_FILES,
                                      replace=False))
        pieces = []
        for index, path in enumerate(files):
            signal = decode(path)
            if name in CLASSES:
                for window in windows_of(signal, WINDOW):
                    if dbfs(window) >= SILENCE_DBFS:
                        windows.append(window)
                        labels.append(CLASSES.index(name))
                        groups.append(f"{source['package']}:{index}")
            pieces.append(pcm16(signal))
        audio.append(np.concatenate(pieces) if pieces else np.zeros(0, dtype="<i2"))

    clip_count = {}
    clip_samples = CLIP_SECONDS * RATE
    for name in dict.fromkeys(source["class"] for source in sources):
        members = [i for i, source in enumerate(sources) if source["class"] == name]
        available = {i: len(audio[i]) // clip_samples for i in members}
        budget = MAX_CLIPS_PER_CLASS
        for left, i in enumerate(sorted(members, key=available.get)):
            share = min(available[i], budget // (len(members) - left))
            budget -= share
            chosen = np.unique(np.linspace(0, available[i] - 1, share).round().astype(int))
            for count, block in enumerate(chosen):
                pcm = audio[i][block * clip_samples:(block + 1) * clip_samples]
                write_wav(clips_dir / name / f"{sources[i]['package']}-{count:03d}.wav", pcm)
            clip_count[name] = clip_count.get(name, 0) + len(chosen)
    return windows, labels, groups, clip_count


def source_windows(source, cache, selection, seed, background, describe, span=1):
    """Augmented training windows of one source, each described by `describe` (a list of
    windows -> an array with a row per window; here earshot's features):
    (descriptions, labels, groups). With a span above 1, pieces of that many windows
    (training_windows), described the same way."""
    rng = np.random.default_rng([seed, zlib.crc32(source["package"].encode())])
    files = select_files(source, cache)
    if len(files) > MAX_TRAINING_FILES:
        files = sorted(rng.choice(np.array(files, dtype=object), MAX_TRAINING_FILES,
                                  replace=False))
    # The rarest class (noise: short effects) is read three times, each time with its own
    # augmentation, so that the three classes have a similar number of windows.
    passes = 3 if source["class"] == "noise" else 1
    label = CLASSES.index(source["class"])
    jobs = [(path, label, f"{source['package']}:{path.name}", int(rng.integers(1 << 31)),
             selection["augmentation"], background, span) for _ in range(passes) for path in files]
    described, groups = [], []
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        batch = []
        for _, group, kept in pool.map(training_windows, jobs, chunksize=8):
            batch += [(w, group) for w in kept]
            if len(batch) >= 4000:
                described.append(describe([b[0] for b in batch]))
                groups += [b[1] for b in batch]
                batch = []
        described.append(describe([b[0] for b in batch]))
        groups += [b[1] for b in batch]
    described = np.concatenate(described)
    return described, np.full(len(described), label), np.array(groups)


def source_file_name(source, selection, seed, background, span=1):
    """The cache file of one source's training windows. Its name changes with the source's rule
    and the augmentation, so a new split or a new rule only recomputes what it touches."""
    settings = [source, selection["augmentation"], seed]
    if background:
        settings.append(selection["speech_background"])
    if span != 1:
        settings.append({"span": span})
    return f"{source['package']}-{source['class']}-{settings_key(settings)}.npz"
