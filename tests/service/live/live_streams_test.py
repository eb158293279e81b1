#!/usr/bin/python3
"""POST /streams against a real Icecast server: Debian's icecast2 on a loopback port, fed by
`ffmpeg -re ... -f mp3 icecast://...` with a known sequence (silence, speech, silence, music),
followed by the real `earshot serve`. The Server-Sent Events give the file's segments in order
with boundaries within 1 s, and monitors end cleanly at max_seconds, on DELETE, when the source
disconnects and when it stalls. The same tests run again with Redis, where `earshot worker`s
follow the streams, and a stream goes on when the worker following it stops or is killed.
Everything runs on 127.0.0.1 and stops by itself.

    live_streams_test.py EARSHOT
"""
import http.client
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

EARSHOT = None
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
PASSWORD = "hackme-test"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def midi_song(path):
    """Two bars of piano chords over bass and drums, eight times: a type-0 MIDI file."""
    events = bytearray()

    def note(delta, channel, key, velocity, length):
        nonlocal events
        events += varlen(delta) + bytes([0x90 | channel, key, velocity])
        events += varlen(length) + bytes([0x80 | channel, key, 0])

    def varlen(value):
        out = [value & 0x7F]
        value >>= 7
        while value:
            out.insert(0, (value & 0x7F) | 0x80)
            value >>= 7
        return bytes(out)

    events += varlen(0) + bytes([0xC0, 0]) + varlen(0) + bytes([0xC1, 33])  # piano, bass
    chords = [(60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62)]
    for _ in range(4):
        for chord in chords:
            for beat in range(2):
                events += varlen(0) + bytes([0x99, 36, 100])  # kick
                for key in chord:
                    events += varlen(0) + bytes([0x90, key, 80])
                events += varlen(0) + bytes([0x91, chord[0] - 24, 90])
                events += varlen(240) + bytes([0x99, 42, 70])  # hi-hat
                events += varlen(240) + bytes([0x91, chord[0] - 24, 0])
                for key in chord:
                    events += varlen(0) + bytes([0x80, key, 0])
    events += varlen(0) + bytes([0xFF, 0x2F, 0x00])
    with open(path, "wb") as f:
        f.write(b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480))
        f.write(b"MTrk" + struct.pack(">I", len(events)) + bytes(events))


def make_sequence(folder):
    """4 s of silence, speech, 3 s of silence, about 10 s of music: the stream's audio."""
    speech = os.path.join(folder, "speech.wav")
    subprocess.run(["espeak-ng", "-w", speech,
                    "Good evening. This is the news, read slowly for a test of live streams, "
                    "and after a short pause the music begins."], check=True)
    song = os.path.join(folder, "song.mid")
    midi_song(song)
    music = os.path.join(folder, "music.wav")
    subprocess.run(["fluidsynth", "-ni", "-g", "0.8", "-F", music, "-r", "22050", SOUNDFONT, song],
                   check=True, capture_output=True)
    path = os.path.join(folder, "sequence.wav")
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono:d=4", "-i", speech,
                    "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono:d=3", "-i", music,
                    "-filter_complex",
                    "[1:a]aresample=22050[s];[3:a]aresample=22050,pan=mono|c0=c0,"
                    "atrim=0:10[m];[0:a][s][2:a][m]concat=n=4:v=0:a=1",
                    "-ar", "22050", "-ac", "1", path], check=True)
    return path


class Icecast:
    def __init__(self, folder):
        self.port = free_port()
        self.folder = folder
        os.chmod(folder, 0o777)  # icecast2 drops root for nobody and writes its log here
        config = os.path.join(folder, "icecast.xml")
        with open(config, "w", encoding="utf-8") as f:
            f.write(f"""<icecast>
  <limits><sources>4</sources><burst-size>0</burst-size></limits>
  <authentication><source-password>{PASSWORD}</source-password>
    <admin-user>admin</admin-user><admin-password>{PASSWORD}</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>{self.port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>{folder}</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>2</loglevel></logging>
  <security><chroot>0</chroot>
    {"<changeowner><user>nobody</user><group>nogroup</group></changeowner>" if os.geteuid() == 0 else ""}
  </security>
</icecast>""")
        self.process = subprocess.Popen(["icecast2", "-c", config], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_until(self.answers, 10, "icecast2 to listen")

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def mount_live(self, mount):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", mount)
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def feed(self, path, mount, loops=0):
        """ffmpeg sends `path` (1 + loops times) at real speed as MP3 to `mount`; returns the
        process."""
        source = subprocess.Popen(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", str(loops),
             "-i", path, "-c:a", "libmp3lame",
             "-b:a", "64k", "-content_type", "audio/mpeg", "-f", "mp3",
             f"icecast://source:{PASSWORD}@127.0.0.1:{self.port}{mount}"])
        wait_until(lambda: self.mount_live(mount), 10, "the mount to go live")
        return source

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Redis:
    """A redis-server of its own on a free loopback port, without persistence."""

    def __init__(self, folder):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", folder], stdout=subprocess.DEVNULL)
        wait_until(lambda: self.answers(), 10, "redis-server")

    def call(self, *args):
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True,
                              text=True, check=True).stdout.strip()

    def answers(self):
        try:
            return self.call("PING") == "PONG"
        except subprocess.CalledProcessError:
            return False

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def environment(settings):
    """Loopback only, no Redis unless `settings` name one."""
    out = dict(os.environ, API_HOST="127.0.0.1", ALLOW_PRIVATE_URLS="true", REDIS_HOST="",
               REDIS_URL="")
    out.update({k: str(v) for k, v in settings.items()})
    return out


