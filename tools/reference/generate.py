#!/usr/bin/python3
"""Golden outputs for earshot's audio features.

Writes generated input signals and the reference ("golden") outputs computed from them into
tests/data/reference/, plus manifest.json describing every case.  Run it with Debian's
interpreter (python3-torch, python3-torchaudio, python3-numpy are only visible to
/usr/bin/python3):

    tools/reference/generate.py            # regenerate everything (deterministic)
    tools/reference/generate.py --check    # recompute and compare with the files on disk

Where the golden comes from
  * torchaudio where it implements the thing: torchaudio.functional.spectrogram (torch.stft),
    torchaudio.transforms.MelSpectrogram (mel_scale/norm "slaney" or "htk"/None),
    torchaudio.functional.melscale_fbanks, torchaudio.transforms.MFCC (cross-check),
    torchaudio.compliance.kaldi.fbank;
  * numpy transcriptions of librosa 0.10's code for what torchaudio does not have:
    power_to_db, MFCC liftering, spectral_centroid, spectral_bandwidth, spectral_rolloff,
    spectral_flatness, zero_crossing_rate, rms, yin (librosa 0.10's formulation as feature "yin",
    0.11's as "yin_librosa_0_11").  Each function below states the formula it implements.

Precision: every golden is computed in float64 from the float32 input (upcast exactly) and then
rounded to float32 once.  The same pipeline is also run in float32 (what torchaudio does by
default) and the difference is recorded in the manifest ("float32_pipeline_diff") so that tests
can see what float32 round-off amounts to for each case.
"""

import argparse
import contextlib
import functools
import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import torch
import torchaudio
import torchaudio.compliance.kaldi as kaldi
import torchaudio.functional as AF
import torchaudio.transforms as T

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "reference"
INPUT_DIR = "inputs"
GOLDEN_DIR = "golden"

F32_EPS = float(torch.finfo(torch.float32).eps)  # 1.1920928955078125e-07

# --------------------------------------------------------------------------------------------
# Input signals
# --------------------------------------------------------------------------------------------

# name -> (sample_rate, num_samples, description).  Lengths are mostly not multiples of the hop
# (512 for the librosa family, 160 for Kaldi/AST) so that frame counts are exercised.
SIGNALS = {
    "chirp_22050": (22050, 13337, "log sweep 50 Hz -> 8 kHz, amplitude 0.5, phase 0 at t=0"),
    "tones_22050": (22050, 11025, "0.4 sin 220 Hz + 0.25 sin 440 Hz + 0.15 sin 660 Hz + 0.05 sin 3150 Hz"),
    "noise_22050": (22050, 10240, "white Gaussian noise, sigma 0.2 (seed 1); length = 20 hops of 512"),
    "amnoise_22050": (22050, 12001, "white Gaussian noise sigma 0.3 (seed 2) x (0.55 + 0.45 sin 2 pi 4 t)"),
    "silence_22050": (22050, 6000, "all zeros"),
    "chirp_short_22050": (22050, 3001, "log sweep 50 Hz -> 8 kHz over its 0.136 s, amplitude 0.5 (short: STFT cases)"),
    "noise_short_22050": (22050, 2560, "white Gaussian noise, sigma 0.2 (seed 6); 5 hops of 512 (short: STFT cases)"),
    "clipped_22050": (22050, 9001, "sin(2 pi 330 t + 0.3) clipped to [-0.5, 0.5]"),
    "chirp_16000": (16000, 9650, "log sweep 50 Hz -> 7.5 kHz, amplitude 0.5, phase 0 at t=0"),
    "tones_16000": (16000, 8000, "same tones as tones_22050; length = 50 frame shifts of 160"),
    "noise_16000": (16000, 8160, "white Gaussian noise, sigma 0.2 (seed 3)"),
    "amnoise_16000": (16000, 12345, "white Gaussian noise sigma 0.3 (seed 4) x (0.55 + 0.45 sin 2 pi 4 t)"),
    "silence_16000": (16000, 4800, "all zeros"),
    "clipped_16000": (16000, 7001, "sin(2 pi 330 t + 0.3) clipped to [-0.5, 0.5]"),
    "long_16000": (16000, 164960, "10.31 s (1029 frames): 0.3 sin 440 Hz x slow envelope + 0.05 Gaussian noise (seed 5); "
                                  "longer than the AST extractor's 1024 frames"),
}

SEEDS = {"noise_22050": 1, "amnoise_22050": 2, "noise_16000": 3, "amnoise_16000": 4, "long_16000": 5,
         "noise_short_22050": 6}


def make_signal(name):
    sr, n, _ = SIGNALS[name]
    t = np.arange(n, dtype=np.float64) / sr
    kind = name.split("_")[0]
    if kind == "chirp":
        f0, f1 = 50.0, (8000.0 if sr == 22050 else 7500.0)
        dur = n / sr
        k = math.log(f1 / f0) / dur  # f(t) = f0 exp(k t); phase = 2 pi f0 (exp(k t) - 1) / k
        y = 0.5 * np.sin(2 * np.pi * f0 * (np.exp(k * t) - 1.0) / k)
    elif kind == "tones":
        y = (0.4 * np.sin(2 * np.pi * 220 * t) + 0.25 * np.sin(2 * np.pi * 440 * t)
             + 0.15 * np.sin(2 * np.pi * 660 * t) + 0.05 * np.sin(2 * np.pi * 3150 * t))
    elif kind == "noise":
        y = 0.2 * np.random.default_rng(SEEDS[name]).standard_normal(n)
    elif kind == "amnoise":
        y = 0.3 * np.random.default_rng(SEEDS[name]).standard_normal(n)
        y *= 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t)
    elif kind == "silence":
        y = np.zeros(n)
    elif kind == "clipped":
        y = np.clip(np.sin(2 * np.pi * 330 * t + 0.3), -0.5, 0.5)
    elif kind == "long":
        env = 0.6 + 0.4 * np.sin(2 * np.pi * 0.3 * t)
        y = 0.3 * env * np.sin(2 * np.pi * 440 * t)
        y += 0.05 * np.random.default_rng(SEEDS[name]).standard_normal(n)
    else:
        raise ValueError(name)
    return np.clip(y, -1.0, 1.0).astype(np.float32)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

