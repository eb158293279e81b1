#!/usr/bin/python3
"""`earshot analyze` as a user drives it from a shell: timeline exports read back by
independent readers (timeline_readers.py), standard input in several encodings, --follow's
events and their delay, and two hours through a pipe in flat memory.

    streams_test.py EARSHOT [--sanitized] [unittest arguments: -k NAME, ...]

Audio is made here with espeak-ng and FFmpeg's generators. Nothing touches the network.
"""
import json
import os
import select
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import timeline_readers  # noqa: E402

EARSHOT = None
SANITIZED = False
RATE = 16000
# The most seconds between a segment's end and its line with the shipped model
# (ContentFollower::max_delay_seconds), plus the one-second blocks the test writes in.
MAX_DELAY_SECONDS = 7.0 + 1.0


def run(args, **kwargs):
    return subprocess.run([EARSHOT] + args, capture_output=True, **kwargs)


def ffmpeg(args):
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y"] + args, check=True)


def make_composite(folder):
    """Speech, silence, a tone chord, pink noise and speech again: about 25 s at 16 kHz."""
    speech = os.path.join(folder, "speech.wav")
    subprocess.run(["espeak-ng", "-w", speech,
                    "The quick brown fox jumps over the lazy dog while the radio plays on, "
                    "and then we talk a little longer about the weather."], check=True)
    path = os.path.join(folder, "composite.wav")
    ffmpeg(["-i", speech,
            "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono:d=3",
            "-f", "lavfi", "-i", "sine=f=330:d=5,tremolo=f=3:d=0.6",
            "-f", "lavfi", "-i", "anoisesrc=c=pink:a=0.2:d=4:r=16000",
            "-i", speech,
            "-filter_complex",
            "[0:a]aresample=16000[a];[2:a]aresample=16000[c];[4:a]aresample=16000[e];"
            "[a][1:a][c][3:a][e]concat=n=5:v=0:a=1",
            "-ar", str(RATE), "-ac", "1", path])
    return path


def json_segments(path):
    result = run(["analyze", path])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def labelled(segment):
    return segment["label"] + ("+music" if segment.get("background") == "music" else "")


def expected_turns(segments, fmt):
    """What each format holds of the JSON segments: all of them in CSV, Audacity and TextGrid;
    only sounds in cues; in RTTM speech as "speech", music under it as a turn of its own."""
    turns = []
    for s in segments:
        start, end, label = s["start"], s["end"], labelled(s)
        if fmt in ("csv", "audacity", "textgrid"):
            turns.append((start, end, label))
        elif s["label"] != "silence" and fmt in ("vtt", "srt"):
            turns.append((start, end, label))
        elif s["label"] != "silence" and fmt == "rttm":
            turns.append((start, end, s["label"]))
            if s.get("background") == "music":
                turns.append((start, end, "music"))
    return turns


def assert_same_turns(test, got, want):
    test.assertEqual(len(got), len(want), (got, want))
    for (g_start, g_end, g_label), (w_start, w_end, w_label) in zip(got, want):
        test.assertEqual(g_label, w_label)
        # JSON rounds to 0.01 s, the text formats to 0.001 s.
        test.assertAlmostEqual(g_start, w_start, delta=0.006)
        test.assertAlmostEqual(g_end, w_end, delta=0.006)


class WithComposite(unittest.TestCase):
    """A composite file made once per class (`path`) and its JSON result (`result`)."""
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        cls.path = make_composite(cls.folder.name)
        cls.result = json_segments(cls.path)

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()


