"""Synthesised machine, engine and effect sounds for the content model's noise class.

The noise recordings of the training packages are mostly natural (0ad's weather, impacts and
animals; tuxpaint's stamps), so on its own the model learns "tonal and sustained means music"
and calls engines, motors and synthetic effects music. These generators add what the packages
lack: sounds that are tonal yet not music, because their pitch glides or stays put instead of
moving in notes, and they have no rhythm or melody. Horns and whistles hold one pitch, or a chord
of pitches, for as long as they sound: a signal, not a tune.

Every generator takes (seconds, rng) and returns float32 mono at RATE, peak-normalised to a
random level; the data set's usual augmentation (band limit, lossy codec, gain, light noise)
is applied on top, as for recordings.
"""

import numpy as np

RATE = 16000


def _time(seconds):
    return np.arange(int(seconds * RATE)) / RATE


def _smooth_walk(n, rng, points, low, high):
    """A slowly wandering curve between low and high (for rpm, pitch or level)."""
    knots = rng.uniform(low, high, size=points)
    return np.interp(np.linspace(0, points - 1, n), np.arange(points), knots)


def _phase(frequency):
    """Phase of an oscillator whose frequency (Hz, per sample) changes over time."""
    return 2 * np.pi * np.cumsum(frequency) / RATE


def _coloured_noise(n, rng, low_hz, high_hz):
    """Gaussian noise with its spectrum limited to [low_hz, high_hz]."""
    spectrum = np.fft.rfft(rng.normal(size=n))
    hz = np.fft.rfftfreq(n, 1 / RATE)
    spectrum[(hz < low_hz) | (hz > high_hz)] = 0
    noise = np.fft.irfft(spectrum, n)
    return noise / (np.std(noise) + 1e-12)


def _harmonics(phase, rng, count, tilt):
    """A harmonic series with random amplitudes falling off by `tilt` per harmonic."""
    amplitudes = rng.uniform(0.3, 1.0, size=count) * tilt ** np.arange(count)
    return sum(a * np.sin((k + 1) * phase + rng.uniform(0, 2 * np.pi))
               for k, a in enumerate(amplitudes))


def engine(seconds, rng):
    """A combustion engine: firing rate 20-150 Hz that revs up, down or idles, with rough
    cycle-to-cycle level and exhaust noise."""
    t = _time(seconds)
    shape = rng.choice(["idle", "rev", "drive"])
    if shape == "idle":
        rate = rng.uniform(20, 50) * (1 + 0.03 * _smooth_walk(len(t), rng, 8, -1, 1))
    elif shape == "rev":
        low, high = rng.uniform(25, 50), rng.uniform(80, 150)
        rate = low + (high - low) * np.sin(np.pi * t / t[-1]) ** rng.uniform(0.5, 2)
    else:
        rate = _smooth_walk(len(t), rng, int(seconds) + 2, 30, 140)
    phase = _phase(rate)
    tone = _harmonics(phase, rng, 12, rng.uniform(0.6, 0.85))
    roughness = 1 + 0.4 * _coloured_noise(len(t), rng, 5, 60)
    exhaust = _coloured_noise(len(t), rng, 60, rng.uniform(1500, 5000))
    return tone * roughness + rng.uniform(0.2, 1.0) * exhaust


def turbine(seconds, rng):
    """A jet, turbine or electric motor: a whine of 300-3000 Hz that spins up or down over a
    broadband roar."""
    t = _time(seconds)
    start, end = rng.uniform(300, 3000, size=2)
    pitch = start + (end - start) * np.clip(t / rng.uniform(1, seconds), 0, 1)
    pitch *= 1 + 0.01 * _smooth_walk(len(t), rng, 6, -1, 1)
    whine = _harmonics(_phase(pitch), rng, 4, 0.5)
    roar = _coloured_noise(len(t), rng, rng.uniform(20, 200), rng.uniform(2000, 7500))
    return rng.uniform(0.2, 1.0) * whine + rng.uniform(0.3, 1.5) * roar