class Worker:
    """`earshot worker`: follows streams (and runs jobs) from the Redis in `settings`; started
    when it says it runs."""

    def __init__(self, folder, **settings):
        self.log = tempfile.mkstemp(dir=folder, prefix="worker-", suffix=".log")[1]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([EARSHOT, "worker"], env=environment(settings),
                                            stdout=subprocess.DEVNULL, stderr=log)
        wait_until(self.started, 20, "earshot worker")

    def started(self):
        with open(self.log, encoding="utf-8") as f:
            text = f.read()
        if self.process.poll() is not None:
            raise AssertionError("earshot worker exited: " + text)
        return " running " in text

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=30)


class Earshot:
    def __init__(self, **settings):
        self.port = free_port()
        self.process = subprocess.Popen([EARSHOT, "serve"],
                                        env=environment(dict(settings, API_PORT=self.port)),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: self.request("GET", "/health/live")[0] == 200, 20, "earshot serve")

    def request(self, method, path, body=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            connection.request(method, path, json.dumps(body) if body is not None else None,
                               headers)
            response = connection.getresponse()
            text = response.read().decode()
            return response.status, (json.loads(text) if text.startswith(("{", "[")) else text)
        except OSError:
            return 0, None
        finally:
            connection.close()

    def events(self, stream_id, last_event_id=None):
        """The stream's Server-Sent Events as (name, data, time), until the response ends."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
        connection.request("GET", f"/streams/{stream_id}/events", headers=headers)
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type") == "text/event-stream"
        out, name, data = [], None, None
        for raw in response:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = json.loads(line[6:])
            elif line == "" and name:
                out.append((name, data, time.monotonic()))
                name, data = None, None
        connection.close()
        return out

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def stalling_source(port_holder, stop):
    """An HTTP server that answers audio/mpeg, sends a little MP3 and then nothing."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port_holder.append(server.getsockname()[1])
    server.settimeout(0.5)
    mp3 = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                          "sine=f=440:d=3", "-f", "mp3", "-"], check=True,
                         capture_output=True).stdout
    clients = []
    while not stop.is_set():
        try:
            client, _ = server.accept()
        except socket.timeout:
            continue
        client.recv(4096)
        client.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\n\r\n" + mp3)
        clients.append(client)  # kept open, silent
    for client in clients:
        client.close()
    server.close()


