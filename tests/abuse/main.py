"""The command line of scripts/abuse: runs the checks, one line each, then a summary table."""

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback

from . import checks_bodies, checks_connections, checks_work
from .audio import Audio
from .harness import MB, Outcome

ALL = {check.__name__: check for module in (checks_bodies, checks_connections, checks_work)
       for check in module.CHECKS}
ORDER = ["predict_long_flac", "nested_json", "job_records", "body_budget", "chunked_over_limit",
         "multipart_scan", "fd_exhaustion", "expect_continue", "shutdown_grace",
         "malformed_requests", "slowloris_keepalive"]
assert sorted(ORDER) == sorted(ALL), "every check is listed once in ORDER"


class Run:
    """What every check shares: the program, the repository and the scratch folder."""

    def __init__(self, binary, repo, tmp):
        self.binary = binary
        self.repo = repo
        self.tmp = tmp
        self.audio = Audio(tmp)


def summary(check):
    return (check.__doc__ or "").strip().splitlines()[0]


def run_check(run, name):
    outcome = Outcome(name)
    started = time.monotonic()
    try:
        ALL[name](run, outcome)
    except Exception as error:  # a broken check fails itself, never the whole run
        where = traceback.extract_tb(error.__traceback__)[-1]
        outcome.failures.append(f"the check stopped: {type(error).__name__}: {error} "
                                f"({os.path.basename(where.filename)}:{where.lineno})")
    outcome.seconds = time.monotonic() - started
    return outcome


def megabytes(value):
    return "-" if value is None else f"{value / MB:.0f}"


def statuses(outcome):
    return " ".join(f"{status}x{count}" for status, count in sorted(outcome.statuses.items()))


def columns(outcome):
    health = "-" if outcome.worst_health is None else f"{outcome.worst_health:.3f}"
    return [outcome.name, "PASS" if outcome.passed else "FAIL", megabytes(outcome.peak_rss),
            megabytes(outcome.base_rss), health, f"{outcome.seconds:.1f}", statuses(outcome)]


HEADINGS = ["check", "result", "peak RSS MB", "base RSS MB", "worst health s", "time s",
            "statuses"]


def print_outcome(outcome):
    name, result, peak, base, health, seconds, seen = columns(outcome)
    print(f"{name:<20} {result}  peak RSS {peak} MB (baseline {base} MB)  worst /health/live "
          f"{health} s  statuses {seen or '-'}  {seconds} s", flush=True)
    for failure in outcome.failures:
        print(f"    FAIL {failure}", flush=True)
    for note in outcome.notes:
        print(f"    note {note}", flush=True)


def print_table(outcomes):
    rows = [HEADINGS] + [columns(outcome) for outcome in outcomes]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADINGS))]
    print()
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    failed = sum(1 for outcome in outcomes if not outcome.passed)
    print(f"\n{len(outcomes)} checks: {len(outcomes) - failed} passed, {failed} failed")


def parse_args(argv, repo):
    parser = argparse.ArgumentParser(
        prog="scripts/abuse",
        description="Hostile clients against a real `earshot serve` on 127.0.0.1, each check "
                    "asserting a bound (memory, latency of /health/live, status, time).")
    parser.add_argument("binary", nargs="?", default=os.path.join(repo, "build", "earshot"),
                        help="the earshot program (default: build/earshot)")
    parser.add_argument("--only", metavar="NAME", action="append", choices=ORDER,
                        help="run this check only (may be repeated)")
    parser.add_argument("--list", action="store_true", help="list the checks and exit")
    return parser.parse_args(argv)


def main(argv, repo):
    args = parse_args(argv, repo)
    if args.list:
        for name in ORDER:
            print(f"{name:<20} {summary(ALL[name])}")
        return 0
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        print(f"scripts/abuse: {binary} is not an executable program", file=sys.stderr)
        return 2
    if not shutil.which("ffmpeg") or not shutil.which("curl"):
        print("scripts/abuse: ffmpeg and curl must be on PATH", file=sys.stderr)
        return 2
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(binary)))
    print(f"earshot: {binary} (built {built})", flush=True)
    tmp = tempfile.mkdtemp(prefix="earshot-abuse-")
    outcomes = []
    try:
        # A private copy: a rebuild that relinks the program mid-run changes nothing here.
        copy = os.path.join(tmp, "earshot")
        shutil.copy2(binary, copy)
        run = Run(copy, repo, tmp)
        for name in args.only or ORDER:
            outcomes.append(run_check(run, name))
            print_outcome(outcomes[-1])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print_table(outcomes)
    return 0 if all(outcome.passed for outcome in outcomes) else 1