@contextlib.contextmanager
def default_dtype(dtype):
    """torchaudio builds filterbanks/windows in torch's default dtype; float64 for goldens."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(old)


def np_dtype(tdtype):
    return np.float64 if tdtype == torch.float64 else np.float32


def window(kind, n, periodic, dtype):
    """Windows as earshot defines them (N = n if periodic else n - 1, k = 0..n-1):
        hann        0.5 - 0.5 cos(2 pi k / N)                          torch.hann_window
        hamming     0.54 - 0.46 cos(2 pi k / N)                        torch.hamming_window
        blackman    0.42 - 0.5 cos(2 pi k / N) + 0.08 cos(4 pi k / N)  torch.blackman_window
        povey       (0.5 - 0.5 cos(2 pi k / N)) ** 0.85                Kaldi's povey (symmetric)
        rectangular 1
    librosa's get_window(name, n, fftbins=True) is the periodic form; Kaldi (torchaudio.compliance
    .kaldi) always uses the symmetric form ("hanning" there is the symmetric hann)."""
    if kind == "hann":
        return torch.hann_window(n, periodic=periodic, dtype=dtype)
    if kind == "hamming":
        return torch.hamming_window(n, periodic=periodic, alpha=0.54, beta=0.46, dtype=dtype)
    if kind == "blackman":
        return torch.blackman_window(n, periodic=periodic, dtype=dtype)
    if kind == "povey":
        return torch.hann_window(n, periodic=periodic, dtype=dtype).pow(0.85)
    if kind == "rectangular":
        return torch.ones(n, dtype=dtype)
    raise ValueError(kind)


def spectrogram(y, p, power, dtype):
    """|STFT|**power, time-major (frames, n_fft//2+1), via torchaudio.functional.spectrogram
    (torch.stft).  center=True pads n_fft//2 samples on both sides with pad_mode ("constant" =
    zeros, "reflect" = mirror without repeating the edge sample); the win_length window is
    zero-padded to n_fft centred (left (n_fft - win_length)//2), as librosa's pad_center."""
    w = window(p["window"], p["win_length"], p["window_periodic"], dtype)
    spec = AF.spectrogram(torch.from_numpy(y).to(dtype), pad=0, window=w, n_fft=p["n_fft"],
                          hop_length=p["hop_length"], win_length=p["win_length"], power=power,
                          normalized=False, center=p["center"], pad_mode=p["pad_mode"],
                          onesided=True)
    return spec.T.numpy()


def np_spectrogram(y, p, power):
    """Independent numpy STFT (for the sanity check only)."""
    n_fft, hop, wl = p["n_fft"], p["hop_length"], p["win_length"]
    y = y.astype(np.float64)
    if p["center"]:
        y = np.pad(y, n_fft // 2, mode=p["pad_mode"])
    w = window(p["window"], wl, p["window_periodic"], torch.float64).numpy()
    lpad = (n_fft - wl) // 2
    w = np.pad(w, (lpad, n_fft - wl - lpad))
    n_frames = 1 + (len(y) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n_frames)[:, None]
    return np.abs(np.fft.rfft(y[idx] * w, axis=1)) ** power


def hz_to_mel(f, htk):
    f = np.asarray(f, dtype=np.float64)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    f_sp = 200.0 / 3
    min_log_hz, logstep = 1000.0, math.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_hz / f_sp + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep,
                    f / f_sp)


def mel_to_hz(m, htk):
    m = np.asarray(m, dtype=np.float64)
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    f_sp = 200.0 / 3
    min_log_hz, logstep = 1000.0, math.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def np_mel_filterbank(sr, n_fft, n_mels, fmin, fmax, htk, norm):
    """librosa.filters.mel, transcribed (for the sanity check):
        fftfreqs = k * sr / n_fft, k = 0..n_fft//2
        mel_f = mel_to_hz(linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
        W[i, k] = max(0, min((f_k - mel_f[i]) / (mel_f[i+1] - mel_f[i]),
                             (mel_f[i+2] - f_k) / (mel_f[i+2] - mel_f[i+1])))
        norm == "slaney": W[i] *= 2 / (mel_f[i+2] - mel_f[i])"""
    fftfreqs = np.arange(n_fft // 2 + 1) * sr / n_fft
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), n_mels + 2), htk)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    W = np.zeros((n_mels, len(fftfreqs)))
    for i in range(n_mels):
        W[i] = np.maximum(0, np.minimum(-ramps[i] / fdiff[i], ramps[i + 2] / fdiff[i + 1]))
    if norm == "slaney":
        W *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]
    return W


def torch_mel_filterbank(p, dtype):
    """torchaudio.functional.melscale_fbanks, transposed to librosa's (n_mels, n_fft//2+1)."""
    with default_dtype(dtype), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fb = AF.melscale_fbanks(n_freqs=p["n_fft"] // 2 + 1, f_min=float(p["fmin"]), f_max=float(p["fmax"]),
                                n_mels=p["n_mels"], sample_rate=p["sr"], norm=p["norm"],
                                mel_scale="htk" if p["htk"] else "slaney")
    return fb.T.numpy()


def melspectrogram(y, p, dtype):
    """torchaudio.transforms.MelSpectrogram = mel_basis @ |STFT|**power (librosa.feature.
    melspectrogram with the same options), time-major (frames, n_mels)."""
    wfn = functools.partial(lambda n, kind, periodic: window(kind, n, periodic, torch.get_default_dtype()),
                            kind=p["window"], periodic=p["window_periodic"])
    with default_dtype(dtype), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = T.MelSpectrogram(sample_rate=p["sr"], n_fft=p["n_fft"], win_length=p["win_length"],
                             hop_length=p["hop_length"], f_min=float(p["fmin"]), f_max=float(p["fmax"]),
                             pad=0, n_mels=p["n_mels"], window_fn=wfn, power=float(p["power"]),
                             normalized=False, center=p["center"], pad_mode=p["pad_mode"],
                             onesided=True, norm=p["norm"], mel_scale="htk" if p["htk"] else "slaney")
    m = m.to(dtype)
    return m(torch.from_numpy(y).to(dtype)).T.numpy()


def power_to_db(S, ref, amin, top_db):
    """librosa.power_to_db:
        ref_value = max(S) over the whole array if ref == "max" (librosa: ref=np.max) else |ref|
        log_spec = 10 log10(max(amin, S)) - 10 log10(max(amin, ref_value))
        if top_db is not None: log_spec = max(log_spec, max(log_spec) - top_db)  (global max)"""
    ref_value = np.max(S) if ref == "max" else abs(ref)
    log_spec = 10.0 * np.log10(np.maximum(amin, S))
    log_spec = log_spec - 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec.astype(S.dtype)


def dct_ortho(n_out, n_in, dtype):
    """DCT-II, orthonormal (scipy.fftpack.dct(type=2, norm="ortho")) as a matrix (n_out, n_in):
        D[k, n] = sqrt(2 / n_in) cos(pi k (2n + 1) / (2 n_in)),  D[0, n] = sqrt(1 / n_in)"""
    n = np.arange(n_in)
    k = np.arange(n_out)[:, None]
    D = np.sqrt(2.0 / n_in) * np.cos(np.pi * k * (2 * n + 1) / (2 * n_in))
    D[0] = np.sqrt(1.0 / n_in)
    return D.astype(dtype)


def mfcc(y, p, dtype):
    """librosa.feature.mfcc(dct_type=2, norm="ortho"):
        M = DCT-II-ortho over the mel axis of power_to_db(melspectrogram(...), ref, amin, top_db)
        keep the first n_mfcc coefficients;
        lifter > 0: M[n] *= 1 + (lifter / 2) sin(pi (n + 1) / lifter), n = 0..n_mfcc-1"""
    S = power_to_db(melspectrogram(y, p, dtype), p["ref"], p["amin"], p["top_db"])
    M = S @ dct_ortho(p["n_mfcc"], p["n_mels"], np_dtype(dtype)).T
    if p["lifter"] > 0:
        n = np.arange(1, 1 + p["n_mfcc"], dtype=np_dtype(dtype))
        M = M * (1 + (p["lifter"] / 2) * np.sin(np.pi * n / p["lifter"]))
    return M


def tiny(dtype):
    return np.finfo(dtype).tiny


def _l1_normalise(S):
    """librosa.util.normalize(S, norm=1, axis=freq, threshold=None, fill=None): each frame divided
    by its sum; a frame whose sum is below tiny(dtype) (smallest normal) is divided by 1."""
    length = S.sum(axis=1, keepdims=True)
    length = np.where(length < tiny(S.dtype), 1.0, length).astype(S.dtype)
    return S / length