def hum(seconds, rng):
    """Mains hum and transformer buzz: 50 or 60 Hz with odd and even harmonics, steady."""
    t = _time(seconds)
    mains = rng.choice([50.0, 60.0]) * (1 + rng.uniform(-0.01, 0.01))
    buzz = _harmonics(_phase(np.full(len(t), mains)), rng, int(rng.integers(3, 30)),
                      rng.uniform(0.5, 0.95))
    return buzz + rng.uniform(0, 0.5) * _coloured_noise(len(t), rng, 20, 8000)


def fan(seconds, rng):
    """A fan or air conditioner: blade-pass tone and harmonics buried in airflow noise."""
    t = _time(seconds)
    blade = rng.uniform(40, 400) * (1 + 0.005 * _smooth_walk(len(t), rng, 5, -1, 1))
    tone = _harmonics(_phase(blade), rng, 5, 0.6)
    air = _coloured_noise(len(t), rng, 20, rng.uniform(1000, 6000))
    return rng.uniform(0.1, 0.6) * tone + air


def drone(seconds, rng):
    """A synthetic effect (spaceship, force field, tractor beam): detuned oscillators at
    unrelated pitches under a slow wobble in pitch, level and brightness."""
    t = _time(seconds)
    sound = np.zeros(len(t))
    for _ in range(int(rng.integers(2, 6))):
        base = rng.uniform(40, 1200)
        wobble = 1 + rng.uniform(0.002, 0.05) * np.sin(2 * np.pi * rng.uniform(0.1, 8) * t
                                                       + rng.uniform(0, 2 * np.pi))
        glide = 2 ** (rng.uniform(-1, 1) * t / t[-1]) if rng.random() < 0.5 else 1
        sound += _harmonics(_phase(base * wobble * glide), rng, int(rng.integers(1, 8)),
                            rng.uniform(0.4, 0.9))
    tremolo = 1 + rng.uniform(0, 0.8) * np.sin(2 * np.pi * rng.uniform(0.2, 12) * t)
    hiss = rng.uniform(0, 0.5) * _coloured_noise(len(t), rng, 100, 8000)
    return sound * tremolo + hiss


def sweep(seconds, rng):
    """Laser zaps, sirens and risers: pitch glides (never steps), repeated irregularly."""
    n = int(seconds * RATE)
    sound = np.zeros(n)
    position = 0
    while position < n:
        length = int(rng.uniform(0.1, 1.5) * RATE)
        start, end = rng.uniform(100, 4000, size=2)
        pitch = np.geomspace(start, end, length)
        zap = _harmonics(_phase(pitch), rng, int(rng.integers(1, 5)), 0.6)
        zap *= np.exp(-np.arange(length) / (length * rng.uniform(0.2, 1.0)))
        end_at = min(n, position + length)
        sound[position:end_at] += zap[: end_at - position]
        position += int(length * rng.uniform(0.3, 1.5))
    return sound


def crackle(seconds, rng):
    """Fireworks, explosions, fire and static: random bursts of decaying, filtered noise."""
    n = int(seconds * RATE)
    sound = rng.uniform(0, 0.05) * _coloured_noise(n, rng, 20, 8000)
    for _ in range(int(rng.uniform(2, 40) * seconds)):
        start = int(rng.integers(0, n))
        length = min(n - start, int(rng.uniform(0.005, 0.8) * RATE))
        burst = _coloured_noise(max(length, 64), rng, rng.uniform(20, 500),
                                rng.uniform(1000, 8000))[:length]
        burst *= np.exp(-np.arange(length) / (length * rng.uniform(0.05, 0.5) + 1))
        sound[start:start + length] += rng.uniform(0.1, 1.0) * burst
    return sound


