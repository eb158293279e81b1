"""Checks on connections: descriptors, idle and trickling clients, and heads that are not HTTP."""

import resource
import selectors
import time

from . import wire
from .harness import cpu_seconds, open_sockets, serve, timed_probe


class CloseWatcher:
    """Notes when the server closes each of many sockets; drains whatever they are sent."""

    def __init__(self):
        self.selector = selectors.DefaultSelector()
        self.closed = {}  # key -> time.monotonic() of the end of stream (or reset)
        self.first_bytes = {}

    def add(self, sock, key):
        sock.setblocking(False)
        self.selector.register(sock, selectors.EVENT_READ, key)

    def poll(self, timeout):
        for selected, _ in self.selector.select(timeout):
            try:
                data = selected.fileobj.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data:
                self.first_bytes.setdefault(selected.data, data[:64])
                continue
            self.closed[selected.data] = time.monotonic()
            self.selector.unregister(selected.fileobj)

    def pending(self):
        return len(self.selector.get_map())

    def close(self):
        self.selector.close()


def raise_own_fd_limit(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def fd_exhaustion(run, out):
    """400 half-sent heads against 300 descriptors: no spinning, all timed out, still healthy."""
    header_timeout, nofile, clients = 2, 300, 400
    raise_own_fd_limit(clients + 200)
    half = b"POST /analyze HTTP/1.1\r\nHost: x\r\n"
    socks, opened = [], []
    with serve(run, out, {"HEADER_TIMEOUT_SECONDS": header_timeout}, nofile=nofile) as server:
        pid, port = server.proc.pid, server.port
        own_sockets = open_sockets(pid) or 0
        try:
            open_half_heads(out, port, half, clients, socks, opened)
            watch_half_open(out, pid, socks, opened, own_sockets, header_timeout)
            seconds, problem = timed_probe(port)
            out.health(seconds)
            out.expect(problem is None and seconds < 0.5,
                       f"/health/live after the half-open connections were closed: "
                       f"{problem or 'ok'} in {seconds:.2f} s (bound 0.5 s)")
        finally:
            for sock in socks:
                sock.close()
        expect_healthy_again(out, server)
    out.expect_peak_rss(256)


def open_half_heads(out, port, half, clients, socks, opened):
    """Opens the connections (10 s at most in all), each sending its half head."""
    deadline = time.monotonic() + 10
    try:
        while len(socks) < clients and time.monotonic() < deadline:
            sock = wire.connect(port, timeout=2)
            try:
                sock.sendall(half)
            except OSError:
                sock.close()
                raise
            socks.append(sock)
            opened.append(time.monotonic())
    except OSError as error:
        out.failures.append(f"could open only {len(socks)} connections: {error}")
        return
    out.expect(len(socks) == clients, f"could open only {len(socks)} connections in 10 s")


def watch_half_open(out, pid, socks, opened, own_sockets, header_timeout):
    """CPU use over 3 s, and when each connection is closed. The server takes connections
    until its descriptors run out (counted in /proc 0.5 s in); the rest wait in the listen
    backlog for a free one, so they are timed out a round later."""
    watcher = CloseWatcher()
    for index, sock in enumerate(socks):
        watcher.add(sock, index)
    start, cpu_start = time.monotonic(), cpu_seconds(pid)
    cpu_end, taken = None, None
    deadline = start + 2 * header_timeout + 3
    while time.monotonic() < deadline and (watcher.pending() or cpu_end is None):
        watcher.poll(0.05)
        if taken is None and time.monotonic() - start >= 0.5:
            taken = (open_sockets(pid) or own_sockets) - own_sockets + len(watcher.closed)
        if cpu_end is None and time.monotonic() - start >= 3.0:
            cpu_end = (cpu_seconds(pid), time.monotonic())
    watcher.close()
    if cpu_start is not None and cpu_end and cpu_end[0] is not None:
        share = (cpu_end[0] - cpu_start) / (cpu_end[1] - start)
        out.note(f"server CPU over the 3 s after the flood: {share * 100:.0f} % of one core")
        out.expect(share < 0.2, f"the server used {share * 100:.0f} % of a core with its "
                                "descriptors exhausted (bound 20 %): it spins on accept")
    judge_half_open(out, watcher, opened, taken or 0, header_timeout, deadline - start)


def judge_half_open(out, watcher, opened, taken, header_timeout, waited):
    late, rounds = [], ([], [])
    for index, opened_at in enumerate(opened):
        second = index >= taken
        bound = (2 if second else 1) * header_timeout + 2
        closed_at = watcher.closed.get(index)
        if closed_at is None or closed_at - opened_at > bound:
            late.append(index)
        else:
            rounds[second].append(closed_at - opened_at)
    still_open = len(opened) - len(watcher.closed)
    out.statuses["closed-by-server"] += len(watcher.closed)
    if still_open:
        out.statuses["left-open"] += still_open
    out.note(f"{len(watcher.closed)} of {len(opened)} half-open connections closed by the "
             f"server: the {taken} it took within {max(rounds[0], default=0):.1f} s, the "
             f"{len(opened) - taken} left waiting for a descriptor within "
             f"{max(rounds[1], default=0):.1f} s")
    out.expect(not late, f"{len(late)} of {len(opened)} half-open connections were not closed "
               f"in time ({still_open} still open after {waited:.0f} s; bound "
               f"HEADER_TIMEOUT_SECONDS + 2 s for the {taken} taken at once, twice the timeout "
               "+ 2 s for those that waited for a descriptor)")


def expect_healthy_again(out, server):
    deadline = time.monotonic() + 3.0
    seconds, problem = None, "not probed"
    while time.monotonic() < deadline:
        seconds, problem = timed_probe(server.port, timeout=1.0)
        if problem is None:
            break
    out.expect(server.alive() and problem is None,
               f"after the clients left: {'process gone' if not server.alive() else problem}")


MALFORMED = [
    ("a garbage request line", b"GARBAGE\r\n\r\n", 400),
    ("a 20 KB header", b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 +
     b"\r\n\r\n", 431),
    ("a 9000-byte target", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    ("chunk framing 'zz'", b"POST /analyze HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\n"
     b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
]


def malformed_requests(run, out):
    """Malformed heads get 400/431/414 before the close, and are counted and logged."""
    with serve(run, out) as server:
        with server.watching():
            for what, data, status in MALFORMED:
                send_malformed(out, server.port, what, data, status)
            metrics = wire.request(server.port, "GET", "/metrics", timeout=5)
        expect_counted(out, metrics)
    expect_logged(out, server)
    out.expect_peak_rss(256)


def send_malformed(out, port, what, data, status):
    sock = wire.connect(port, timeout=5)
    reader = wire.Reader(sock)
    try:
        try:
            sock.sendall(data)
        except OSError as error:
            out.note(f"{what}: sending failed: {error}")
        closed = reader.wait_closed(3.0)
        response = reader.final()
        out.saw(response, reader.error)
        if response is None:
            out.failures.append(f"{what}: {'closed' if closed else 'left open'} without an "
                                f"answer, expected {status}")
            return
        out.expect(response.status == status, f"{what}: {response!r}, expected {status}")
        out.expect(closed is not None, f"{what}: answered {response.status}, but the "
                                       "connection was still open 3 s later")
    finally:
        reader.stop()
        sock.close()


def expect_counted(out, metrics):
    if metrics is None or metrics.status != 200:
        out.failures.append(f"GET /metrics: {metrics!r}")
        return
    text = metrics.body.decode("utf-8", "replace")
    wanted = {str(status) for _, _, status in MALFORMED}
    found = [line for line in text.splitlines()
             if (line.startswith("earshot_http_requests_total") and
                 any(f'status="{status}"' in line for status in wanted)) or
             line.startswith("earshot_http_requests_rejected_total")]
    out.note("metrics: " + ("; ".join(found) if found else "no line for 400, 414 or 431"))
    for status in sorted(wanted):
        sent = sum(1 for _, _, expected in MALFORMED if str(expected) == status)
        counted = sum(float(line.rsplit(" ", 1)[1]) for line in found
                      if line.startswith("earshot_http_requests_total") and
                      f'status="{status}"' in line)
        out.expect(counted >= sent, f"/metrics counts {counted:.0f} requests answered {status} "
                                    f"in earshot_http_requests_total, {sent} were sent")


def expect_logged(out, server):
    logged = {}
    for line in server.log_lines():
        if "status" in line:
            logged[str(line["status"])] = logged.get(str(line["status"]), 0) + 1
    for status in sorted({str(status) for _, _, status in MALFORMED}):
        sent = sum(1 for _, _, expected in MALFORMED if str(expected) == status)
        out.expect(logged.get(status, 0) >= sent, f"the log has {logged.get(status, 0)} lines "
                                                  f"with status {status}, {sent} were sent")


def slowloris_keepalive(run, out):
    """Idle keep-alive connections and one-byte-a-second heads are closed on time."""
    header_timeout, keep_alive, count = 3, 5, 50
    raise_own_fd_limit(2 * count + 200)
    idle, trickling = {}, {}
    watcher = CloseWatcher()
    socks = []
    with serve(run, out, {"HEADER_TIMEOUT_SECONDS": header_timeout}) as server, \
            server.watching():
        try:
            for index in range(count):
                sock = wire.connect(server.port, timeout=5)
                socks.append(sock)
                idle[("idle", index)] = keep_alive_exchange(out, sock, server.port)
                watcher.add(sock, ("idle", index))
            slow = b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: "
            for index in range(count):
                sock = wire.connect(server.port, timeout=5)
                socks.append(sock)
                trickling[("slow", index)] = time.monotonic()
                watcher.add(sock, ("slow", index))
            trickle(watcher, socks[count:], slow, time.monotonic() + keep_alive + 4)
        finally:
            watcher.close()
            for sock in socks:
                sock.close()
    judge_closes(out, watcher, idle, keep_alive + 1, "idle keep-alive",
                 "after its answer (KEEP_ALIVE_TIMEOUT_SECONDS + 1 s)")
    judge_closes(out, watcher, trickling, header_timeout + 1, "trickling",
                 "after connecting (HEADER_TIMEOUT_SECONDS + 1 s)")
    out.expect_peak_rss(256)


def keep_alive_exchange(out, sock, port):
    """One GET /health/live kept alive; the time its answer arrived."""
    sock.sendall(wire.head("GET", "/health/live", port, close=False))
    parser = wire.ResponseParser()
    while not parser.responses:
        data = sock.recv(65536)
        if not data:
            break
        parser.feed(data)
    out.saw(parser.responses[0] if parser.responses else None)
    return time.monotonic()


def trickle(watcher, socks, head, deadline):
    """Sends the next byte of a never-ending head to each open socket once a second."""
    sent = 0
    next_send = time.monotonic()
    while watcher.pending() and time.monotonic() < deadline:
        if time.monotonic() >= next_send:
            byte = head[sent:sent + 1] if sent < len(head) else b"a"
            for sock in socks:
                try:
                    sock.send(byte)
                except OSError:
                    pass  # closed by the server: the watcher notes it
            sent += 1
            next_send += 1.0
        watcher.poll(0.05)


def judge_closes(out, watcher, started, bound, what, since):
    times = [watcher.closed[key] - at for key, at in started.items() if key in watcher.closed]
    still_open = len(started) - len(times)
    late = sum(1 for seconds in times if seconds > bound)
    out.statuses[f"{what.split()[0]}-closed"] += len(times)
    out.note(f"{what}: {len(times)} of {len(started)} closed by the server, latest "
             f"{max(times, default=0):.1f} s {since.split(' (')[0]}")
    out.expect(not still_open and not late,
               f"{what}: {still_open} of {len(started)} still open at the end, {late} closed "
               f"late; bound {bound:g} s {since}")


CHECKS = [fd_exhaustion, malformed_requests, slowloris_keepalive]
