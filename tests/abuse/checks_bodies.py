"""Checks on request bodies: how much of a hostile body the server reads, holds and scans."""

import subprocess
import time

from . import wire
from .harness import MB, parallel, serve

JSON_LIMIT = 16 * 1024
DEFAULT_BODY_BUDGET = 256 * MB
DEFAULT_MAX_UPLOAD = 200 * MB


def expect_answer(out, result, status, within_s, what):
    """Counts a timed_post result and asserts its status and how soon it came."""
    answer = out.answered(what, result)
    if answer is None:
        return
    response, seconds = answer
    out.expect(response.status == status,
               f"{what}: {response.status} {response.detail()!r}, expected {status}")
    out.expect(seconds < within_s, f"{what}: answered after {seconds:.1f} s "
                                   f"(bound {within_s:g} s)")


def nested_json(run, out):
    """Three 20 MB '[[[…]]]' bodies to /analyze-audio: 413 at once; small hostile JSON: 422."""
    n = 10_000_000
    deep = b"[" * n + b"]" * n
    with serve(run, out) as server, server.watching():
        port = server.port
        results = parallel([lambda: wire.timed_post(port, "/analyze-audio", "application/json",
                                                    deep, timeout=30)] * 3)
        for index, result in enumerate(results):
            expect_answer(out, result, 413, 2.0, f"20 MB nested JSON #{index + 1}")
        small = b"[" * 8000 + b"]" * 8000
        expect_answer(out, wire.timed_post(port, "/analyze-audio", "application/json", small),
                      422, 2.0, f"{len(small)} bytes of nesting 8000 deep")
        plain = b'{"audio_url": "http://127.0.0.1:9/a.wav"}'
        expect_answer(out, wire.timed_post(port, "/analyze-audio", "text/plain", plain),
                      422, 2.0, "a JSON body sent as text/plain")
        long_url = "http://127.0.0.1:9/" + "a" * (9000 - 19)
        body = ('{"audio_url": "%s"}' % long_url).encode()
        expect_answer(out, wire.timed_post(port, "/analyze-audio", "application/json", body),
                      422, 2.0, "an audio_url of 9000 characters")
    out.expect_peak_rss(256)


def body_budget(run, out):
    """Ten uploads declaring 99 MB each, 20 MB sent and held: past the budget, 503 at once."""
    declared, sent_each, clients = 99_000_000, 20 * MB, 10
    body = b"\0" * sent_each
    held = []
    with serve(run, out) as server:
        try:
            with server.watching():
                for _ in range(clients):
                    held.append(open_held_upload(server.port, declared, body))
                deadline = time.monotonic() + 2.0
                for sock, reader, _, _ in held:
                    reader.wait_final(max(0.0, deadline - time.monotonic()))
            judge_budget(out, held, declared)
        finally:
            for sock, reader, _, _ in held:
                reader.stop()
                sock.close()
    out.expect_peak_rss(256 + 100)


def open_held_upload(port, declared, body):
    """Sends the head and part of a body, then leaves the connection open."""
    sock = wire.connect(port, timeout=5)
    reader = wire.Reader(sock)
    request = wire.head("POST", "/analyze", port, [("Content-Type", "audio/wav"),
                                                   ("Content-Length", str(declared))],
                        close=False)
    started = time.monotonic()
    _, error = wire.send_until_answered(sock, reader, [request, *wire.pieces(body)])
    return sock, reader, started, error


def judge_budget(out, held, declared):
    """Taken uploads (no answer, still open) must come first; every later one a prompt 503."""
    outcomes = []
    for index, (_, reader, started, error) in enumerate(held):
        what = f"upload #{index + 1}"
        response = reader.final()
        if response is None:
            closed = reader.closed_at is not None
            outcomes.append("closed" if closed else "held")
            if closed:
                out.saw(None, error or reader.error)
            else:
                out.statuses["held"] += 1
            out.expect(not closed, f"{what}: closed without an answer "
                                   f"({error or reader.error or 'end of stream'})")
            continue
        out.saw(response)
        outcomes.append(str(response.status))
        seconds = response.at - started
        out.expect(response.status == 503, f"{what}: {response!r}, expected 503 or no answer")
        out.expect(response.header("Retry-After") is not None,
                   f"{what}: {response.status} without Retry-After")
        out.expect(seconds < 2.0, f"{what}: answered {seconds:.1f} s after its head (bound 2 s)")
    accepted = outcomes.count("held")
    out.note(f"uploads in order: {' '.join(outcomes)} (held: taken, no answer yet)")
    out.expect(accepted >= 1, "no upload was taken: every one was refused")
    out.expect(accepted < len(held), f"all {len(held)} uploads were taken "
               f"({len(held) * declared / MB:.0f} MB declared): none got 503 past the "
               f"{DEFAULT_BODY_BUDGET // MB} MiB budget")
    out.expect(outcomes[:accepted] == ["held"] * accepted,
               "an upload was taken after an earlier one was refused")


