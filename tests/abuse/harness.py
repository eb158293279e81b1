"""A real `earshot serve` per check, watched while it is attacked: its memory and CPU from
/proc, and the latency of GET /health/live polled over fresh connections."""

import collections
import contextlib
import json
import os
import resource
import signal
import subprocess
import threading
import time

from . import wire

MB = 1024 * 1024
HEALTH_INTERVAL_S = 0.1
HEALTH_TIMEOUT_S = 5.0


def read_status(pid):
    """(VmRSS, VmHWM) in bytes, or None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        return (int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024)
    except (OSError, KeyError, ValueError):
        return None


def cpu_seconds(pid):
    """User + system CPU time of the whole process (all threads), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def open_sockets(pid):
    """How many sockets the process holds (its listening socket included)."""
    count = 0
    try:
        for name in os.listdir(f"/proc/{pid}/fd"):
            try:
                count += os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:")
            except OSError:
                pass  # closed meanwhile
    except OSError:
        return None
    return count


class Sampler:
    """Samples VmRSS every 50 ms; VmHWM catches the spikes between samples."""

    def __init__(self, pid):
        self.pid = pid
        self.max_rss = 0
        self.hwm = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        first = read_status(self.pid)
        self.base_rss, self.base_hwm = first if first else (0, 0)
        self.max_rss, self.hwm = self.base_rss, self.base_hwm
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(0.05)

    def sample(self):
        now = read_status(self.pid)
        if now:
            self.max_rss = max(self.max_rss, now[0])
            self.hwm = max(self.hwm, now[1])

    def peak(self):
        """Peak RSS since start(): VmHWM when it rose meanwhile, else the highest sample."""
        return self.hwm if self.hwm > self.base_hwm else self.max_rss

    def stop(self):
        self._stop.set()
        self._thread.join(2)
        self.sample()


class HealthWatcher:
    """Polls GET /health/live every 100 ms, each over a new connection, timeout 5 s."""

    def __init__(self, port):
        self.port = port
        self.worst = 0.0
        self.probes = 0
        self.failures = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            started = time.monotonic()
            problem = probe_failure(self.port)
            elapsed = time.monotonic() - started
            self.probes += 1
            self.worst = max(self.worst, elapsed)
            if problem:
                self.failures.append(problem)
            self._stop.wait(max(0.0, HEALTH_INTERVAL_S - elapsed))

    def stop(self):
        self._stop.set()
        self._thread.join(HEALTH_TIMEOUT_S + 2)


def probe_failure(port, timeout=HEALTH_TIMEOUT_S):
    """None when /health/live answers 200, else what went wrong."""
    try:
        response = wire.request(port, "GET", "/health/live", timeout=timeout)
    except OSError as error:
        return f"{type(error).__name__}: {error}"
    if response is None:
        return f"no answer within {timeout:g} s"
    return None if response.status == 200 else f"status {response.status}"


def timed_probe(port, timeout=HEALTH_TIMEOUT_S):
    """(seconds, failure or None) of one GET /health/live."""
    started = time.monotonic()
    problem = probe_failure(port, timeout)
    return time.monotonic() - started, problem


class Outcome:
    """What one check saw: its failures, notes and figures."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.notes = []
        self.statuses = collections.Counter()
        self.peak_rss = None
        self.base_rss = None
        self.worst_health = None
        self.seconds = 0.0

    def expect(self, condition, message):
        if not condition:
            self.failures.append(message)
        return condition

    def note(self, message):
        self.notes.append(message)

    def saw(self, response, error=None):
        """Counts an answer's status, or how the connection ended without one."""
        if response is not None:
            self.statuses[str(response.status)] += 1
        elif isinstance(error, ConnectionResetError):
            self.statuses["reset"] += 1
        else:
            self.statuses["no-answer"] += 1

    def answered(self, what, result):
        """Counts a timed_post result; (response, seconds), or None with a failure noted when
        the call raised or the connection ended without an answer."""
        if isinstance(result, Exception):
            self.failures.append(f"{what}: {type(result).__name__}: {result}")
            return None
        response, seconds, error, _ = result
        self.saw(response, error)
        if response is None:
            ended = type(error).__name__ if error else "connection closed"
            self.failures.append(f"{what}: no HTTP answer ({ended}) after {seconds:.1f} s")
            return None
        return response, seconds

    def health(self, seconds):
        self.worst_health = seconds if self.worst_health is None else max(self.worst_health,
                                                                          seconds)

    def expect_peak_rss(self, limit_mb):
        if self.peak_rss is None:
            return
        self.expect(self.peak_rss < limit_mb * MB,
                    f"peak RSS {self.peak_rss / MB:.0f} MB, over the bound of {limit_mb} MB")

    @property
    def passed(self):
        return not self.failures


