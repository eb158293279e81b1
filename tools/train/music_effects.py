"""Production effects that keep music music: overdrive and distortion, dynamic-range compression
and limiting, reverb and equalisation, on float32 mono signals at 16 kHz.

Real music arrives distorted (rock guitars, loud masters), squashed by compressors and
limiters, in rooms, and with every tone balance; the packages' soundtracks are mostly clean
orchestral and electronic mixes. Without these, a model learns "clean and dynamic means music"
and calls a loud, distorted or reverberant song noise. NumPy only (filters are applied in the
frequency domain over the whole signal), so it needs nothing beyond the data set's other tools.
`apply_random` draws which effects a file gets from the `music_effects` settings of
selection.json.
"""

import numpy as np

RATE = 16000


def rms(signal):
    return float(np.sqrt(np.mean(np.square(signal, dtype=np.float64)) + 1e-20))


def spectral_filter(signal, gain_of_hz):
    """`signal` filtered by a zero-phase gain curve (a function of frequency in Hz)."""
    n = len(signal)
    size = 1 << int(np.ceil(np.log2(max(n, 2))))
    spectrum = np.fft.rfft(signal, size)
    spectrum *= gain_of_hz(np.fft.rfftfreq(size, 1 / RATE))
    return np.fft.irfft(spectrum, size)[:n].astype(np.float32)


def equalise(signal, rng):
    """A random tone balance: a smooth curve of +-9 dB through 4-7 points spaced on a log
    frequency axis, with sometimes a low or high shelf (a "bass boost" or a dull radio)."""
    points = int(rng.integers(4, 8))
    knots_hz = np.geomspace(40, RATE / 2, points)
    knots_db = rng.uniform(-9, 9, size=points)
    if rng.random() < 0.3:
        knots_db[:2] += rng.uniform(3, 9)
    if rng.random() < 0.3:
        knots_db[-2:] -= rng.uniform(6, 18)
    log_knots = np.log(knots_hz)

    def gain(hz):
        db = np.interp(np.log(np.maximum(hz, 1.0)), log_knots, knots_db)
        return 10 ** (db / 20)

    out = spectral_filter(signal, gain)
    return out * np.float32(rms(signal) / rms(out))


def overdrive(signal, rng):
    """Amplifier overdrive or distortion: 6-36 dB of drive into a soft (tanh), asymmetric or
    hard clipper, a tone filter after it, and the level brought back to the input's."""
    level = rms(signal)
    drive = 10 ** (rng.uniform(6, 36) / 20) / max(level * 4, 1e-4)
    driven = signal * drive
    kind = rng.choice(["tanh", "asymmetric", "hard"])
    if kind == "tanh":
        shaped = np.tanh(driven)
    elif kind == "asymmetric":
        shaped = np.where(driven > 0, np.tanh(driven), np.tanh(0.5 * driven) * 1.6)
    else:
        shaped = np.clip(driven, -1, 1)
    cutoff = rng.uniform(2500, 7500)
    shaped = spectral_filter(shaped, lambda hz: 1 / np.sqrt(1 + (hz / cutoff) ** 4))
    mix = rng.uniform(0.6, 1.0)  # some dry signal stays, as in a mix with a distorted part
    out = mix * shaped / (rms(shaped) + 1e-9) * level + (1 - mix) * signal
    return out.astype(np.float32)


def envelope_db(signal, frame=160):
    """Level in dB of each 10 ms frame."""
    frames = len(signal) // frame
    if frames == 0:
        return np.full(1, 20 * np.log10(rms(signal)))
    power = np.mean(np.square(signal[:frames * frame].reshape(frames, frame)), axis=1)
    return 10 * np.log10(power + 1e-12)


def smooth_gain(gain_db, attack_frames, release_frames):
    """The gain a compressor applies: falls fast (attack) and recovers slowly (release)."""
    out = np.empty_like(gain_db)
    current = 0.0
    attack, release = 1 / max(attack_frames, 1), 1 / max(release_frames, 1)
    for i, target in enumerate(gain_db):
        step = attack if target < current else release
        current += (target - current) * step
        out[i] = current
    return out


def compress(signal, rng, limit=False):
    """Downward compression (threshold 8-30 dB under the peak level, ratio 2-10) or, with
    `limit`, a brick-wall-like limiter, with make-up gain and a final clip at the ceiling:
    the "loudness war" master."""
    frame = 160
    level = envelope_db(signal, frame)
    top = np.percentile(level, 95)
    threshold = top - rng.uniform(8, 30)
    ratio = np.inf if limit else rng.uniform(2, 10)
    over = np.maximum(level - threshold, 0)
    gain_db = -over * (1 - 1 / ratio)
    gain_db = smooth_gain(gain_db, attack_frames=1 if limit else rng.uniform(1, 3),
                          release_frames=rng.uniform(5, 40))
    positions = (np.arange(len(gain_db)) + 0.5) * frame
    gains = 10 ** (np.interp(np.arange(len(signal)), positions, gain_db) / 20)
    out = signal * gains.astype(np.float32)
    peak = np.max(np.abs(out)) + 1e-9
    ceiling = 10 ** (rng.uniform(-3, -0.1) / 20)
    makeup = ceiling / peak * (10 ** (rng.uniform(0, 6) / 20) if limit else 1)
    return np.clip(out * makeup, -ceiling, ceiling).astype(np.float32)


def reverb(signal, rng):
    """A room or hall: the signal convolved with exponentially decaying noise (RT60 0.2-3 s,
    darker as it decays), mixed in at 10-60 %."""
    rt60 = rng.uniform(0.2, 3.0)
    n = int(min(rt60, 2.0) * RATE)
    t = np.arange(n) / RATE
    tail = rng.normal(size=n) * np.exp(-6.91 * t / rt60)
    tail = spectral_filter(tail, lambda hz: 1 / np.sqrt(1 + (hz / rng.uniform(2000, 7000)) ** 2))
    tail[: int(0.005 * RATE)] *= 0.2  # a short gap before the dense tail
    size = 1 << int(np.ceil(np.log2(len(signal) + n)))
    wet = np.fft.irfft(np.fft.rfft(signal, size) * np.fft.rfft(tail, size), size)[:len(signal)]
    wet *= rms(signal) / (rms(wet) + 1e-12)
    share = rng.uniform(0.1, 0.6)
    return ((1 - share) * signal + share * wet).astype(np.float32)


def apply_random(signal, rng, settings):
    """`signal` through the effects that `settings` draws ({effect: probability}), in the order
    of a production chain: EQ, drive, reverb, then compression or limiting. Returns (signal,
    names of the effects applied)."""
    applied = []
    if len(signal) == 0:
        return signal, applied
    chain = [("eq", equalise), ("overdrive", overdrive), ("reverb", reverb),
             ("compression", compress), ("limiting", lambda s, r: compress(s, r, limit=True))]
    for name, effect in chain:
        if rng.random() < settings.get(name, 0):
            signal = effect(signal, rng)
            applied.append(name)
    return signal.astype(np.float32), applied
