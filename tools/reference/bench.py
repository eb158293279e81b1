#!/usr/bin/python3
"""Time torchaudio's feature extraction on 60 s of audio, single-threaded, as the yardstick for
earshot's own benchmarks.

    tools/reference/bench.py                  # torchaudio only
    tools/reference/bench.py earshot.json     # side by side with earshot's figures

earshot.json holds earshot's measured "x real time" per feature, e.g.
    {"mel": 850.0, "mfcc": 800.0, "ast": 400.0}
(any subset of the keys).  The ratio printed is earshot / torchaudio (> 1: earshot is faster).

What is timed (torch.set_num_threads(1), float32, CPU, median of --runs runs after a warm-up):
  mel   torchaudio.transforms.MelSpectrogram(sample_rate=22050, n_fft=2048, hop_length=512,
        n_mels=128, norm="slaney", mel_scale="slaney", power=2.0, center=True,
        pad_mode="constant") on 60 s at 22050 Hz (librosa.feature.melspectrogram's defaults)
  mfcc  torchaudio.transforms.MFCC(sample_rate=22050, n_mfcc=20, dct_type=2, norm="ortho",
        melkwargs = the mel settings above); its log is AmplitudeToDB("power", top_db=80)
        = librosa.power_to_db(ref=1.0, amin=1e-10, top_db=80.0)
  ast   the Audio Spectrogram Transformer front end on 60 s at 16 kHz:
        torchaudio.compliance.kaldi.fbank(waveform, htk_compat=True, sample_frequency=16000,
        use_energy=False, window_type="hanning", num_mel_bins=128, dither=0.0, frame_shift=10)
        over the whole signal, then pad/truncate to 1024 frames and (x + 4.2677393) / (2 * 4.5689974),
        as transformers' ASTFeatureExtractor does for one input
Construction of the transforms (filterbanks, windows) is outside the timed region.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch
import torchaudio
import torchaudio.compliance.kaldi as kaldi
import torchaudio.transforms as T

SECONDS = 60.0
MEL_KW = dict(sample_rate=22050, n_fft=2048, hop_length=512, n_mels=128, norm="slaney", mel_scale="slaney",
              power=2.0, center=True, pad_mode="constant")
AST_MEAN, AST_STD, AST_MAX_LENGTH = -4.2677393, 4.5689974, 1024


def signal(sr):
    rng = np.random.default_rng(0)
    n = int(SECONDS * sr)
    t = np.arange(n) / sr
    y = 0.3 * np.sin(2 * np.pi * 440.0 * t) + 0.05 * rng.standard_normal(n)
    return torch.from_numpy(y.astype(np.float32))


def ast_front_end(wave):
    fb = kaldi.fbank(wave[None, :], htk_compat=True, sample_frequency=16000, use_energy=False,
                     window_type="hanning", num_mel_bins=128, dither=0.0, frame_shift=10)
    n = fb.shape[0]
    if n < AST_MAX_LENGTH:
        fb = torch.nn.functional.pad(fb, (0, 0, 0, AST_MAX_LENGTH - n))
    else:
        fb = fb[:AST_MAX_LENGTH]
    return (fb - AST_MEAN) / (AST_STD * 2)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def time_it(fn, runs):
    with torch.inference_mode():
        fn()  # warm-up
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser(description="torchaudio feature timings (1 thread, 60 s of audio)")
    ap.add_argument("earshot_json", nargs="?", help='earshot x-real-time per feature: {"mel":..,"mfcc":..,"ast":..}')
    ap.add_argument("--runs", type=int, default=11)
    args = ap.parse_args()

    torch.set_num_threads(1)
    y22, y16 = signal(22050), signal(16000)
    mel = T.MelSpectrogram(**MEL_KW)
    mfcc = T.MFCC(sample_rate=22050, n_mfcc=20, dct_type=2, norm="ortho", log_mels=False,
                  melkwargs={k: v for k, v in MEL_KW.items() if k != "sample_rate"})
    features = {
        "mel": ("MelSpectrogram 22050 Hz, n_fft 2048, hop 512, 128 mels slaney/slaney, power 2",
                lambda: mel(y22)),
        "mfcc": ("MFCC 20 coeffs (same mel, AmplitudeToDB power top_db 80, DCT-II ortho)",
                 lambda: mfcc(y22)),
        "ast": ("kaldi.fbank 16 kHz 128 bins hanning htk_compat no energy + pad/truncate 1024 + normalise",
                lambda: ast_front_end(y16)),
    }
    earshot = {}
    if args.earshot_json:
        with open(args.earshot_json) as f:
            earshot = json.load(f)

    print(f"torchaudio {torchaudio.__version__}, torch {torch.__version__}, numpy {np.__version__}, "
          f"python {platform.python_version()}")
    print(f"CPU: {cpu_model()}, {os.cpu_count()} logical cores visible; "
          f"torch threads: {torch.get_num_threads()}")
    print(f"input: {SECONDS:.0f} s of audio (440 Hz tone + noise, float32); median of {args.runs} runs "
          f"after one warm-up; x real time (xRT) = {SECONDS:.0f} s / median seconds per run")
    print()
    header = f"{'feature':6s} {'median s/run':>17s} {'min s/run':>17s} {'torchaudio xRT':>15s}"
    if earshot:
        header += f" {'earshot xRT':>12s} {'earshot/torchaudio':>19s}"
    print(header)
    for key, (desc, fn) in features.items():
        sec, best = time_it(fn, args.runs)
        xrt = SECONDS / sec
        line = f"{key:6s} {sec:17.5f} {best:17.5f} {xrt:15.1f}"
        if earshot:
            if key in earshot:
                line += f" {float(earshot[key]):12.1f} {float(earshot[key]) / xrt:19.2f}"
            else:
                line += f" {'-':>12s} {'-':>19s}"
        print(line)
    print()
    for key, (desc, _) in features.items():
        print(f"  {key}: {desc}")
    if earshot:
        print("\nratio > 1 means earshot is faster than torchaudio (both single-threaded on 60 s of audio)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
