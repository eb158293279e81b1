"""Synthesised machine, engine and effect sounds for the content model's noise class.

The noise recordings of the training packages are mostly natural (0ad's weather, impacts and
animals; tuxpaint's stamps), so on its own the model learns "tonal and sustained means music"
and calls engines, motors and synthetic effects music. These generators add what the packages
lack: sounds that are tonal yet not music, because their pitch glides or stays put instead of
moving in notes, and they have no melody. Horns and whistles hold one pitch, or a chord of
pitches, for as long as they sound: a signal, not a tune. Machinery that repeats (hammers, saws,
pumps, rail joints, ticking) strikes one sound again and again, at a rate that drifts and with
no metre: work, not a drum part (those generators serve an experiment that did not ship,
tools/train/experiments, "Rhythmic and bubbling machinery").

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


def _strike(rng, material):
    """One blow on an object: a click and the object's modes ringing down. Metal rings long at
    inharmonic high modes, wood and stone knock briefly at low ones."""
    if material == "metal":
        modes, low, high, decay = int(rng.integers(3, 7)), 400, 6000, (0.05, 0.4)
    else:
        modes, low, high, decay = int(rng.integers(2, 5)), 100, 1200, (0.01, 0.06)
    t = _time(max(decay[1] * 4, 0.05))
    ring = sum(rng.uniform(0.2, 1.0) * np.sin(2 * np.pi * rng.uniform(low, high) * t
                                              + rng.uniform(0, 2 * np.pi))
               * np.exp(-t / rng.uniform(*decay)) for _ in range(modes))
    click = rng.normal(size=len(t)) * np.exp(-t / rng.uniform(0.001, 0.005))
    return ring + rng.uniform(0.3, 1.5) * click


def _add_at(sound, position, event, level):
    """Adds `event` into `sound` from sample `position`, cut at the end."""
    position = int(position)
    if 0 <= position < len(sound):
        end = min(len(sound), position + len(event))
        sound[position:end] += level * event[: end - position]


def hammer(seconds, rng):
    """Hammering, chopping, riveting: one object struck again and again at a steady rate of
    0.7-4 blows a second that drifts by up to a quarter per blow, with pauses. One repeated
    timbre with no metre is work, not a drum part."""
    n = int(seconds * RATE)
    sound = np.zeros(n)
    blows = [_strike(rng, rng.choice(["metal", "wood"])) for _ in range(int(rng.integers(1, 3)))]
    interval = rng.uniform(0.25, 1.5) * RATE
    position = rng.uniform(0, 0.5) * RATE
    while position < n:
        blow = blows[int(rng.integers(len(blows)))]
        _add_at(sound, position, blow * rng.uniform(0.9, 1.1), rng.uniform(0.5, 1.0))
        position += interval * (1 + rng.uniform(-0.25, 0.25))
        if rng.random() < 0.08:
            position += rng.uniform(0.5, 2.5) * RATE
    return sound + rng.uniform(0, 0.05) * _coloured_noise(n, rng, 20, 6000)


def saw(seconds, rng):
    """Hand saws and files (strokes of rasping noise back and forth, 0.8-2.5 a second) and
    circular saws and sawmills (a blade's whine that sags in pitch while it cuts, under the
    noise of the cut)."""
    n = int(seconds * RATE)
    if rng.random() < 0.5:
        strokes = rng.uniform(0.8, 2.5) * (1 + 0.1 * _smooth_walk(n, rng, 4, -1, 1))
        envelope = np.abs(np.sin(_phase(strokes) / 2)) ** rng.uniform(0.5, 2)
        teeth = 1 + rng.uniform(0.2, 0.6) * np.sin(_phase(rng.uniform(40, 300) * (0.5 + envelope)))
        rasp = _coloured_noise(n, rng, rng.uniform(300, 1500), rng.uniform(4000, 8000))
        return rasp * teeth * envelope
    cutting = np.convolve(_blasts(n, rng, 1.0, 4.0, 2.0), np.ones(2000) / 2000, mode="same")
    pitch = rng.uniform(600, 3000) * (1 - rng.uniform(0.1, 0.35) * cutting)
    whine = _harmonics(_phase(pitch), rng, int(rng.integers(2, 6)), 0.6)
    cut = _coloured_noise(n, rng, 200, 8000) * cutting
    motor = _harmonics(_phase(np.full(n, rng.choice([50.0, 60.0]))), rng, 6, 0.7)
    return (rng.uniform(0.3, 1.0) * whine + rng.uniform(0.5, 1.5) * cut
            + rng.uniform(0, 0.3) * motor + 0.05 * _coloured_noise(n, rng, 20, 8000))


def pump(seconds, rng):
    """Pumps, pistons and presses: each cycle (0.4-2 s) a low thump, a hiss of air or steam
    and sometimes a clank, over the motor that drives them."""
    n = int(seconds * RATE)
    cycle = rng.uniform(0.4, 2.0) * RATE
    thump_hz, thump_decay = rng.uniform(35, 120), rng.uniform(0.04, 0.15)
    t = _time(thump_decay * 5)
    thump = np.sin(_phase(thump_hz * (1 + np.exp(-t / 0.02)))) * np.exp(-t / thump_decay)
    hiss_length = int(rng.uniform(0.1, 0.45) * cycle)
    hiss_band = rng.uniform(500, 2000), rng.uniform(3000, 8000)
    clank = _strike(rng, "metal")
    sound = np.zeros(n)
    position = rng.uniform(0, 0.5) * cycle
    while position < n:
        _add_at(sound, position, thump, rng.uniform(0.7, 1.0))
        hiss = _coloured_noise(max(hiss_length, 64), rng, *hiss_band)[:hiss_length]
        hiss *= np.sin(np.linspace(0, np.pi, hiss_length)) ** 2
        _add_at(sound, position + rng.uniform(0.3, 0.6) * cycle, hiss, rng.uniform(0.1, 0.6))
        if rng.random() < 0.4:
            _add_at(sound, position + rng.uniform(0, 1) * cycle, clank, rng.uniform(0.1, 0.4))
        position += cycle * (1 + rng.uniform(-0.05, 0.05))
    motor = _harmonics(_phase(np.full(n, rng.uniform(20, 60))), rng, 8, 0.7)
    return sound + rng.uniform(0, 0.3) * motor


def bubbles(seconds, rng):
    """Boiling water, mud pots and lava: bubbles that burst at random, each a short tone that
    rises as it closes (water: 300-2500 Hz, a few ms; lava and mud: 40-300 Hz, longer), over
    a rumble or a hiss."""
    n = int(seconds * RATE)
    lava = rng.random() < 0.5
    rate, low, high, decay = ((0.5, 6), 40, 300, (0.03, 0.2)) if lava else \
        ((2, 30), 300, 2500, (0.005, 0.04))
    sound = np.zeros(n)
    for _ in range(int(rng.uniform(*rate) * seconds)):
        tau = rng.uniform(*decay)
        t = _time(tau * 5)
        rise = 1 + rng.uniform(0.1, 0.8) * t / t[-1]
        bubble = np.sin(_phase(rng.uniform(low, high) * rise)) * np.exp(-t / tau)
        _add_at(sound, rng.integers(0, n), bubble, rng.uniform(0.2, 1.0))
    bed = _coloured_noise(n, rng, 20, 250) if lava else _coloured_noise(n, rng, 2000, 8000)
    return sound + rng.uniform(0.02, 0.4) * bed


def rocket(seconds, rng):
    """Rockets, jets passing and launches: a broadband roar with a crackle in it, that swells
    and brightens as it passes, or rises and holds as it lifts off."""
    n = int(seconds * RATE)
    t = _time(seconds)
    if rng.random() < 0.6:
        nearest, width = rng.uniform(0.2, 0.8) * seconds, rng.uniform(0.5, 3.0)
        level = np.exp(-0.5 * ((t - nearest) / width) ** 2)
    else:
        level = np.clip(t / rng.uniform(0.5, seconds), 0, 1)
    rumble = _coloured_noise(n, rng, 20, rng.uniform(150, 400))
    roar = _coloured_noise(n, rng, rng.uniform(200, 600), rng.uniform(3000, 8000))
    density = rng.uniform(20, 150)
    crackle_hits = (rng.random(n) < density / RATE) * rng.normal(size=n)
    crackle_hits = np.convolve(crackle_hits, np.exp(-np.arange(80) / 15), mode="same")
    return level * (rumble + level * rng.uniform(0.3, 1.2) * roar
                    + rng.uniform(0, 2.0) * crackle_hits) + 0.02 * rumble


def clatter(seconds, rng):
    """Trains on rail joints (a click-clack of two or four wheels every 0.5-2 s over a rumble)
    and ticking machines (clocks, sewing machines, projectors: 3-15 small clicks a second)."""
    n = int(seconds * RATE)
    sound = np.zeros(n)
    if rng.random() < 0.5:
        period = rng.uniform(0.5, 2.0) * RATE
        wheels = [0] + sorted(rng.uniform(0.06, 0.3, size=int(rng.choice([1, 3]))) * RATE)
        strike = _strike(rng, "metal")
        position = rng.uniform(0, 1) * period
        while position < n:
            for wheel in wheels:
                _add_at(sound, position + wheel, strike, rng.uniform(0.6, 1.0))
            position += period * (1 + rng.uniform(-0.03, 0.03))
        bed = _coloured_noise(n, rng, 20, rng.uniform(300, 1500))
        return sound + rng.uniform(0.2, 1.0) * bed
    interval = RATE / rng.uniform(3, 15)
    click = _strike(rng, rng.choice(["metal", "wood"]))[: int(0.03 * RATE)]
    position = 0.0
    while position < n:
        _add_at(sound, position, click, rng.uniform(0.7, 1.0))
        position += interval * (1 + rng.uniform(-0.05, 0.05))
    motor = _harmonics(_phase(np.full(n, rng.uniform(30, 120))), rng, 5, 0.6)
    return sound + rng.uniform(0, 0.2) * motor + 0.03 * _coloured_noise(n, rng, 20, 8000)


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
    "hammer": hammer,
    "saw": saw,
    "pump": pump,
    "bubbles": bubbles,
    "rocket": rocket,
    "clatter": clatter,
}


def generate(kind, seconds, rng):
    """One sound of `kind`, peak-normalised to between -12 and -1 dBFS."""
    sound = GENERATORS[kind](seconds, rng)
    peak = np.max(np.abs(sound)) + 1e-12
    return (sound / peak * 10 ** (rng.uniform(-12, -1) / 20)).astype(np.float32)