class LiveStreams(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Each part is stopped even when a later one fails to start.
        cls.folder = tempfile.TemporaryDirectory()
        cls.addClassCleanup(cls.folder.cleanup)
        cls.sequence = make_sequence(cls.folder.name)
        cls.icecast = Icecast(cls.folder.name)
        cls.addClassCleanup(cls.icecast.stop)
        cls.start_earshot()

    @classmethod
    def start_earshot(cls):
        cls.earshot = Earshot(MAX_STREAMS=3, STREAM_IDLE_TIMEOUT_SECONDS=2)
        cls.addClassCleanup(cls.earshot.stop)

    def file_segments(self):
        out = subprocess.run([EARSHOT, "analyze", self.sequence], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)["segments"]

    def test_a_radio_stream_gives_the_files_segments_as_they_close(self):
        expected = self.file_segments()
        self.assertEqual([s["label"] for s in expected], ["silence", "speech", "silence", "music"])
        source = self.icecast.feed(self.sequence, "/news.mp3")
        status, started = self.earshot.request("POST", "/streams",
                                               {"url": f"http://127.0.0.1:{self.icecast.port}/news.mp3"})
        self.assertEqual(status, 201, started)
        self.assertIn(started["state"], ("running", "queued"))  # queued: for a worker
        # A second and a third monitor on the same mount: one bounded, one deleted.
        _, bounded = self.earshot.request("POST", "/streams", {
            "url": f"http://127.0.0.1:{self.icecast.port}/news.mp3", "max_seconds": 3})
        _, deleted = self.earshot.request("POST", "/streams", {
            "url": f"http://127.0.0.1:{self.icecast.port}/news.mp3"})
        status, refused = self.earshot.request("POST", "/streams", {
            "url": f"http://127.0.0.1:{self.icecast.port}/news.mp3"})
        self.assertEqual(status, 503, refused)  # MAX_STREAMS=3
        self.assertIn("MAX_STREAMS", refused["detail"])

        time.sleep(1.5)
        status, stopped = self.earshot.request("DELETE", f"/streams/{deleted['id']}")
        self.assertEqual(status, 200, stopped)
        self.assertEqual((stopped["state"], stopped["reason"]), ("finished", "stopped"))

        events = self.earshot.events(started["id"])
        source.wait(timeout=60)
        names = [name for name, _, _ in events]
        self.assertEqual(names[-1], "end")
        self.assertEqual(set(names[:-1]), {"segment"})
        got = [data for name, data, _ in events if name == "segment"]
        end = events[-1][1]
        self.assertEqual((end["state"], end["reason"]), ("finished", "source_ended"), end)

        # The monitor joined during the leading silence, so its times are the file's shifted
        # by when it joined: align on the start of speech and compare every later boundary.
        labels = [s["label"] for s in got]
        self.assertEqual(labels[labels.index("speech"):], ["speech", "silence", "music"], got)
        first = labels.index("speech")
        shift = got[first]["start"] - expected[1]["start"]
        for g, e in zip(got[first:], expected[1:]):
            self.assertAlmostEqual(g["start"] - shift, e["start"], delta=1.0, msg=(got, expected))
        self.assertIn(end["classification"], ("speech", "music"))
        self.assertGreater(end["seconds"], got[-1]["start"])

        status, state = self.earshot.request("GET", f"/streams/{started['id']}")
        self.assertEqual(status, 200)
        self.assertEqual(state["segments"], got)

        # A client that reconnects after the second-to-last segment gets the rest only.
        resumed = self.earshot.events(started["id"], last_event_id=len(got) - 2)
        self.assertEqual([name for name, _, _ in resumed], ["segment", "end"])
        self.assertEqual(resumed[0][1], got[-1])

        status, bounded_state = self.earshot.request("GET", f"/streams/{bounded['id']}")
        self.assertEqual((bounded_state["state"], bounded_state["reason"]),
                         ("finished", "max_seconds"), bounded_state)

    def test_segments_arrive_while_the_stream_still_plays(self):
        source = self.icecast.feed(self.sequence, "/early.mp3")
        _, started = self.earshot.request("POST", "/streams",
                                          {"url": f"http://127.0.0.1:{self.icecast.port}/early.mp3"})
        events = self.earshot.events(started["id"])
        self.assertEqual(source.wait(timeout=60), 0)
        segment_times = [at for name, _, at in events if name == "segment"]
        self.assertGreaterEqual(len(segment_times), 3)
        # The first segments came while ffmpeg was still sending (real time, about 25 s), well
        # before the end event that followed the source's disconnection.
        self.assertLess(segment_times[0], events[-1][2] - 8.0)

    def test_a_stalled_source_ends_the_stream_as_idle(self):
        port, stop = [], threading.Event()
        thread = threading.Thread(target=stalling_source, args=(port, stop))
        thread.start()
        try:
            wait_until(lambda: bool(port), 10, "the stalling source")
            _, started = self.earshot.request("POST", "/streams",
                                              {"url": f"http://127.0.0.1:{port[0]}/stall.mp3"})
            events = self.earshot.events(started["id"])
            end = events[-1][1]
            self.assertEqual(events[-1][0], "end")
            self.assertEqual(end["reason"], "idle", end)
            self.assertIn("stalled", end["error"])
        finally:
            stop.set()
            thread.join()

    def test_bad_requests_are_refused_with_the_usual_statuses(self):
        self.assertEqual(self.earshot.request("POST", "/streams", {"max_seconds": 3})[0], 422)
        self.assertEqual(self.earshot.request("POST", "/streams", {"url": 5})[0], 422)
        self.assertEqual(self.earshot.request("POST", "/streams",
                                              {"url": "http://x/a", "max_seconds": -1})[0], 422)
        self.assertEqual(self.earshot.request("POST", "/streams", {"url": "ftp://x/a"})[0], 400)
        self.assertEqual(self.earshot.request("POST", "/streams",
                                              {"url": "http://x/a", "max_seconds": 10 ** 7})[0],
                         400)
        self.assertEqual(self.earshot.request("GET", "/streams/nope")[0], 404)
        self.assertEqual(self.earshot.request("GET", "/streams/nope/events")[0], 404)
        self.assertEqual(self.earshot.request("DELETE", "/streams/nope")[0], 404)

    def test_a_source_that_is_not_audio_fails_the_stream(self):
        status, started = self.earshot.request("POST", "/streams", {
            "url": f"http://127.0.0.1:{self.earshot.port}/health/live"})
        self.assertEqual(status, 201)
        events = self.earshot.events(started["id"])
        end = events[-1][1]
        self.assertEqual((end["state"], end["reason"]), ("failed", "error"), end)
        self.assertIn("not audio", end["error"])

    def test_metrics_count_streams(self):
        _, text = self.earshot.request("GET", "/metrics")
        self.assertIn("earshot_streams_active ", text)
        self.assertIn('earshot_streams_total{event="started"}', text)


class LiveStreamsOnWorkers(LiveStreams):
    """The same, with Redis: the streams are followed by two `earshot worker`s."""

    @classmethod
    def start_earshot(cls):
        cls.redis = Redis(cls.folder.name)
        cls.addClassCleanup(cls.redis.stop)
        cls.settings = dict(MAX_STREAMS=3, STREAM_IDLE_TIMEOUT_SECONDS=2,
                            STREAM_VISIBILITY_TIMEOUT_SECONDS=3,
                            REDIS_URL=f"redis://127.0.0.1:{cls.redis.port}")
        cls.earshot = Earshot(**cls.settings)
        cls.addClassCleanup(cls.earshot.stop)
        cls.workers = [Worker(cls.folder.name, **cls.settings) for _ in range(2)]
        cls.addClassCleanup(lambda: [worker.stop() for worker in cls.workers])

    def owner(self, stream_id):
        """The worker following the stream (by the pid in its consumer name), or None."""
        name = self.redis.call("HGET", f"earshot:v1:stream:{stream_id}", "owner")
        pid = name.split("-")[-2] if name.count("-") >= 2 else ""
        return next((w for w in self.workers if str(w.process.pid) == pid), None)

    def segment_count(self, stream_id):
        return len(self.earshot.request("GET", f"/streams/{stream_id}")[1]["segments"])

    def test_a_stream_outlives_the_workers_that_follow_it(self):
        source = self.icecast.feed(self.sequence, "/long.mp3", loops=1)  # about 50 s
        _, started = self.earshot.request("POST", "/streams",
                                          {"url": f"http://127.0.0.1:{self.icecast.port}/long.mp3"})
        stream_id = started["id"]
        events = []
        reader = threading.Thread(target=lambda: events.extend(self.earshot.events(stream_id)))
        reader.start()
        wait_until(lambda: self.segment_count(stream_id) > 0, 30, "a first segment")

        # A worker that is stopped hands the stream back: the other one takes it at once,
        # well before the visibility timeout.
        first = self.owner(stream_id)
        self.assertIsNotNone(first)
        first.stop()
        self.workers.remove(first)
        self.workers.append(Worker(self.folder.name, **self.settings))
        wait_until(lambda: self.owner(stream_id) not in (None, first), 2.5, "a handed-back take-over")
        before = self.segment_count(stream_id)
        wait_until(lambda: self.segment_count(stream_id) > before, 30, "a segment after it")

        # A worker that is killed leaves it pending: another takes it over after the timeout.
        second = self.owner(stream_id)
        second.process.kill()
        second.process.wait()
        self.workers.remove(second)
        wait_until(lambda: self.owner(stream_id) not in (None, second), 15, "a take-over")

        self.assertEqual(source.wait(timeout=90), 0)
        reader.join(timeout=60)
        self.assertEqual(events[-1][0], "end")
        end = events[-1][1]
        self.assertEqual((end["state"], end["reason"]), ("finished", "source_ended"), end)
        got = [data for name, data, _ in events if name == "segment"]
        self.assertGreater(len(got), before)
        # One timeline: segments in order, never overlapping (a gap where no one listened).
        for earlier, later in zip(got, got[1:]):
            self.assertGreaterEqual(later["start"], earlier["end"] - 1e-6, got)
        self.assertEqual(self.earshot.request("GET", f"/streams/{stream_id}")[1]["segments"], got)
        self.assertGreater(end["seconds"], 40.0)


if __name__ == "__main__":
    EARSHOT = sys.argv[1]
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[2:])