class Server:
    """One `earshot serve` on 127.0.0.1 with a clean environment, run from a scratch folder
    (so no .env is read); its stderr (JSON log lines) goes to a file."""

    def __init__(self, run, outcome, settings, nofile=None):
        self.run = run
        self.outcome = outcome
        self.settings = settings
        self.nofile = nofile
        self.port = wire.free_port()
        self.proc = None
        self.sampler = None
        self.expect_exit = False  # a check that stops the server itself sets this
        self.log_path = os.path.join(run.tmp, f"{outcome.name}.{self.port}.log")

    def environment(self):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.run.tmp,
               "LANG": "C.UTF-8", "API_HOST": wire.HOST, "API_PORT": str(self.port),
               "MODELS_CONFIG_PATH": os.path.join(self.run.repo, "config", "models.json")}
        env.update({key: str(value) for key, value in self.settings.items()})
        return env

    def start(self):
        limit = self.nofile
        preexec = (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
                   ) if limit else None
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([self.run.binary, "serve"], cwd=self.run.tmp,
                                         env=self.environment(), stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, preexec_fn=preexec)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"earshot serve exited at start ({self.proc.returncode}): "
                                   f"{self.log_tail()}")
            if probe_failure(self.port, timeout=1.0) is None:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("earshot serve did not answer /health/live within 30 s")
        self.sampler = Sampler(self.proc.pid)
        self.sampler.start()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, bound_s=5.0):
        """SIGTERM, then SIGKILL after bound_s; records the figures and an unexpected death."""
        if self.sampler:
            self.sampler.stop()
            self.outcome.peak_rss = max(self.outcome.peak_rss or 0, self.sampler.peak())
            if self.outcome.base_rss is None:
                self.outcome.base_rss = self.sampler.base_rss
        if self.proc is None:
            return
        if self.proc.poll() is not None:
            if self.sampler:  # else start() already said why it is gone
                self.outcome.expect(self.expect_exit, f"the server died during the check "
                                    f"({describe_exit(self.proc.returncode)}): "
                                    f"{self.log_tail()}")
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(bound_s)
        except subprocess.TimeoutExpired:
            self.outcome.note(f"the server was still running {bound_s:g} s after SIGTERM: "
                              "killed")
            self.proc.kill()
            self.proc.wait(10)

    def log_lines(self):
        """The JSON objects of the server's stderr."""
        lines = []
        with open(self.log_path, "rb") as log:
            for raw in log:
                try:
                    value = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(value, dict):
                    lines.append(value)
        return lines

    def log_tail(self):
        try:
            with open(self.log_path, "rb") as log:
                lines = log.read().decode("utf-8", "replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(line[:300] for line in lines[-3:])

    @contextlib.contextmanager
    def watching(self, bound_s=0.5):
        """Polls /health/live while the block runs; its worst latency must stay under bound_s."""
        watcher = HealthWatcher(self.port).start()
        try:
            yield watcher
        finally:
            watcher.stop()
            self.outcome.health(watcher.worst)
            self.outcome.expect(watcher.worst < bound_s,
                                f"/health/live took {watcher.worst:.2f} s at worst "
                                f"(bound {bound_s:g} s)")
            if watcher.failures:
                self.outcome.failures.append(
                    f"{len(watcher.failures)} of {watcher.probes} /health/live probes failed, "
                    f"first: {watcher.failures[0]}")


def describe_exit(code):
    if code is not None and code < 0:
        return f"killed by signal {signal.Signals(-code).name}"
    return f"exit code {code}"


@contextlib.contextmanager
def serve(run, outcome, settings=None, nofile=None, stop_bound_s=5.0):
    """Starts a server for a check and always stops it."""
    server = Server(run, outcome, settings or {}, nofile)
    try:
        server.start()
        yield server
    finally:
        server.stop(stop_bound_s)


def parallel(calls, timeout=300.0):
    """Runs the calls on threads at once; their results in order (an exception as its value)."""
    results = [None] * len(calls)

    def run_one(index, call):
        try:
            results[index] = call()
        except Exception as error:  # reported by the check, never lost
            results[index] = error

    threads = [threading.Thread(target=run_one, args=(i, c), daemon=True)
               for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return results