class Exports(WithComposite):

    def test_every_format_reads_back_as_the_json_segments(self):
        self.assertGreaterEqual(len(self.result["segments"]), 3)
        for fmt, read in timeline_readers.READERS.items():
            with self.subTest(format=fmt):
                out = run(["analyze", self.path, "--format", fmt], text=True)
                self.assertEqual(out.returncode, 0, out.stderr)
                assert_same_turns(self, read(out.stdout),
                                  expected_turns(self.result["segments"], fmt))

    def test_textgrid_spans_the_whole_file(self):
        out = run(["analyze", self.path, "--format", "textgrid"], text=True).stdout
        turns = timeline_readers.read_textgrid(out)
        self.assertEqual(turns[0][0], 0.0)
        self.assertAlmostEqual(turns[-1][1], self.result["duration"], delta=0.006)

    def test_several_inputs_share_one_csv_header_and_name_their_file(self):
        out = run(["analyze", self.path, self.path, "--format", "csv"], text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        self.assertEqual(lines.count("file,start,end,label,background"), 1)
        self.assertTrue(all(line.startswith("composite,") for line in lines[1:]))
        self.assertEqual(len(lines) - 1, 2 * len(self.result["segments"]))

    def test_output_dir_writes_one_document_per_input(self):
        with tempfile.TemporaryDirectory() as out_dir:
            out = run(["analyze", self.path, "--format", "vtt", "--output-dir", out_dir])
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(out.stdout, b"")
            self.assertEqual(os.listdir(out_dir), ["composite.vtt"])
            with open(os.path.join(out_dir, "composite.vtt"), encoding="utf-8") as f:
                self.assertTrue(f.read().startswith("WEBVTT\n\n"))

    def test_options_that_do_not_go_together_exit_2_and_say_why(self):
        cases = [
            (["analyze", self.path, "--format", "xml"], "unknown --format"),
            (["analyze", self.path, self.path, "--format", "audacity"], "--output-dir"),
            (["analyze", "-", "--follow", "--format", "textgrid"], "--follow cannot"),
            (["analyze", "-", "--raw-format", "s16le"], "--rate and --channels"),
            (["analyze", self.path, "--raw-format", "s16le", "--rate", "8000",
              "--channels", "1"], "standard input"),
            (["analyze", "-", "-"], "only once"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                out = run(args, text=True, stdin=subprocess.DEVNULL)
                self.assertEqual(out.returncode, 2)
                self.assertIn(message, out.stderr)
                self.assertEqual(out.stdout, "")


class StandardInput(WithComposite):

    def encoded(self, fmt, *args):
        return subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", self.path,
                               *args, "-f", fmt, "-"], check=True, capture_output=True).stdout

    def test_a_wav_flac_or_raw_pipe_gives_the_files_result(self):
        inputs = {
            "wav": (self.encoded("wav"), []),
            "flac": (self.encoded("flac"), []),
            "raw s16le": (self.encoded("s16le"), ["--raw-format", "s16le", "--rate", "16000",
                                                  "--channels", "1"]),
            "raw f32le stereo 48 kHz": (self.encoded("f32le", "-ac", "2", "-ar", "48000"),
                                        ["--raw-format", "f32le", "--rate", "48000",
                                         "--channels", "2"]),
        }
        for name, (data, args) in inputs.items():
            with self.subTest(input=name):
                out = run(["analyze", "-"] + args, input=data)
                self.assertEqual(out.returncode, 0, out.stderr)
                got = json.loads(out.stdout)
                self.assertEqual(got["file"], "-")
                self.assertAlmostEqual(got["duration"], self.result["duration"], delta=0.02)
                self.assertEqual([labelled(s) for s in got["segments"]],
                                 [labelled(s) for s in self.result["segments"]])

    def test_an_mp3_pipe_is_decoded_and_classified(self):
        out = run(["analyze", "-"], input=self.encoded("mp3"))
        self.assertEqual(out.returncode, 0, out.stderr)
        got = json.loads(out.stdout)
        self.assertEqual(got["codec"], "mp3")
        self.assertEqual(got["classification"], self.result["classification"])

    def test_an_empty_or_garbage_pipe_is_an_error_line(self):
        for data, code in [(b"", "invalid_input"), (os.urandom(5000), "unsupported_format")]:
            out = run(["analyze", "-"], input=data)
            self.assertEqual(out.returncode, 1)
            self.assertEqual(json.loads(out.stdout)["error"]["code"], code)

    def test_follow_prints_each_segment_then_a_summary(self):
        out = run(["analyze", "-", "--follow"], input=self.encoded("wav"))
        self.assertEqual(out.returncode, 0, out.stderr)
        events = [json.loads(line) for line in out.stdout.splitlines()]
        self.assertEqual([e["event"] for e in events],
                         ["segment"] * (len(events) - 1) + ["summary"])
        segments = [{k: v for k, v in e.items() if k not in ("event", "file")}
                    for e in events[:-1]]
        self.assertEqual(segments, self.result["segments"])
        summary = events[-1]
        self.assertNotIn("segments", summary)
        self.assertEqual(summary["classification"], self.result["classification"])
        self.assertEqual(summary["class_probabilities"], self.result["class_probabilities"])

    def test_follow_in_csv_prints_the_whole_files_csv(self):
        whole = run(["analyze", "-", "--format", "csv"], input=self.encoded("wav"), text=False)
        followed = run(["analyze", "-", "--format", "csv", "--follow"],
                       input=self.encoded("wav"))
        self.assertEqual(followed.returncode, 0, followed.stderr)
        self.assertEqual(followed.stdout, whole.stdout)

    def test_follow_gives_each_segment_within_its_delay(self):
        """Writes a second of audio at a time and notes, for each line, how much audio had
        been written when it came: a segment ending at t must come before t + the delay."""
        raw = self.encoded("s16le") * 3  # about 75 s, with every kind of boundary three times
        process = subprocess.Popen(
            [EARSHOT, "analyze", "-", "--raw-format", "s16le", "--rate", str(RATE),
             "--channels", "1", "--follow"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        second = 2 * RATE
        seen = []  # (seconds written, line)
        pending = b""

        def collect(written, quiet_seconds):
            nonlocal pending
            while True:
                ready, _, _ = select.select([process.stdout], [], [], quiet_seconds)
                if not ready:
                    return
                chunk = os.read(process.stdout.fileno(), 65536)
                if not chunk:
                    return
                pending += chunk
                *lines, pending = pending.split(b"\n")
                seen.extend((written, json.loads(line)) for line in lines)

        for at in range(0, len(raw), second):
            process.stdin.write(raw[at:at + second])
            process.stdin.flush()
            collect(min(at + second, len(raw)) / second, 0.25)
        process.stdin.close()
        collect(len(raw) / second, 5.0)
        self.assertEqual(process.wait(timeout=30), 0, process.stderr.read())
        process.stdout.close()
        process.stderr.close()
        segments = [(written, e) for written, e in seen if e["event"] == "segment"]
        self.assertGreaterEqual(len(segments), 9)
        for written, segment in segments[:-1]:  # the last closes with the stream
            self.assertLessEqual(written - segment["end"], MAX_DELAY_SECONDS, segment)
        self.assertEqual(seen[-1][1]["event"], "summary")


def rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class LongStreams(unittest.TestCase):
    def test_two_hours_through_a_pipe_keep_memory_flat(self):
        """Two hours of a 25 s composite on a loop, through a pipe: the resident memory in
        the last hour stays within a few MB of what it was after the first ten minutes."""
        with tempfile.TemporaryDirectory() as folder:
            path = make_composite(folder)
            hours = 2
            source = subprocess.Popen(
                ["ffmpeg", "-nostdin", "-loglevel", "error", "-stream_loop", "-1", "-i", path,
                 "-t", str(hours * 3600), "-f", "s16le", "-"], stdout=subprocess.PIPE)
            follower = subprocess.Popen(
                [EARSHOT, "analyze", "-", "--raw-format", "s16le", "--rate", str(RATE),
                 "--channels", "1", "--follow", "--format", "ndjson"],
                stdin=source.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            source.stdout.close()
            samples = []  # (seconds of audio given out, RSS in KiB)
            heard = 0.0
            os.set_blocking(follower.stdout.fileno(), False)
            pending = b""
            while follower.poll() is None:
                time.sleep(0.1)
                try:
                    chunk = os.read(follower.stdout.fileno(), 1 << 20) or b""
                except BlockingIOError:
                    chunk = b""
                pending += chunk
                *lines, pending = pending.split(b"\n")
                if lines:
                    heard = json.loads(lines[-1])["end"]
                try:
                    samples.append((heard, rss_kib(follower.pid)))
                except FileNotFoundError:
                    break
            pending += follower.stdout.read()
            self.assertEqual(follower.wait(), 0, follower.stderr.read())
            self.assertEqual(source.wait(), 0)
            follower.stdout.close()
            follower.stderr.close()
            last = json.loads(pending.split(b"\n")[-2] if pending.strip() else b"{}")
            self.assertAlmostEqual(last.get("end", heard), hours * 3600, delta=1.0)
            early = [rss for at, rss in samples if 600 <= at <= 1200]
            late = [rss for at, rss in samples if at >= 3600]
            print(f"RSS after 10-20 min of audio: {max(early)} KiB; "
                  f"in the second hour: at most {max(late)} KiB")
            if SANITIZED:
                return  # AddressSanitizer's quarantine holds freed memory up to 256 MB
            self.assertLessEqual(max(late), max(early) + 4096)


if __name__ == "__main__":
    EARSHOT = sys.argv[1]
    SANITIZED = "--sanitized" in sys.argv[2:]
    unittest.main(argv=[sys.argv[0], "-v"] + [a for a in sys.argv[2:] if a != "--sanitized"])
