"""Music rendered from MIDI with fluidsynth, for the content model's music class.

The recorded soundtracks of the packages are mostly orchestral, ambient and electronic; they
hold little rock, metal, organ or sung-like melody. This module writes small General MIDI
pieces of its own (rock and metal grooves with overdriven and distorted guitars, synth-pop with
leads and pads, organ pieces, choir and "voice oohs" melodies: a sung line is music) and renders
them, and the openttd-openmsx MIDI files, with General MIDI soundfonts. Everything is drawn from
a seeded generator, so a rendering is the same on every run.

There is no MIDI library here, so `midi_bytes` writes a format-0 file itself, and
`remap_programs` rewrites the program changes of an existing file in place (a program change
has one data byte, so no length changes).
"""

import subprocess
import tempfile
from pathlib import Path

import numpy as np

TICKS = 480  # per quarter note
DRUMS = 9    # channel 10
KICK, SNARE, CLOSED_HAT, OPEN_HAT, CRASH, RIDE, TOM = 36, 38, 42, 46, 49, 51, 45
SCALES = {"minor": [0, 2, 3, 5, 7, 8, 10], "major": [0, 2, 4, 5, 7, 9, 11],
          "dorian": [0, 2, 3, 5, 7, 9, 10], "pentatonic": [0, 3, 5, 7, 10]}
# A style names the programs each part may take (General MIDI numbers from 1, as in the
# standard's tables) and its tempo range.
STYLES = {
    "rock":  {"bpm": [90, 150], "guitar": [30, 31, 30], "lead": [30, 31, 82, 87], "pad": [],
              "bass": [34, 35, 36, 38], "drums": "rock"},
    "metal": {"bpm": [120, 180], "guitar": [31, 30], "lead": [31, 30, 82], "pad": [],
              "bass": [34, 35, 38, 39], "drums": "metal"},
    "synth": {"bpm": [90, 140], "guitar": [], "lead": list(range(81, 89)),
              "pad": list(range(89, 97)), "bass": [39, 40, 38], "drums": "pop"},
    "organ": {"bpm": [70, 130], "guitar": [], "lead": [17, 18, 19, 20, 21],
              "pad": [17, 19, 20, 21], "bass": [33, 34, 44], "drums": "either"},
    "choir": {"bpm": [60, 120], "guitar": [], "lead": [53, 54, 55], "pad": [53, 89, 92, 95, 20],
              "bass": [33, 44, 39], "drums": "either"},
}
# Rock and synth programs that openttd-openmsx's own programs are remapped to.
REMAP_PROGRAMS = [30, 31, 30, 31, 82, 83, 85, 87, 81, 90, 91, 95, 53, 54, 55, 17, 19, 34, 39]


def variable_length(value):
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def midi_bytes(events, bpm):
    """A format-0 MIDI file of `events`: (tick, status, data1, data2) channel messages."""
    tempo = round(60_000_000 / bpm)
    track = b"\x00\xff\x51\x03" + tempo.to_bytes(3, "big")
    now = 0
    # Note-offs (and releases) sort before note-ons at the same tick.
    for tick, status, a, b in sorted(events, key=lambda e: (e[0], (e[1] & 0xF0) == 0x90 and e[3] > 0)):
        track += variable_length(tick - now) + bytes([status, a])
        if status & 0xF0 != 0xC0:
            track += bytes([b])
        now = tick
    track += b"\x00\xff\x2f\x00"
    header = b"MThd" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big") + (1).to_bytes(2, "big") \
        + TICKS.to_bytes(2, "big")
    return header + b"MTrk" + len(track).to_bytes(4, "big") + track


def note(events, channel, tick, length, pitch, velocity):
    events.append((tick, 0x90 | channel, pitch, velocity))
    events.append((tick + max(length, 1), 0x90 | channel, pitch, 0))