def fft_freqs(p, dtype):
    return (np.arange(p["n_fft"] // 2 + 1) * p["sr"] / p["n_fft"]).astype(dtype)


def spectral_centroid(y, p, dtype):
    """librosa.feature.spectral_centroid, S = |STFT| (power 1):
        centroid[t] = sum_k f_k S[k, t] / sum_k S[k, t]   (f_k = k sr / n_fft)
    a frame with sum_k S < tiny (silence) gives 0."""
    S = spectrogram(y, p, 1.0, dtype)
    return (_l1_normalise(S) * fft_freqs(p, S.dtype)).sum(axis=1)


def spectral_bandwidth(y, p, dtype):
    """librosa.feature.spectral_bandwidth(p=2, norm=True), S = |STFT|:
        bw[t] = (sum_k (S[k, t] / sum_j S[j, t]) |f_k - centroid[t]| ** p) ** (1 / p)
    (silent frames: 0)."""
    S = spectrogram(y, p, 1.0, dtype)
    f = fft_freqs(p, S.dtype)
    Sn = _l1_normalise(S)
    centroid = (Sn * f).sum(axis=1, keepdims=True)
    return (Sn * np.abs(f - centroid) ** p["p"]).sum(axis=1) ** (1.0 / p["p"])


def spectral_rolloff(y, p, dtype, margins=None):
    """librosa.feature.spectral_rolloff, S = |STFT| (magnitude, not power):
        C[k, t] = sum_{j <= k} S[j, t];  threshold[t] = roll_percent * C[K-1, t]
        rolloff[t] = f_k for the smallest k with C[k, t] >= threshold[t]
    (librosa: ind = where(C < threshold, nan, 1); nanmin(ind * freq)).  Silence: C == 0 ==
    threshold, so k = 0 and rolloff = 0."""
    S = spectrogram(y, p, 1.0, dtype)
    C = np.cumsum(S, axis=1)
    thr = p["roll_percent"] * C[:, -1:]
    k = np.argmax(C >= thr, axis=1)
    if margins is not None:
        # relative distance of the cumulative sums either side of the chosen bin from the threshold
        # (all-zero frames are exact in any arithmetic: no margin needed)
        tot = np.maximum(C[:, -1], 1e-300)
        rows = np.arange(len(k))
        above = (C[rows, k] - thr[:, 0]) / tot
        below = np.where(k > 0, (thr[:, 0] - C[rows, np.maximum(k - 1, 0)]) / tot, np.inf)
        margins.extend(np.where(C[:, -1] > 0, np.minimum(above, below), np.inf).tolist())
    return fft_freqs(p, S.dtype)[k]


def spectral_flatness(y, p, dtype):
    """librosa.feature.spectral_flatness(amin, power), S = |STFT|:
        X = max(amin, S ** power)
        flatness[t] = exp(mean_k log X[k, t]) / mean_k X[k, t]     (silence: 1)"""
    S = spectrogram(y, p, 1.0, dtype)
    X = np.maximum(np.asarray(p["amin"], dtype=S.dtype), S ** p["power"])
    return np.exp(np.mean(np.log(X), axis=1)) / np.mean(X, axis=1)


def frame(y, frame_length, hop_length):
    """librosa.util.frame: n_frames = 1 + (len(y) - frame_length) // hop_length."""
    n_frames = 1 + (len(y) - frame_length) // hop_length
    idx = np.arange(frame_length)[None, :] + hop_length * np.arange(n_frames)[:, None]
    return y[idx]


def zero_crossing_rate(y, p, dtype):
    """librosa.feature.zero_crossing_rate (librosa.zero_crossings(threshold=1e-10,
    ref_magnitude=None, zero_pos=True, pad=False)):
        center: pad frame_length//2 on both sides with mode "edge" (repeat the end samples)
        frames of frame_length every hop_length;  y[|y| <= threshold] = 0
        s[n] = signbit(y[n])  (zero_pos: 0 counts as positive)
        zcr[t] = (number of n in 1..frame_length-1 with s[n] != s[n-1]) / frame_length"""
    y = y.astype(dtype)
    fl, hop = p["frame_length"], p["hop_length"]
    if p["center"]:
        y = np.pad(y, (fl // 2, fl // 2), mode=p["pad_mode"])
    fr = frame(y, fl, hop).copy()
    fr[np.abs(fr) <= p["threshold"]] = 0
    s = np.signbit(fr)
    return (s[:, 1:] != s[:, :-1]).sum(axis=1).astype(dtype) / fl


def rms(y, p, dtype):
    """librosa.feature.rms(y=...):
        center: pad frame_length//2 on both sides with pad_mode (librosa >= 0.10: "constant")
        rms[t] = sqrt(mean_{n in frame t} y[n]^2)"""
    y = y.astype(dtype)
    fl, hop = p["frame_length"], p["hop_length"]
    if p["center"]:
        y = np.pad(y, (fl // 2, fl // 2), mode=p["pad_mode"])
    return np.sqrt(np.mean(frame(y, fl, hop) ** 2, axis=1))


def yin(y, p, dtype, margins=None):
    """librosa.yin; params["formulation"] picks librosa 0.10's or 0.11's difference function
    (everything else is the same code in both).  Frames along axis 0 here:
      center: pad frame_length//2 on both sides with pad_mode (default "constant");
      frames x[0..N-1] of N = frame_length samples every hop_length (default N // 4).
      difference function d[k]: yin_010_difference / yin_011_difference below;
      c[i] = d[k] / ((sum_{j=1..k} d[j]) / k + tiny),  k = min_period + i, i = 0..max-min
             (tiny = smallest normal number of the dtype)
      parabolic shift at i (0 at both ends): a = c[i+1] + c[i-1] - 2 c[i], b = (c[i+1] - c[i-1]) / 2,
        shift = -b / a if |b| < |a| else 0
      trough[i] = c[i] < c[i-1] and c[i] <= c[i+1] (util.localmin, edge-padded: the last element is
        a trough if c[-1] < c[-2]); trough[0] = c[0] < c[1]
      i* = first trough with c[i] < trough_threshold, else argmin(c) (first index of the minimum)
      f0 = sr / (min_period + i* + shift[i*])"""
    npd = dtype
    y = y.astype(npd)
    N = p["frame_length"]
    sr = p["sr"]
    if p["center"]:
        y = np.pad(y, (N // 2, N // 2), mode=p["pad_mode"])
    x = frame(y, N, p["hop_length"])  # (frames, N)
    if p["formulation"] == "librosa-0.10":
        d, min_period, max_period = yin_010_difference(x, p, npd)
    elif p["formulation"] == "librosa-0.11":
        d, min_period, max_period = yin_011_difference(x, p, npd)
    else:
        raise ValueError(p["formulation"])
    num = d[:, min_period:max_period + 1]
    k = np.arange(1, max_period + 1, dtype=npd)
    cmean = np.cumsum(d[:, 1:max_period + 1], axis=1) / k
    den = cmean[:, min_period - 1:max_period]
    c = num / (den + tiny(npd))
    # parabolic interpolation
    shifts = np.zeros_like(c)
    pa = c[:, 2:] + c[:, :-2] - 2 * c[:, 1:-1]
    pb = (c[:, 2:] - c[:, :-2]) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        shifts[:, 1:-1] = np.where(np.abs(pb) < np.abs(pa), -pb / pa, 0)
    # troughs
    cp = np.pad(c, ((0, 0), (1, 1)), mode="edge")
    trough = (c < cp[:, :-2]) & (c <= cp[:, 2:])
    trough[:, 0] = c[:, 0] < c[:, 1]
    thr_trough = trough & (c < p["trough_threshold"])
    gmin = np.argmin(c, axis=1)
    period = np.argmax(thr_trough, axis=1)
    none = ~thr_trough.any(axis=1)
    period[none] = gmin[none]
    rows = np.arange(len(period))
    if margins is not None:
        # distance of any trough's value from the threshold (a decision that round-off could flip)
        dist = np.where(trough, np.abs(c - p["trough_threshold"]), np.inf).min(axis=1)
        margins.extend(dist.tolist())
    return sr / (min_period + period + shifts[rows, period])


def yin_010_difference(x, p, npd):
    """librosa 0.10 (win_length W, default N // 2):
      min_period = floor(sr / fmax); max_period = min(ceil(sr / fmin), N - W - 1)
      for tau = 0..N-W-1 (librosa's FFT formulation sums from sample 1, not 0):
        acf[tau]    = sum_{m=1..W} x[m] x[m + tau]            (set to 0 where |acf| < 1e-6)
        energy[tau] = sum_{m=tau+1..tau+W} x[m]^2             (set to 0 where |energy| < 1e-6)
        d[tau]      = energy[0] + energy[tau] - 2 acf[tau]"""
    N, W = p["frame_length"], p["win_length"]
    min_period = int(np.floor(p["sr"] / p["fmax"]))
    max_period = min(int(np.ceil(p["sr"] / p["fmin"])), N - W - 1)
    # FFT in the working dtype (torch.fft keeps float32 as float32; numpy would upcast)
    xt = torch.from_numpy(np.ascontiguousarray(x))
    a = torch.fft.rfft(xt, N, dim=1)
    b = torch.fft.rfft(torch.flip(xt[:, 1:W + 1], dims=[1]), N, dim=1)  # x[W], x[W-1], ..., x[1]
    acf = torch.fft.irfft(a * b, N, dim=1)[:, W:].numpy().astype(npd)
    acf[np.abs(acf) < 1e-6] = 0
    energy = np.cumsum(x ** 2, axis=1, dtype=npd)
    energy = energy[:, W:] - energy[:, :-W]
    energy[np.abs(energy) < 1e-6] = 0
    return energy[:, :1] + energy - 2 * acf, min_period, max_period


def yin_011_difference(x, p, npd):
    """librosa 0.11 (win_length deprecated; "equation 8" over the whole frame):
      min_period = floor(sr / fmax); max_period = min(ceil(sr / fmin), N - 1)
      ACF[k] = sum_{n=0..N-1-k} x[n] x[n+k]     (linear autocorrelation, librosa.autocorrelate)
      E[k]   = sum_{m=0..k} x[m]^2
      d[0] = 0;  d[k] = 2 (ACF[0] - ACF[k]) - E[k-1]      k = 1..max_period"""
    N = p["frame_length"]
    min_period = int(np.floor(p["sr"] / p["fmax"]))
    max_period = min(int(np.ceil(p["sr"] / p["fmin"])), N - 1)
    n_pad = 1 << int(math.ceil(math.log2(2 * N - 1)))
    X = torch.fft.rfft(torch.from_numpy(np.ascontiguousarray(x)), n_pad, dim=1)
    acf = torch.fft.irfft(X.abs() ** 2, n_pad, dim=1)[:, :max_period + 1].numpy().astype(npd)
    E = np.cumsum(x ** 2, axis=1, dtype=npd)
    d = np.zeros((x.shape[0], max_period + 1), dtype=npd)
    d[:, 1:] = 2 * (acf[:, :1] - acf[:, 1:]) - E[:, :max_period]
    return d, min_period, max_period


_orig_get_epsilon = kaldi._get_epsilon


@contextlib.contextmanager
def kaldi_float32_epsilon():
    """torchaudio.compliance.kaldi floors with torch.finfo(dtype).eps.  earshot works on float32
    input, for which torchaudio uses FLT_EPSILON; keep that floor when we compute in float64."""
    kaldi._get_epsilon = lambda device, dtype: torch.tensor(F32_EPS, device=device, dtype=dtype)
    try:
        yield
    finally:
        kaldi._get_epsilon = _orig_get_epsilon


def kaldi_fbank(y, p, dtype):
    """torchaudio.compliance.kaldi.fbank(waveform[None], **params), (frames, bins)."""
    kw = {k: v for k, v in p.items()}
    with default_dtype(dtype), kaldi_float32_epsilon():
        out = kaldi.fbank(torch.from_numpy(y).to(dtype)[None, :], **kw)
    return out.numpy()


AST_MEAN = -4.2677393
AST_STD = 4.5689974
AST_MAX_LENGTH = 1024
AST_FBANK = dict(htk_compat=True, sample_frequency=16000, use_energy=False, window_type="hanning",
                 num_mel_bins=128, dither=0.0, frame_shift=10)


def ast_input(y, p, dtype):
    """transformers' ASTFeatureExtractor (feature_extraction_audio_spectrogram_transformer.py):
        fbank = torchaudio.compliance.kaldi.fbank(waveform[None], htk_compat=True,
                    sample_frequency=16000, use_energy=False, window_type="hanning",
                    num_mel_bins=128, dither=0.0, frame_shift=10)   # other options: defaults
        (the waveform is used as given: float32 in [-1, 1], no * 2**15)
        pad with rows of zeros at the end, or truncate, to max_length = 1024 frames
        input_values = (fbank - mean) / (2 * std), mean = -4.2677393, std = 4.5689974"""
    kw = {k: p[k] for k in FBANK_DEFAULTS}
    fb = kaldi_fbank(y, kw, dtype)
    n = fb.shape[0]
    p["fbank_frames"] = n  # frames before padding/truncation (informative)
    if n < p["max_length"]:
        fb = np.concatenate([fb, np.zeros((p["max_length"] - n, fb.shape[1]), dtype=fb.dtype)])
    else:
        fb = fb[:p["max_length"]]
    return (fb - p["mean"]) / (p["std"] * 2)


# --------------------------------------------------------------------------------------------
# The covering set of cases
# --------------------------------------------------------------------------------------------

STFT_DEFAULTS = dict(n_fft=2048, hop_length=512, win_length=None, window="hann", window_periodic=True,
                     center=True, pad_mode="constant")
MEL_DEFAULTS = dict(STFT_DEFAULTS, power=2.0, n_mels=128, fmin=0.0, fmax=None, htk=False, norm="slaney")
DB_DEFAULTS = dict(ref=1.0, amin=1e-10, top_db=80.0)
FBANK_DEFAULTS = dict(blackman_coeff=0.42, channel=-1, dither=0.0, energy_floor=1.0, frame_length=25.0,
                      frame_shift=10.0, high_freq=0.0, htk_compat=False, low_freq=20.0, min_duration=0.0,
                      num_mel_bins=23, preemphasis_coefficient=0.97, raw_energy=True, remove_dc_offset=True,
                      round_to_power_of_two=True, sample_frequency=16000.0, snip_edges=True,
                      subtract_mean=False, use_energy=False, use_log_fbank=True, use_power=True,
                      vtln_high=-500.0, vtln_low=100.0, vtln_warp=1.0, window_type="povey")
YIN_DEFAULTS = dict(fmin=65.0, fmax=2093.0, frame_length=2048, win_length=None, hop_length=None,
                    trough_threshold=0.1, center=True, pad_mode="constant", formulation="librosa-0.10")
YIN011_DEFAULTS = dict(fmin=65.0, fmax=2093.0, frame_length=2048, hop_length=None, trough_threshold=0.1,
                       center=True, pad_mode="constant", formulation="librosa-0.11")
LIBROSA_SIGNALS = ["chirp_22050", "tones_22050", "noise_22050", "amnoise_22050", "silence_22050",
                   "clipped_22050"]
KALDI_SIGNALS = ["chirp_16000", "tones_16000", "noise_16000", "amnoise_16000", "silence_16000",
                 "clipped_16000"]


def complete(params, defaults, sr=None):
    p = dict(defaults)
    p.update(params)
    if sr is not None:
        p["sr"] = sr
    if "n_fft" in p and p.get("win_length") is None:
        p["win_length"] = p["n_fft"]
    if "fmax" in p and p["fmax"] is None and "sr" in p:
        p["fmax"] = p["sr"] / 2.0
    return p


def cases():
    out = []

    def add(name, feature, inp, params):
        sr = SIGNALS[inp][0] if inp else params.get("sr")
        out.append(dict(name=name, feature=feature, input=inp, sample_rate=sr, params=params))

    # windows: every type, both symmetries, even and odd lengths
    for kind in ["hann", "hamming", "blackman", "povey", "rectangular"]:
        for periodic in [True, False]:
            for n in [400, 511] + ([2048] if kind in ("hann", "hamming") else []):
                add(f"window_{kind}_{'periodic' if periodic else 'symmetric'}_{n}", "window", None,
                    dict(window=kind, window_periodic=periodic, win_length=n))

    # mel filterbanks (librosa layout (n_mels, n_fft//2+1))
    fbs = [
        ("slaney_slaney_22050_512_40", dict(sr=22050, n_fft=512, n_mels=40)),
        ("slaney_slaney_22050_256_96_empty", dict(sr=22050, n_fft=256, n_mels=96)),
        ("htk_none_22050_256_40_50_8000", dict(sr=22050, n_fft=256, n_mels=40, fmin=50.0, fmax=8000.0,
                                               htk=True, norm=None)),
        ("htk_slaney_16000_400_40", dict(sr=16000, n_fft=400, n_mels=40, htk=True)),
        ("slaney_none_16000_256_64_20_7600", dict(sr=16000, n_fft=256, n_mels=64, fmin=20.0, fmax=7600.0,
                                                  norm=None)),
        ("slaney_slaney_22050_512_32_300_5000", dict(sr=22050, n_fft=512, n_mels=32, fmin=300.0,
                                                     fmax=5000.0)),
    ]
    for name, prm in fbs:
        d = dict(n_mels=128, fmin=0.0, fmax=None, htk=False, norm="slaney")
        d.update(prm)
        if d["fmax"] is None:
            d["fmax"] = d["sr"] / 2.0
        add(f"melfb_{name}", "mel_filterbank", None, d)

    # STFT: each window type and symmetry, center on/off, constant/reflect, power 1/2, win_length
    stfts = [
        ("stft_power", "chirp_short_22050", "default", {}),
        ("stft_magnitude", "chirp_short_22050", "hamming_1024_256_wl800_reflect",
         dict(n_fft=1024, hop_length=256, win_length=800, window="hamming", pad_mode="reflect")),
        ("stft_power", "noise_short_22050", "hann_sym_512_128_nocenter",
         dict(n_fft=512, hop_length=128, window_periodic=False, center=False)),
        ("stft_power", "noise_short_22050", "blackman_512_160",
         dict(n_fft=512, hop_length=160, window="blackman")),
        ("stft_power", "chirp_short_22050", "povey_sym_400_160_reflect",
         dict(n_fft=400, hop_length=160, window="povey", window_periodic=False, pad_mode="reflect")),
        ("stft_magnitude", "chirp_short_22050", "rect_256_64_wl200_nocenter",
         dict(n_fft=256, hop_length=64, win_length=200, window="rectangular", center=False)),
        ("stft_power", "noise_short_22050", "hamming_sym_512_100",
         dict(n_fft=512, hop_length=100, window="hamming", window_periodic=False)),
        ("stft_magnitude", "noise_short_22050", "blackman_sym_256_128_reflect",
         dict(n_fft=256, hop_length=128, window="blackman", window_periodic=False, pad_mode="reflect")),
        ("stft_power", "chirp_short_22050", "povey_periodic_512_256_nocenter",
         dict(n_fft=512, hop_length=256, window="povey", center=False)),
        ("stft_power", "silence_22050", "hann_1024_512_wl1000", dict(n_fft=1024, hop_length=512, win_length=1000)),
    ]
    for feat, inp, tag, prm in stfts:
        add(f"{feat}_{inp}_{tag}", feat, inp, complete(prm, STFT_DEFAULTS, SIGNALS[inp][0]))

    # mel spectrogram, power_to_db, mfcc: defaults on every signal
    for inp in LIBROSA_SIGNALS:
        sr = SIGNALS[inp][0]
        add(f"mel_{inp}_default", "mel", inp, complete({}, MEL_DEFAULTS, sr))
        if inp in ("chirp_22050", "silence_22050", "clipped_22050"):
            add(f"power_to_db_{inp}_default", "power_to_db", inp, complete(DB_DEFAULTS, MEL_DEFAULTS, sr))
        add(f"mfcc_{inp}_default", "mfcc", inp,
            complete(dict(DB_DEFAULTS, n_mfcc=20, lifter=0, dct_type=2, dct_norm="ortho"), MEL_DEFAULTS, sr))

    mels = [
        ("chirp_22050", "htk_nonorm_40_50_8000", dict(htk=True, norm=None, n_mels=40, fmin=50.0, fmax=8000.0)),
        ("tones_22050", "slaney_nonorm_power1", dict(norm=None, power=1.0)),
        ("noise_22050", "htk_slaney_nocenter", dict(htk=True, center=False)),
        ("amnoise_22050", "hamming_1024_256_wl800_reflect_64",
         dict(n_fft=1024, hop_length=256, win_length=800, window="hamming", pad_mode="reflect", n_mels=64)),
        ("chirp_short_22050", "512_128_narrow_filters", dict(n_fft=512, hop_length=128, n_mels=128)),
        ("clipped_22050", "fmin300_fmax5000_blackman_sym", dict(fmin=300.0, fmax=5000.0, window="blackman",
                                                                window_periodic=False, n_mels=64)),
        ("chirp_22050", "povey_400_160_htk_80_empty_filter0", dict(n_fft=400, hop_length=160, window="povey",
                                                      window_periodic=False, htk=True, n_mels=80)),
    ]
    for inp, tag, prm in mels:
        add(f"mel_{inp}_{tag}", "mel", inp, complete(prm, MEL_DEFAULTS, SIGNALS[inp][0]))

    dbs = [
        ("chirp_22050", "ref_max_no_top_db", dict(ref="max", top_db=None), {}),
        ("tones_22050", "ref_max_top_db60_amin1e-5", dict(ref="max", top_db=60.0, amin=1e-5), {}),
        ("noise_22050", "ref2_top_db40_power1", dict(ref=2.0, top_db=40.0), dict(power=1.0)),
        ("silence_22050", "ref_max_top_db80", dict(ref="max", top_db=80.0), {}),
        ("amnoise_22050", "ref1_no_top_db_htk", dict(top_db=None), dict(htk=True, norm=None, n_mels=40)),
    ]
    for inp, tag, dbp, melp in dbs:
        add(f"power_to_db_{inp}_{tag}", "power_to_db", inp,
            complete(dict(DB_DEFAULTS, **dbp), dict(MEL_DEFAULTS, **melp), SIGNALS[inp][0]))

    mfccs = [
        ("chirp_22050", "13_lifter22", dict(n_mfcc=13, lifter=22)),
        ("tones_22050", "40_nolifter", dict(n_mfcc=40, lifter=0)),
        ("noise_22050", "13_htk_nonorm_40mels_lifter22", dict(n_mfcc=13, lifter=22, htk=True, norm=None,
                                                              n_mels=40, fmin=20.0, fmax=8000.0)),
        ("amnoise_22050", "20_lifter1.5", dict(n_mfcc=20, lifter=1.5)),
        ("clipped_22050", "20_reflect_1024_256", dict(n_fft=1024, hop_length=256, pad_mode="reflect",
                                                      n_mels=64, lifter=10)),
        ("silence_22050", "13_lifter22", dict(n_mfcc=13, lifter=22)),
    ]
    for inp, tag, prm in mfccs:
        d = dict(DB_DEFAULTS, n_mfcc=20, lifter=0, dct_type=2, dct_norm="ortho")
        d.update(prm)
        add(f"mfcc_{inp}_{tag}", "mfcc", inp, complete(d, MEL_DEFAULTS, SIGNALS[inp][0]))

    # spectral descriptors, zcr, rms, yin: defaults on every signal + variants
    for inp in LIBROSA_SIGNALS:
        sr = SIGNALS[inp][0]
        add(f"centroid_{inp}_default", "centroid", inp, complete({}, STFT_DEFAULTS, sr))
        add(f"bandwidth_{inp}_default", "bandwidth", inp, complete(dict(p=2.0, norm=True), STFT_DEFAULTS, sr))
        add(f"rolloff_{inp}_default", "rolloff", inp, complete(dict(roll_percent=0.85), STFT_DEFAULTS, sr))
        add(f"flatness_{inp}_default", "flatness", inp, complete(dict(amin=1e-10, power=2.0), STFT_DEFAULTS, sr))
        add(f"zcr_{inp}_default", "zcr", inp,
            dict(sr=sr, frame_length=2048, hop_length=512, center=True, pad_mode="edge", threshold=1e-10,
                 zero_pos=True))
        add(f"rms_{inp}_default", "rms", inp,
            dict(sr=sr, frame_length=2048, hop_length=512, center=True, pad_mode="constant"))
        add(f"yin_{inp}_default", "yin", inp, complete({}, YIN_DEFAULTS, sr))
        add(f"yin_librosa_0_11_{inp}_default", "yin_librosa_0_11", inp, complete({}, YIN011_DEFAULTS, sr))

    var = dict(n_fft=1024, hop_length=256, center=False)
    add("centroid_chirp_22050_1024_256_nocenter", "centroid", "chirp_22050", complete(var, STFT_DEFAULTS, 22050))
    add("centroid_tones_22050_hamming_reflect", "centroid", "tones_22050",
        complete(dict(window="hamming", pad_mode="reflect", win_length=1500), STFT_DEFAULTS, 22050))
    add("bandwidth_chirp_22050_p1", "bandwidth", "chirp_22050",
        complete(dict(p=1.0, norm=True), STFT_DEFAULTS, 22050))
    add("bandwidth_amnoise_22050_1024_256_nocenter", "bandwidth", "amnoise_22050",
        complete(dict(var, p=2.0, norm=True), STFT_DEFAULTS, 22050))
    for rp in [0.5, 0.99]:
        add(f"rolloff_chirp_22050_{rp}", "rolloff", "chirp_22050",
            complete(dict(roll_percent=rp), STFT_DEFAULTS, 22050))
    add("rolloff_clipped_22050_0.95_1024_256_reflect", "rolloff", "clipped_22050",
        complete(dict(roll_percent=0.95, n_fft=1024, hop_length=256, pad_mode="reflect"), STFT_DEFAULTS, 22050))
    add("flatness_tones_22050_power1_amin1e-5", "flatness", "tones_22050",
        complete(dict(amin=1e-5, power=1.0), STFT_DEFAULTS, 22050))
    add("flatness_noise_22050_512_128_nocenter", "flatness", "noise_22050",
        complete(dict(amin=1e-10, power=2.0, n_fft=512, hop_length=128, center=False), STFT_DEFAULTS, 22050))
    add("zcr_chirp_22050_1024_256_nocenter", "zcr", "chirp_22050",
        dict(sr=22050, frame_length=1024, hop_length=256, center=False, pad_mode="edge", threshold=1e-10,
             zero_pos=True))
    add("zcr_clipped_22050_512_100", "zcr", "clipped_22050",
        dict(sr=22050, frame_length=512, hop_length=100, center=True, pad_mode="edge", threshold=1e-10,
             zero_pos=True))
    add("rms_chirp_22050_reflect", "rms", "chirp_22050",
        dict(sr=22050, frame_length=2048, hop_length=512, center=True, pad_mode="reflect"))
    add("rms_amnoise_22050_1024_256_nocenter", "rms", "amnoise_22050",
        dict(sr=22050, frame_length=1024, hop_length=256, center=False, pad_mode="constant"))
    for feat, defaults in (("yin", YIN_DEFAULTS), ("yin_librosa_0_11", YIN011_DEFAULTS)):
        add(f"{feat}_tones_22050_100_1000_1024_nocenter", feat, "tones_22050",
            complete(dict(fmin=100.0, fmax=1000.0, frame_length=1024, center=False, trough_threshold=0.2),
                     defaults, 22050))
        add(f"{feat}_tones_16000_80_800", feat, "tones_16000",
            complete(dict(fmin=80.0, fmax=800.0, frame_length=1024), defaults, 16000))
    add("yin_clipped_22050_reflect_wl700_hop300", "yin", "clipped_22050",
        complete(dict(win_length=700, hop_length=300, pad_mode="reflect"), YIN_DEFAULTS, 22050))
    add("yin_librosa_0_11_clipped_22050_reflect_hop300", "yin_librosa_0_11", "clipped_22050",
        complete(dict(hop_length=300, pad_mode="reflect"), YIN011_DEFAULTS, 22050))

    # Kaldi fbank (torchaudio.compliance.kaldi.fbank)
    for inp in KALDI_SIGNALS:
        add(f"kaldi_fbank_{inp}_default", "kaldi_fbank", inp, dict(FBANK_DEFAULTS))
    kals = [
        ("chirp_16000", "hanning_80", dict(window_type="hanning", num_mel_bins=80)),
        ("tones_16000", "hamming_40", dict(window_type="hamming", num_mel_bins=40)),
        ("noise_16000", "rectangular", dict(window_type="rectangular")),
        ("amnoise_16000", "blackman", dict(window_type="blackman")),
        ("clipped_16000", "blackman_coeff0.5", dict(window_type="blackman", blackman_coeff=0.5)),
        ("chirp_16000", "no_snip_edges", dict(snip_edges=False)),
        ("clipped_16000", "no_snip_edges_hanning_128", dict(snip_edges=False, window_type="hanning",
                                                            num_mel_bins=128)),
        ("tones_16000", "no_round_pow2", dict(round_to_power_of_two=False)),
        ("chirp_16000", "energy", dict(use_energy=True)),
        ("chirp_16000", "energy_htk_compat", dict(use_energy=True, htk_compat=True)),
        ("amnoise_16000", "energy_not_raw_floor0", dict(use_energy=True, raw_energy=False, energy_floor=0.0)),
        ("silence_16000", "energy_floor0", dict(use_energy=True, energy_floor=0.0)),
        ("silence_16000", "energy_floor1_htk", dict(use_energy=True, htk_compat=True)),
        ("amnoise_16000", "linear_fbank", dict(use_log_fbank=False)),
        ("clipped_16000", "magnitude", dict(use_power=False)),
        ("clipped_16000", "no_dc_removal", dict(remove_dc_offset=False)),
        ("tones_16000", "no_preemphasis", dict(preemphasis_coefficient=0.0)),
        ("noise_16000", "low100_high-400", dict(low_freq=100.0, high_freq=-400.0)),
        ("chirp_16000", "low60_high6000_128", dict(low_freq=60.0, high_freq=6000.0, num_mel_bins=128)),
        ("amnoise_16000", "20ms_12.5ms_no_round", dict(frame_length=20.0, frame_shift=12.5,
                                                       round_to_power_of_two=False, num_mel_bins=40)),
        ("noise_16000", "32ms_no_snip_magnitude_linear", dict(frame_length=32.0, snip_edges=False,
                                                              use_power=False, use_log_fbank=False)),
        ("tones_16000", "kitchen_sink", dict(window_type="hamming", snip_edges=False, use_energy=True,
                                             htk_compat=True, remove_dc_offset=False,
                                             preemphasis_coefficient=0.5, round_to_power_of_two=False,
                                             low_freq=0.0, high_freq=-1000.0, num_mel_bins=64)),
    ]
    for inp, tag, prm in kals:
        add(f"kaldi_fbank_{inp}_{tag}", "kaldi_fbank", inp, dict(FBANK_DEFAULTS, **prm))

    # AST front end
    astp = dict(FBANK_DEFAULTS, **AST_FBANK)
    astp["sample_frequency"] = 16000.0
    astp["frame_shift"] = 10.0
    astp.update(max_length=AST_MAX_LENGTH, mean=AST_MEAN, std=AST_STD)
    add("ast_input_chirp_16000", "ast_input", "chirp_16000", dict(astp))
    add("ast_input_long_16000", "ast_input", "long_16000", dict(astp))
    return out


def finish_params(c):
    """Fill derived values a C++ implementer needs (hop/win defaults) without changing meaning."""
    p = c["params"]
    if c["feature"] in ("yin", "yin_librosa_0_11"):
        if p.get("win_length", 0) is None:
            p["win_length"] = p["frame_length"] // 2
        if p.get("hop_length") is None:
            p["hop_length"] = p["frame_length"] // 4
        p["sr"] = c["sample_rate"]
    return c


COMPUTE = {
    "stft_power": lambda y, p, dt: spectrogram(y, p, 2.0, dt),
    "stft_magnitude": lambda y, p, dt: spectrogram(y, p, 1.0, dt),
    "mel": melspectrogram,
    "power_to_db": lambda y, p, dt: power_to_db(melspectrogram(y, p, dt), p["ref"], p["amin"], p["top_db"]),
    "mfcc": mfcc,
    "centroid": spectral_centroid,
    "bandwidth": spectral_bandwidth,
    "rolloff": spectral_rolloff,
    "flatness": spectral_flatness,
    "zcr": zero_crossing_rate,
    "rms": rms,
    "yin": yin,
    "yin_librosa_0_11": yin,
    "kaldi_fbank": lambda y, p, dt: kaldi_fbank(y, {k: p[k] for k in FBANK_DEFAULTS}, dt),
    "ast_input": ast_input,
    "mel_filterbank": lambda y, p, dt: torch_mel_filterbank(p, dt),
    "window": lambda y, p, dt: window(p["window"], p["win_length"], p["window_periodic"], dt).numpy(),
}


def compute(c, y, tdtype):
    npd = np_dtype(tdtype)
    f = COMPUTE[c["feature"]]
    if c["feature"] in ("centroid", "bandwidth", "rolloff", "flatness", "zcr", "rms", "yin", "yin_librosa_0_11"):
        # numpy formulas: dtype decides numpy arithmetic; spectrogram() takes a torch dtype
        if c["feature"] in ("zcr", "rms", "yin", "yin_librosa_0_11"):
            return f(y, c["params"], npd)
        return f(y, c["params"], tdtype)
    return f(y, c["params"], tdtype)


# --------------------------------------------------------------------------------------------
# Sanity checks
# --------------------------------------------------------------------------------------------

def expected_frames(c, n):
    p, f = c["params"], c["feature"]
    if f in ("stft_power", "stft_magnitude", "mel", "power_to_db", "mfcc", "centroid", "bandwidth",
             "rolloff", "flatness"):
        return 1 + n // p["hop_length"] if p["center"] else 1 + (n - p["n_fft"]) // p["hop_length"]
    if f in ("zcr", "rms", "yin", "yin_librosa_0_11"):
        return 1 + n // p["hop_length"] if p["center"] else 1 + (n - p["frame_length"]) // p["hop_length"]
    if f == "kaldi_fbank":
        sr = p["sample_frequency"]
        shift = int(sr * p["frame_shift"] * 0.001)
        size = int(sr * p["frame_length"] * 0.001)
        return 1 + (n - size) // shift if p["snip_edges"] else (n + shift // 2) // shift
    if f == "ast_input":
        return p["max_length"]
    return None


def sanity_checks(c, y, gold, report):
    f, p = c["feature"], c["params"]
    if y is not None:
        nf = expected_frames(c, len(y))
        assert gold.shape[0] == nf, (c["name"], gold.shape, nf)
    if f in ("stft_power", "stft_magnitude"):
        ref = np_spectrogram(y, p, 2.0 if f == "stft_power" else 1.0)
        err = np.max(np.abs(ref - gold)) / max(np.max(np.abs(ref)), 1e-30)
        assert err < 1e-6, (c["name"], err)
        report.setdefault("stft vs numpy rfft (max abs / peak)", []).append(err)
    if f == "mel":
        W = np_mel_filterbank(p["sr"], p["n_fft"], p["n_mels"], p["fmin"], p["fmax"], p["htk"], p["norm"])
        ref = np_spectrogram(y, p, p["power"]) @ W.T
        err = np.max(np.abs(ref - gold) / np.maximum(np.abs(ref), 1e-6 * max(ref.max(), 1e-30)))
        assert err < 1e-5, (c["name"], err)
        report.setdefault("mel vs numpy filters.mel @ |rfft|^p (max rel)", []).append(err)
        empty = [int(i) for i in np.where(W.max(axis=1) == 0)[0]]
        if empty:
            p["empty_filters"] = empty
    if f == "mel_filterbank":
        W = np_mel_filterbank(p["sr"], p["n_fft"], p["n_mels"], p["fmin"], p["fmax"], p["htk"], p["norm"])
        err = np.max(np.abs(W - gold)) / np.max(W)
        assert err < 1e-6, (c["name"], err)
        report.setdefault("melscale_fbanks vs numpy filters.mel (max abs / peak)", []).append(err)
        empty = [int(i) for i in np.where(W.max(axis=1) == 0)[0]]
        if empty:
            p["empty_filters"] = empty
    if f == "mfcc" and p["ref"] == 1.0 and p["amin"] == 1e-10 and p["top_db"] == 80.0 and p["lifter"] == 0:
        wfn = functools.partial(lambda n, kind, periodic: window(kind, n, periodic, torch.get_default_dtype()),
                                kind=p["window"], periodic=p["window_periodic"])
        with default_dtype(torch.float64), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = T.MFCC(sample_rate=p["sr"], n_mfcc=p["n_mfcc"], dct_type=2, norm="ortho", log_mels=False,
                       melkwargs=dict(n_fft=p["n_fft"], win_length=p["win_length"], hop_length=p["hop_length"],
                                      f_min=p["fmin"], f_max=p["fmax"], n_mels=p["n_mels"], window_fn=wfn,
                                      power=p["power"], center=p["center"], pad_mode=p["pad_mode"],
                                      norm=p["norm"], mel_scale="htk" if p["htk"] else "slaney"))
            ref = m.to(torch.float64)(torch.from_numpy(y).to(torch.float64)).T.numpy()
        err = np.max(np.abs(ref - gold))
        assert err < 1e-3, (c["name"], err)
        report.setdefault("mfcc vs torchaudio.transforms.MFCC (max abs)", []).append(err)
    if f == "power_to_db" and p["ref"] != "max":
        mel = melspectrogram(y, p, torch.float64)
        ref = T.AmplitudeToDB("power", top_db=p["top_db"])
        ref.amin, ref.ref_value = p["amin"], p["ref"]
        ref.db_multiplier = math.log10(max(p["amin"], p["ref"]))
        out = ref(torch.from_numpy(mel.T)).T.numpy()
        err = np.max(np.abs(out - gold))
        assert err < 1e-3, (c["name"], err)
        report.setdefault("power_to_db vs torchaudio AmplitudeToDB (max abs)", []).append(err)
    if f == "kaldi_fbank":
        out = kaldi.fbank(torch.from_numpy(y)[None, :], **{k: p[k] for k in FBANK_DEFAULTS}).numpy()
        report.setdefault("kaldi fbank float64 vs torchaudio float32 as-is (max abs)", []).append(
            float(np.max(np.abs(out - gold))) if out.size else 0.0)


def diff_stats(gold, f32, feature):
    d = np.abs(gold.astype(np.float64) - f32.astype(np.float64))
    peak = float(np.max(np.abs(gold))) if gold.size else 0.0
    # max_rel: |diff| / max(|golden|, 1e-6 * peak) elementwise
    rel = d / np.maximum(np.abs(gold.astype(np.float64)), 1e-6 * peak) if d.size and peak > 0 else d
    s = {"max_abs": float(d.max()) if d.size else 0.0,
         "max_abs_over_peak": float(d.max() / peak) if d.size and peak > 0 else 0.0,
         "max_rel": float(rel.max()) if d.size else 0.0}
    if feature in ("rolloff", "yin", "yin_librosa_0_11"):
        rel = d / np.maximum(np.abs(gold), 1e-30)
        s["frames_differing"] = [int(i) for i in np.where(rel > 1e-3)[0]]
    return s


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def save_npy(path, a):
    a = np.ascontiguousarray(a, dtype="<f4")
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, a, allow_pickle=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="recompute and compare with the files on disk")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    torch.manual_seed(0)
    np.seterr(all="ignore")

    inputs = {name: make_signal(name) for name in SIGNALS}
    manifest_inputs = []
    for name, y in inputs.items():
        sr, n, desc = SIGNALS[name]
        rel = f"{INPUT_DIR}/{name}.npy"
        manifest_inputs.append(dict(name=name, file=rel, sample_rate=sr, num_samples=n, description=desc))
        if args.check:
            old = np.load(args.out / rel)
            assert np.array_equal(old, y), f"input {name} differs"
        else:
            save_npy(args.out / rel, y)

    entries, report, unstable = [], {}, []
    for c in cases():
        c = finish_params(c)
        y = inputs[c["input"]] if c["input"] else None
        gold64 = compute(c, y, torch.float64)
        f32 = compute(c, y, torch.float32)
        margins = []
        if c["feature"] == "rolloff":
            spectral_rolloff(y, c["params"], torch.float64, margins)
        if c["feature"] in ("yin", "yin_librosa_0_11"):
            yin(y, c["params"], np.float64, margins)
        gold = gold64.astype(np.float32)
        sanity_checks(c, y, gold64, report)
        stats = diff_stats(gold, f32, c["feature"])
        fragile = set(stats.get("frames_differing", []))
        if c["feature"] == "rolloff":
            fragile |= {i for i, m in enumerate(margins) if m < 1e-5}
        if c["feature"] in ("yin", "yin_librosa_0_11"):
            fragile |= {i for i, m in enumerate(margins) if m < 1e-5}
        rel = f"{GOLDEN_DIR}/{c['name']}.npy"
        e = dict(name=c["name"], input=(f"{INPUT_DIR}/{c['input']}.npy" if c["input"] else None),
                 feature=c["feature"], params=c["params"], output=rel, shape=list(gold.shape),
                 float32_pipeline_diff=stats)
        if c["sample_rate"] is not None:
            e["sample_rate"] = c["sample_rate"]
        if c["feature"] in ("rolloff", "yin", "yin_librosa_0_11"):
            e["unstable_frames"] = sorted(fragile)
            if fragile:
                unstable.append((c["name"], sorted(fragile)))
        entries.append(e)
        if args.check:
            old = np.load(args.out / rel)
            assert old.shape == gold.shape and np.array_equal(old, gold), f"{c['name']} differs"
        else:
            save_npy(args.out / rel, gold)

    # files from cases that no longer exist
    wanted = {e["output"] for e in entries} | {i["file"] for i in manifest_inputs}
    for sub in (INPUT_DIR, GOLDEN_DIR):
        for f in sorted((args.out / sub).glob("*.npy")):
            rel = f"{sub}/{f.name}"
            if rel not in wanted:
                assert not args.check, f"stale file {rel}"
                f.unlink()

    manifest = dict(
        generator="tools/reference/generate.py",
        versions=dict(torch=torch.__version__, torchaudio=torchaudio.__version__, numpy=np.__version__),
        notes=NOTES,
        inputs=manifest_inputs,
        entries=entries,
    )
    text = json.dumps(manifest, indent=1, allow_nan=False) + "\n"
    if args.check:
        assert (args.out / "manifest.json").read_text() == text, "manifest differs"
    else:
        (args.out / "manifest.json").write_text(text)

    counts = {}
    for e in entries:
        counts[e["feature"]] = counts.get(e["feature"], 0) + 1
    print("entries per feature:", json.dumps(counts))
    print("total entries:", len(entries))
    for k, v in report.items():
        print(f"check {k}: worst {max(v):.3g} over {len(v)} cases")
    for name, fr in unstable:
        print(f"unstable frames (discrete choice within round-off) {name}: {fr}")
    worst = {}
    for e in entries:
        s = e["float32_pipeline_diff"]["max_abs_over_peak"]
        if s > worst.get(e["feature"], (0, ""))[0]:
            worst[e["feature"]] = (s, e["name"])
    for k, (s, n) in worst.items():
        print(f"float32 pipeline vs float64 golden, worst max_abs/peak for {k}: {s:.3g} ({n})")
    total = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(f"{'checked' if args.check else 'wrote'} {args.out} ({total / 1e6:.2f} MB)")


NOTES = {
    "layout": "every array is little-endian float32 .npy, C order; time-major (frames, bins) or (frames,); "
              "mel_filterbank is (n_mels, n_fft//2+1) as librosa.filters.mel; window is (win_length,). "
              "Paths are relative to this manifest.",
    "precision": "computed in float64 from the float32 input, rounded to float32 once; "
                 "float32_pipeline_diff = the same pipeline run in float32 (torchaudio's usual dtype) vs the golden",
    "center": "center=True pads n_fft//2 (frame_length//2 for zcr/rms/yin) samples on both sides with pad_mode; "
              "frames = 1 + len//hop. center=False: frames = 1 + (len - n_fft)//hop. "
              "pad_mode 'constant' = zeros (librosa >= 0.10 default), 'reflect' = mirror excluding the edge "
              "sample (numpy/torch 'reflect'), 'edge' = repeat the end sample (zcr)",
    "window_padding": "a win_length < n_fft window is zero-padded to n_fft with (n_fft - win_length)//2 zeros on the left",
    "kaldi": "torchaudio.compliance.kaldi.fbank; snip_edges=True: frames = 1 + (len - window_size)//window_shift; "
             "snip_edges=False: frames = (len + window_shift//2)//window_shift, signal extended by reversing it at "
             "both ends (edge sample repeated); window_size = int(sample_frequency * frame_length / 1000), "
             "window_shift likewise; log floor and energy floor epsilon = FLT_EPSILON (1.1920929e-07)",
    "yin": "feature 'yin' = librosa 0.10's yin (win_length, default frame_length//2); feature "
           "'yin_librosa_0_11' = librosa 0.11's (no win_length, difference function over the whole frame); "
           "params.formulation says which",
    "unstable_frames": "rolloff/yin frames whose discrete choice (bin, trough) is within round-off of a tie; "
                       "a float32 implementation may legitimately pick the neighbouring candidate there",
}


if __name__ == "__main__":
    sys.exit(main())
