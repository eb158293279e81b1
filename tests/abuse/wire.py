"""HTTP/1.1 over raw sockets to 127.0.0.1: what a hostile client needs and http.client hides
(interim 100 answers, an answer read while the body is still being sent, half-sent heads)."""

import itertools
import json
import select
import socket
import threading
import time

HOST = "127.0.0.1"
PIECE = 64 * 1024


class Response:
    """One parsed answer; `at` is the time.monotonic() at which its last byte arrived."""

    def __init__(self, status, reason, headers, body, at):
        self.status = status
        self.reason = reason
        self.headers = headers  # lower-case names
        self.body = body
        self.at = at

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def detail(self):
        parsed = self.json()
        if isinstance(parsed, dict) and "detail" in parsed:
            return str(parsed["detail"])[:160]
        return self.body[:160].decode("utf-8", "replace")

    def __repr__(self):
        return f"{self.status} {self.detail()!r}"


class ResponseParser:
    """Turns the bytes of a connection into answers; `finish()` at end of stream."""

    def __init__(self):
        self.buffer = bytearray()
        self.responses = []
        self.eof = False

    def feed(self, data):
        self.buffer += data
        while self._parse_one():
            pass

    def finish(self):
        self.eof = True
        self._parse_one()

    def _parse_one(self):
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise ValueError(f"not an HTTP answer: {lines[0][:80]!r}")
        status = int(parts[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        start = end + 4
        body_end = self._body_end(status, headers, start)
        if body_end is None:
            return False
        body = bytes(self.buffer[start:body_end[0]]) if body_end[1] is None else body_end[1]
        del self.buffer[:body_end[0]]
        reason = parts[2] if len(parts) > 2 else ""
        self.responses.append(Response(status, reason, headers, body, time.monotonic()))
        return True

    def _body_end(self, status, headers, start):
        """(end offset, decoded body or None) once the whole body is here, else None."""
        if status < 200 or status in (204, 304):
            return start, None
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return self._chunked_end(start)
        if "content-length" in headers:
            end = start + int(headers["content-length"])
            return (end, None) if len(self.buffer) >= end else None
        return (len(self.buffer), None) if self.eof else None

    def _chunked_end(self, at):
        body = bytearray()
        while True:
            line_end = self.buffer.find(b"\r\n", at)
            if line_end < 0:
                return None
            size = int(bytes(self.buffer[at:line_end]).split(b";")[0], 16)
            at = line_end + 2
            if size == 0:
                break
            if len(self.buffer) < at + size + 2:
                return None
            body += self.buffer[at:at + size]
            at += size + 2
        while True:  # trailers, then the empty line
            line_end = self.buffer.find(b"\r\n", at)
            if line_end < 0:
                return None
            empty = line_end == at
            at = line_end + 2
            if empty:
                return at, bytes(body)


class Reader:
    """Reads a socket on its own thread, so an answer is seen while the client still sends."""

    def __init__(self, sock):
        self.sock = sock
        self.parser = ResponseParser()
        self.cond = threading.Condition()
        self.closed_at = None
        self.error = None  # e.g. ConnectionResetError, or a ValueError for a garbled answer
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        poller = select.poll()  # not select(): a check may hold over 1024 descriptors
        poller.register(self.sock, select.POLLIN)
        try:
            while not self._stop.is_set():
                if not poller.poll(50):
                    continue
                data = self.sock.recv(1 << 20)
                if not data:
                    break
                with self.cond:
                    self.parser.feed(data)
                    self.cond.notify_all()
        except (OSError, ValueError) as error:
            self.error = error
        with self.cond:
            try:
                self.parser.finish()
            except ValueError as error:
                self.error = error
            self.closed_at = time.monotonic()
            self.cond.notify_all()

    @property
    def responses(self):
        with self.cond:
            return list(self.parser.responses)

    def final(self):
        """The first non-1xx answer, or None."""
        with self.cond:
            return next((r for r in self.parser.responses if r.status >= 200), None)

    def wait(self, predicate, timeout):
        with self.cond:
            self.cond.wait_for(predicate, timeout)

    def wait_any(self, timeout):
        self.wait(lambda: self.parser.responses or self.closed_at, timeout)
        return self.responses[0] if self.responses else None

    def wait_final(self, timeout):
        self.wait(lambda: self.final_locked() or self.closed_at, timeout)
        return self.final()

    def final_locked(self):
        return any(r.status >= 200 for r in self.parser.responses)

    def wait_closed(self, timeout):
        self.wait(lambda: self.closed_at is not None, timeout)
        return self.closed_at

    def stop(self):
        self._stop.set()
        self._thread.join(2)


def connect(port, timeout=5.0):
    sock = socket.create_connection((HOST, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def head(method, target, port, headers=(), close=True):
    lines = [f"{method} {target} HTTP/1.1", f"Host: {HOST}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def pieces(data, size=PIECE):
    view = memoryview(data)
    for at in range(0, len(view), size):
        yield view[at:at + size]


def send_until_answered(sock, reader, chunks):
    """Sends chunks until done, an answer arrived or the socket failed: (bytes sent, error)."""
    sent = 0
    for chunk in chunks:
        if reader.final() is not None or reader.closed_at is not None:
            break
        try:
            sock.sendall(chunk)
        except OSError as error:
            return sent, error
        sent += len(chunk)
    return sent, None


def exchange(port, request, body_chunks=(), timeout=10.0):
    """Sends a head and a body, reading meanwhile; stops sending once the server answered.
    Returns (final answer or None, reader, bytes sent, error of the connection or None)."""
    sock = connect(port, timeout)
    reader = Reader(sock)
    try:
        sent, error = send_until_answered(sock, reader, itertools.chain([request], body_chunks))
        response = reader.wait_final(timeout)
        return response, reader, sent, error or reader.error
    finally:
        reader.stop()
        sock.close()


def timed_post(port, target, content_type, body, timeout=30.0, headers=()):
    """POSTs a body in 64 KB pieces: (answer or None, seconds to it, connection error, sent)."""
    started = time.monotonic()
    request = head("POST", target, port, [("Content-Type", content_type),
                                          ("Content-Length", str(len(body))), *headers])
    try:
        response, _, sent, error = exchange(port, request, pieces(body), timeout)
    except OSError as error:
        return None, time.monotonic() - started, error, 0
    seconds = (response.at if response else time.monotonic()) - started
    return response, seconds, error, sent


def request(port, method, target, headers=(), body=b"", timeout=10.0):
    """One request on a fresh connection; the final answer, or None when none came."""
    all_headers = list(headers)
    if body or method in ("POST", "PUT"):
        all_headers.append(("Content-Length", str(len(body))))
    response, _, _, _ = exchange(port, head(method, target, port, all_headers),
                                 pieces(body) if body else (), timeout)
    return response


def post_json(port, target, value, timeout=30.0):
    body = value if isinstance(value, bytes) else json.dumps(value).encode()
    return request(port, "POST", target, [("Content-Type", "application/json")], body, timeout)


def multipart(data, boundary="abuse-boundary-7d1f", field="file", filename="audio"):
    """(Content-Type value, body) of a form with one file field."""
    opening = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
               f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
    body = opening.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]