def chunked_pieces(total, size=wire.PIECE, fill=b"\0"):
    chunk = b"%x\r\n" % size + fill * size + b"\r\n"
    for _ in range(total // size):
        yield chunk
    yield b"0\r\n\r\n"


def chunked_over_limit(run, out):
    """Chunked bodies over the limit: 413 seen by the client, the rest never read."""
    limit = 1024 * 1024
    with serve(run, out, {"MAX_UPLOAD_BYTES": limit}) as server, server.watching():
        port = server.port
        request = wire.head("POST", "/analyze", port, [("Content-Type", "audio/wav"),
                                                       ("Transfer-Encoding", "chunked")])
        response, reader, sent, error = wire.exchange(port, request,
                                                      chunked_pieces(50 * MB), timeout=10)
        out.saw(response, error)
        out.note(f"/analyze: {sent / MB:.1f} MB sent of 50 MB before the answer "
                 f"({response.status if response else 'none'})")
        out.expect(response is not None and response.status == 413,
                   f"chunked 50 MB to /analyze (MAX_UPLOAD_BYTES={limit}): "
                   f"{response!r}, expected 413" if response else
                   f"chunked 50 MB to /analyze: no answer ({error or 'connection closed'})")
        request = wire.head("POST", "/analyze-audio", port,
                            [("Content-Type", "application/json"),
                             ("Transfer-Encoding", "chunked")])
        response, _, sent, error = wire.exchange(port, request,
                                                 chunked_pieces(512 * 1024, fill=b" "), timeout=10)
        out.saw(response, error)
        out.expect(response is not None and response.status == 413,
                   f"chunked 512 KB to /analyze-audio (limit {JSON_LIMIT} bytes): "
                   f"{response!r}, expected 413" if response else
                   f"chunked 512 KB to /analyze-audio: no answer ({error or 'closed'})")
    if out.peak_rss is not None:
        growth = out.peak_rss - out.base_rss
        out.note(f"RSS growth during the check: {growth / MB:.1f} MB")
        out.expect(growth < 16 * MB, f"RSS grew by {growth / MB:.1f} MB: the server read far "
                                     f"more than its {limit}-byte limit (bound 16 MB)")
    out.expect_peak_rss(256)


def near_miss_multipart(boundary, total):
    """A form whose file part is `total` bytes of the delimiter with its last byte changed."""
    delimiter = b"\r\n--" + boundary
    near = delimiter[:-1] + (b"c" if delimiter[-1:] != b"c" else b"d")
    opening = (b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"file\"; "
               b"filename=\"x.wav\"\r\nContent-Type: audio/wav\r\n\r\n")
    return opening + near * (total // len(near))


def multipart_scan(run, out):
    """Multipart bodies of boundary near-matches: an 8 KB boundary is a quick 400."""
    long_boundary = b"b" * 8192
    long_body = near_miss_multipart(long_boundary, 20 * MB)
    long_type = "multipart/form-data; boundary=" + long_boundary.decode()
    short_boundary = b"s" * 70
    short_body = near_miss_multipart(short_boundary, 20 * MB)
    short_type = "multipart/form-data; boundary=" + short_boundary.decode()
    with serve(run, out) as server, server.watching():
        port = server.port
        results = parallel([lambda: wire.timed_post(port, "/analyze", long_type, long_body,
                                                    timeout=30)] * 3)
        for index, result in enumerate(results):
            expect_answer(out, result, 400, 2.0, f"8 KB boundary, 20 MB of near-matches "
                                                 f"#{index + 1}")
        result = wire.timed_post(port, "/analyze", short_type, short_body, timeout=30)
        response, seconds, error, _ = result
        out.saw(response, error)
        out.note(f"70-character boundary, 20 MB of near-matches: "
                 f"{response.status if response else 'no answer'} after {seconds:.2f} s")
        out.expect(response is not None and (response.status == 200 or
                                             400 <= response.status < 500),
                   f"70-character boundary: {response!r}, expected 200 or a 4xx" if response
                   else f"70-character boundary: no answer ({error or 'connection closed'})")
    out.expect_peak_rss(256)


def expect_continue(run, out):
    """Expect: 100-continue is answered 100 before the body, or 413 when it is too large."""
    wav = run.audio.tone_wav(64)  # 2 MB
    with open(wav, "rb") as source:
        data = source.read()
    with serve(run, out) as server, server.watching():
        port = server.port
        continued_upload(out, port, data)
        oversized_upload(out, port, DEFAULT_MAX_UPLOAD + 1)
        plain, waiting = curl_time(port, wav, []), curl_time(port, wav, ["-H", "Expect:"])
        out.note(f"curl -F file=@{len(data) // 1000} KB: {plain[1]:.3f} s as curl sends it "
                 f"(Expect: 100-continue), {waiting[1]:.3f} s with 'Expect:' removed")
        out.expect(plain[2], "curl did not send Expect: 100-continue: its timing proves nothing")
        out.statuses[str(plain[0])] += 1
        out.statuses[str(waiting[0])] += 1
        out.expect(plain[0] == 200 and plain[1] < 0.5,
                   f"curl with Expect: 100-continue: {plain[0]} in {plain[1]:.2f} s "
                   "(bound 200 within 0.5 s)")
    out.expect_peak_rss(256)


def continued_upload(out, port, data):
    sock = wire.connect(port, timeout=10)
    reader = wire.Reader(sock)
    try:
        sock.sendall(wire.head("POST", "/analyze", port, [
            ("Content-Type", "audio/wav"), ("Content-Length", str(len(data))),
            ("Expect", "100-continue")]))
        first = reader.wait_any(0.5)
        if first is not None:
            out.saw(first)
        out.expect(first is not None and first.status == 100,
                   f"Expect: 100-continue with {len(data)} bytes: "
                   f"{'no 100 Continue within 0.5 s' if first is None else repr(first)}")
        if first is None or first.status == 100:
            _, error = wire.send_until_answered(sock, reader, wire.pieces(data))
            final = reader.wait_final(60)
            out.saw(final, error)
            out.expect(final is not None and final.status == 200,
                       f"the upload after 100 Continue: {final!r}, expected 200")
    finally:
        reader.stop()
        sock.close()


def oversized_upload(out, port, declared):
    sock = wire.connect(port, timeout=10)
    reader = wire.Reader(sock)
    try:
        started = time.monotonic()
        sock.sendall(wire.head("POST", "/analyze", port, [
            ("Content-Type", "audio/wav"), ("Content-Length", str(declared)),
            ("Expect", "100-continue")]))
        first = reader.wait_any(0.5)
        out.saw(first)
        out.expect(first is not None and first.status == 413,
                   f"Expect: 100-continue with Content-Length {declared} (over "
                   f"MAX_UPLOAD_BYTES): {'no answer within 0.5 s' if first is None else first!r}"
                   ", expected 413 at once")
        if first is not None:
            out.note(f"oversized Expect: 100-continue: {first.status} after "
                     f"{first.at - started:.3f} s")
    finally:
        reader.stop()
        sock.close()


def curl_time(port, wav, extra):
    """(status, seconds, whether curl sent Expect: 100-continue) of `curl -F file=@wav`."""
    done = subprocess.run(["curl", "-sv", "-o", "/dev/null", "--noproxy", "*", "-m", "30",
                           "-w", "%{http_code} %{time_total}", *extra, "-F", f"file=@{wav}",
                           f"http://{wire.HOST}:{port}/analyze"],
                          capture_output=True, text=True, timeout=40)
    status, _, seconds = done.stdout.strip().partition(" ")
    expected = "> expect: 100-continue" in done.stderr.lower()
    return int(status or 0), float(seconds or "nan"), expected


CHECKS = [nested_json, body_budget, chunked_over_limit, multipart_scan, expect_continue]
