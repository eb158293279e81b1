#!/usr/bin/python3
"""Independent readers of earshot's timeline exports, for the round-trip tests.

Each reader returns [(start, end, label)] from a document, using a tool that does not share
earshot's code: Python's csv module, Praat itself for TextGrid, the webvtt package (Debian's
python3-webvtt) for WebVTT and SRT, and, for RTTM, the field rules of NIST's RT-09 format that
the common readers (dscore, pyannote) apply.
"""
import csv
import io
import os
import subprocess
import tempfile

import webvtt

PRAAT_SCRIPT = """form Read
  sentence path
endform
grid = Read from file: path$
intervals = Get number of intervals: 1
for i to intervals
  start = Get start time of interval: 1, i
  stop = Get end time of interval: 1, i
  text$ = Get label of interval: 1, i
  appendInfoLine: fixed$(start, 3), tab$, fixed$(stop, 3), tab$, text$
endfor
"""

# RT-09 Appendix A: the types a file may hold and, where one is required, their subtypes.
RTTM_SUBTYPES = {
    "SPEAKER": {"<NA>", "adult_male", "adult_female", "child", "unknown"},
    "NON-SPEECH": {"noise", "music", "other"},
}


def read_csv(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    out = []
    for row in rows:
        label = row["label"] + ("+music" if row["background"] == "music" else "")
        out.append((float(row["start"]), float(row["end"]), label))
    return out


def read_audacity(text):
    out = []
    for line in text.splitlines():
        start, end, label = line.split("\t")
        out.append((float(start), float(end), label))
    return out


def read_textgrid(text):
    with tempfile.TemporaryDirectory() as folder:
        grid = os.path.join(folder, "grid.TextGrid")
        script = os.path.join(folder, "read.praat")
        with open(grid, "w", encoding="utf-8") as f:
            f.write(text)
        with open(script, "w", encoding="utf-8") as f:
            f.write(PRAAT_SCRIPT)
        listing = subprocess.run(["praat", "--run", script, grid], check=True,
                                 capture_output=True, text=True).stdout
    out = []
    for line in listing.splitlines():
        start, end, label = line.split("\t")
        out.append((float(start), float(end), label))
    return out


def read_rttm(text):
    """Turns as (start, end, name), after the checks dscore's reader makes of each line
    (ten fields, a non-negative onset, a positive duration) and RT-09's type vocabulary."""
    out = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) != 10:
            raise ValueError("an RTTM line has ten fields: " + line)
        kind, _, channel, onset, duration, ortho, subtype, name, conf, slat = fields
        if kind not in RTTM_SUBTYPES or subtype not in RTTM_SUBTYPES[kind]:
            raise ValueError("not an RT-09 type and subtype: " + line)
        if channel != "1" or ortho != "<NA>" or conf != "<NA>" or slat != "<NA>":
            raise ValueError("unexpected field: " + line)
        start, length = float(onset), float(duration)
        if start < 0 or length <= 0:
            raise ValueError("bad onset or duration: " + line)
        out.append((start, start + length, name))
    return out


def _cues(captions):
    return [(c.start_in_seconds, c.end_in_seconds, c.text) for c in captions]


def read_vtt(text):
    return _cues(webvtt.read_buffer(io.StringIO(text)))


def read_srt(text):
    with tempfile.NamedTemporaryFile("w", suffix=".srt", encoding="utf-8", delete=False) as f:
        f.write(text)
    try:
        return _cues(webvtt.from_srt(f.name))
    finally:
        os.unlink(f.name)


READERS = {
    "csv": read_csv,
    "audacity": read_audacity,
    "textgrid": read_textgrid,
    "rttm": read_rttm,
    "vtt": read_vtt,
    "srt": read_srt,
}