def drum_bar(events, start, kind, rng, crash):
    """One bar of drums: rock backbeat, metal double kick, or a pop beat."""
    eighth = TICKS // 2
    if crash:
        note(events, DRUMS, start, eighth, CRASH, 110)
    for step in range(8):
        tick = start + step * eighth
        note(events, DRUMS, tick, eighth, RIDE if kind == "metal" and step % 2 else CLOSED_HAT,
             int(rng.integers(60, 100)))
        if step in (2, 6):
            note(events, DRUMS, tick, eighth, SNARE, int(rng.integers(95, 127)))
    kicks = range(0, 16) if kind == "metal" else \
        sorted(set([0, 8] + list(rng.choice(16, size=int(rng.integers(0, 3)), replace=False))))
    for step in kicks:
        note(events, DRUMS, start + step * TICKS // 4, TICKS // 4, KICK, int(rng.integers(90, 127)))
    if rng.random() < 0.15:  # a fill on the last beat
        for step in range(4):
            note(events, DRUMS, start + 3 * TICKS + step * TICKS // 4, TICKS // 4, TOM - step, 100)


def chord_progression(rng, scale, bars):
    degrees = [int(d) for d in rng.choice(len(scale), size=4)]
    degrees[0] = 0
    return [degrees[i % 4] for i in range(bars)]


def pitch_of(root, scale, degree):
    octave, index = divmod(degree, len(scale))
    return root + 12 * octave + scale[index]


def compose(rng, style_name, seconds):
    """A piece of one style: (events, bpm, programs used)."""
    style = STYLES[style_name]
    bpm = float(rng.uniform(*style["bpm"]))
    bars = max(2, round(seconds * bpm / 240))
    scale = SCALES[rng.choice(list(SCALES))]
    root = int(rng.integers(40, 52))
    events, programs = [], {}

    def program(channel, choices):
        choice = int(rng.choice(choices))
        events.append((0, 0xC0 | channel, choice - 1, 0))
        programs[channel] = choice

    drums = style["drums"] if style["drums"] != "either" else \
        str(rng.choice(["rock", "pop", "none", "none"]))
    chords = chord_progression(rng, scale, bars)
    program(0, style["bass"])
    if style["guitar"]:
        program(1, style["guitar"])
    if style["pad"]:
        program(2, style["pad"])
    program(3, style["lead"])
    bar_ticks = 4 * TICKS
    melody_degree = len(scale) * 2
    for bar, degree in enumerate(chords):
        start = bar * bar_ticks
        base = pitch_of(root, scale, degree)
        if drums != "none":
            drum_bar(events, start, drums, rng, crash=bar % 4 == 0)
        for step in range(8):  # bass: eighths on the root
            note(events, 0, start + step * TICKS // 2, TICKS // 2 - 20, base - 12 + 0, 100)
        if style["guitar"]:  # power chords: root, fifth, octave; chugged or held
            chug = rng.random() < 0.6
            for step in (range(8) if chug else [0]):
                length = TICKS // 2 - 30 if chug else bar_ticks - 30
                for interval in (0, 7, 12):
                    note(events, 1, start + step * TICKS // 2, length, base + interval,
                         int(rng.integers(90, 120)))
        if style["pad"]:
            for third in (0, 2, 4):
                note(events, 2, start, bar_ticks - 10, pitch_of(root + 12, scale, degree + third), 70)
        tick = start
        while tick < start + bar_ticks:  # a lead line: a walk on the scale, with rests
            length = int(rng.choice([TICKS // 2, TICKS, TICKS // 2, 2 * TICKS]))
            melody_degree = int(np.clip(melody_degree + rng.integers(-2, 3), len(scale),
                                        3 * len(scale)))
            if rng.random() > 0.15:
                note(events, 3, tick, length - 10, pitch_of(root, scale, melody_degree),
                     int(rng.integers(80, 115)))
            tick += length
    return events, bpm, programs


def remap_programs(data, rng):
    """A MIDI file's bytes with every program change (outside the drum channel) replaced by one of
    REMAP_PROGRAMS, the same replacement for the same original program: (bytes, mapping)."""
    data = bytearray(data)
    mapping = {}
    position = 14
    while position + 8 <= len(data):
        length = int.from_bytes(data[position + 4:position + 8], "big")
        if data[position:position + 4] == b"MTrk":
            remap_track(data, position + 8, position + 8 + length, mapping, rng)
        position += 8 + length
    return bytes(data), mapping


def read_variable_length(data, i):
    value = 0
    while True:
        value = (value << 7) | (data[i] & 0x7F)
        i += 1
        if not data[i - 1] & 0x80:
            return value, i


def remap_track(data, i, end, mapping, rng):
    status = 0
    while i < end:
        _, i = read_variable_length(data, i)
        if data[i] & 0x80:
            status = data[i]
            i += 1
        if status == 0xFF:  # meta: type, length, data
            length, i = read_variable_length(data, i + 1)
            i += length
        elif status in (0xF0, 0xF7):
            length, i = read_variable_length(data, i)
            i += length
        elif status & 0xF0 in (0xC0, 0xD0):
            if status & 0xF0 == 0xC0 and status & 0x0F != DRUMS:
                original = data[i]
                if original not in mapping:
                    mapping[original] = int(rng.choice(REMAP_PROGRAMS)) - 1
                data[i] = mapping[original]
            i += 1
        else:
            i += 2


def render(midi, soundfont, target, rate=16000, gain=0.5):
    """`midi` (bytes or a path) rendered by fluidsynth with `soundfont` into a 16 kHz mono WAV."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        if isinstance(midi, bytes):
            path = Path(work) / "piece.mid"
            path.write_bytes(midi)
            midi = path
        stereo = Path(work) / "out.wav"
        subprocess.run(["fluidsynth", "-ni", "-q", "-g", str(gain), "-r", "44100", "-F",
                        str(stereo), str(soundfont), str(midi)], check=True,
                       capture_output=True)
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(stereo),
                        "-ac", "1", "-ar", str(rate), str(target)], check=True)


def render_files(settings, folder):
    """Render what one `midi` rule asks: `files` (MIDI files of a package, each rendered once as
    written and `remapped` times with its programs remapped) or `generated` pieces. Returns
    [(wav path, description)], description = {soundfont, programs}."""
    rng = np.random.default_rng(settings["seed"])
    soundfonts = settings["soundfonts"]
    done = []
    jobs = []
    if "files" in settings:
        for path in settings["files"]:
            path = Path(path)
            jobs.append((path.stem + "-as-written", path.read_bytes(), None))
            for k in range(settings.get("remapped", 1)):
                data, mapping = remap_programs(path.read_bytes(), rng)
                jobs.append((f"{path.stem}-remapped{k}", data, sorted(set(
                    p + 1 for p in mapping.values()))))
    else:
        styles = list(settings["styles"])
        for index in range(settings["pieces"]):
            style = styles[index % len(styles)]
            seconds = float(rng.uniform(*settings["seconds"]))
            events, bpm, programs = compose(rng, style, seconds)
            jobs.append((f"{style}-{index:03d}", midi_bytes(events, bpm),
                         sorted(set(programs.values()))))
    for name, data, programs in jobs:
        soundfont = soundfonts[int(rng.integers(len(soundfonts)))]
        target = folder / f"{name}-{Path(soundfont).stem}.wav"
        if not target.exists():
            render(data, soundfont, target)
        done.append((target, {"soundfont": Path(soundfont).name, "programs": programs}))
    return done