def _blasts(n, rng, shortest, longest, gap):
    """An on/off pattern (0..1, n samples) of blasts shortest-longest s long with gaps of up
    to `gap` s, each with a soft attack and release; sometimes one blast that holds."""
    envelope = np.zeros(n)
    if rng.random() < 0.25:
        lengths = [n]
    else:
        lengths = []
        # Drawn until the blasts outlast the gaps by n samples, which is always past the end
        # (the loop below stops there); drawing fewer would change every later draw, and with
        # them the generated files the experiments were scored on.
        while sum(lengths) < n:
            lengths.append(int(rng.uniform(shortest, longest) * RATE))
            lengths.append(-int(rng.uniform(0.05, gap) * RATE))
    position = int(rng.uniform(0, 0.3) * RATE) if len(lengths) > 1 else 0
    ramp = int(0.01 * RATE)
    for length in lengths:
        if length > 0:
            end = min(n, position + length)
            shape = np.ones(end - position)
            edge = min(ramp, len(shape) // 2)
            if edge:
                shape[:edge] = np.linspace(0, 1, edge)
                shape[-edge:] = np.linspace(1, 0, edge)
            envelope[position:end] = shape
        position += abs(length)
        if position >= n:
            break
    return envelope


def horn(seconds, rng):
    """Car, truck, air, train and ship horns: one to four buzzing tones held at fixed pitches
    (a chord of no key: the ratios are drawn, not taken from a scale), sounded in blasts, with
    a slight sag at each blast and, for a passing vehicle, a Doppler fall."""
    n = int(seconds * RATE)
    t = _time(seconds)
    low, high = [(250, 700), (120, 350), (70, 220)][int(rng.integers(3))]
    base = rng.uniform(low, high)
    ratios = [1.0] + list(rng.uniform(1.05, 1.6, size=int(rng.integers(0, 4))))
    doppler = 1.0
    if rng.random() < 0.3:  # passing: the pitch falls by 3-12 % around a moment in the file
        fall = rng.uniform(0.03, 0.12)
        passing = rng.uniform(0.3, 0.7) * seconds
        doppler = 1 - fall / (1 + np.exp(-(t - passing) * rng.uniform(1, 4)))
    envelope = _blasts(n, rng, 0.1, 3.0, 1.5)
    sag = 1 - rng.uniform(0, 0.02) * (1 - envelope)
    drive = rng.uniform(1.5, 8)
    sound = np.zeros(n)
    for ratio in ratios:
        pitch = base * ratio * doppler * sag * (1 + 0.002 * _smooth_walk(n, rng, 4, -1, 1))
        sound += np.tanh(drive * np.sin(_phase(pitch)))  # a driven, clipped membrane or reed
    air = rng.uniform(0, 0.3) * _coloured_noise(n, rng, 200, 6000)
    return (sound + air) * envelope + rng.uniform(0, 0.05) * _coloured_noise(n, rng, 20, 4000)


def whistle(seconds, rng):
    """Pea whistles (a 2-4.5 kHz tone trilled by the ball at 15-45 Hz) and steam or kettle
    whistles (a steady or slowly rising 0.8-3 kHz tone), breathy, in blasts."""
    n = int(seconds * RATE)
    t = _time(seconds)
    if rng.random() < 0.6:
        pitch = rng.uniform(2000, 4500) * (1 + rng.uniform(0.02, 0.08) * np.sin(
            2 * np.pi * rng.uniform(15, 45) * t + rng.uniform(0, 2 * np.pi)))
        envelope = _blasts(n, rng, 0.1, 1.5, 1.0)
    else:
        pitch = rng.uniform(800, 3000) * 2 ** (rng.uniform(0, 0.3) * t / t[-1])
        envelope = _blasts(n, rng, 1.0, seconds, 0.5)
    tone = _harmonics(_phase(pitch), rng, int(rng.integers(1, 4)), 0.3)
    breath = _coloured_noise(n, rng, 1000, 7500)
    return (tone + rng.uniform(0.1, 0.8) * breath) * envelope


GENERATORS = {
    "engine": engine,
    "turbine": turbine,
    "hum": hum,
    "fan": fan,
    "drone": drone,
    "sweep": sweep,
    "crackle": crackle,
    "horn": horn,
    "whistle": whistle,
}


def generate(kind, seconds, rng):
    """One sound of `kind`, peak-normalised to between -12 and -1 dBFS."""
    sound = GENERATORS[kind](seconds, rng)
    peak = np.max(np.abs(sound)) + 1e-12
    return (sound / peak * 10 ** (rng.uniform(-12, -1) / 20)).astype(np.float32)
