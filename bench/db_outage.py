"""Benchmark: the database dies under signing load — 503 with Retry-After, nothing lost, and
the application recovers by itself.

Runs its own PostgreSQL (bench/_own_postgres.py: initdb in a temporary directory, its own
port; never the shared server), migrates the application into it and sets up an open petition
and a channel as bench/sign_load.py does, then starts the application the same way (gunicorn,
4 sync workers, persistent connections, the production middleware). A load generator of many
threads signs through POST /api/v1/actions/<slug>/signatures, a new signer
(outage-<run>-<n>@example.net) and Idempotency-Key per request, and records every answer.
After a warm-up and a baseline the database is stopped hard (pg_ctl stop -m immediate) for
--outage seconds and started again while the load goes on; then the load runs a baseline's
length more. Last, a quiet restart: the load pauses, the database is stopped hard and started,
and the load comes back to kept connections the restart broke. Checks:

- every signer that got a 2xx has a participation (``lost`` = 0);
- during the outage the answers are 503 with Retry-After; no 500 nor any other error at all;
- the application answers 2xx again, and only 2xx, within --recovery-limit seconds of the
  database accepting connections (``recovery_s``), and of the quiet restart
  (``quiet_restart_recovery_s``).

It prints the figures and, last, one JSON line; the ratio is the signing rate after the
recovery against the rate before the outage, measured in the same run. Exits 1 when a check
fails. Cleans up its PostgreSQL, its temporary directory and the server even on failure.

    .venv/bin/python bench/db_outage.py [--quick] [--outage N] [--threads N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import secrets
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from types import FrameType

from _common import analyze_loaded, emit, ensure_database, setup_django
from _own_postgres import OwnPostgres
from sign_load import free_port, prepare, redis_url, start_server, stop_server

DATABASE = "aktivist_outage"
FULL = {"warmup": 3.0, "baseline": 20.0, "outage": 15.0}
QUICK = {"warmup": 2.0, "baseline": 6.0, "outage": 5.0}
RECOVERY_LIMIT_S = 10.0
QUIET_TAIL_S = 3.0
TARGET_RATIO = 0.5
WORKERS = 4


@dataclass
class Reply:
    end: float  # seconds since the load started
    status: int  # 0: no HTTP answer (connection refused, reset, timed out)
    retry_after: str | None
    signer: int


@dataclass
class Load:
    """Threads that sign as fast as the server answers; each keeps its own list."""

    port: int
    path: str
    key: str
    run: str
    threads: int
    started: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)
    go: threading.Event = field(default_factory=threading.Event)  # cleared: paused
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    replies: list[list[Reply]] = field(default_factory=list)
    workers: list[threading.Thread] = field(default_factory=list)

    def email(self, signer: int) -> str:
        return f"outage-{self.run}-{signer}@example.net"

    def begin(self) -> None:
        self.started = time.monotonic()
        self.go.set()
        for tid in range(self.threads):
            own: list[Reply] = []
            self.replies.append(own)
            thread = threading.Thread(target=self._sign, args=(tid, own), daemon=True)
            self.workers.append(thread)
            thread.start()

    def now(self) -> float:
        return time.monotonic() - self.started

    def end(self) -> None:
        self.stop.set()
        self.go.set()
        for thread in self.workers:
            thread.join(timeout=60)

    def pause(self) -> None:
        """No new requests; returns when none is in flight."""
        with self.lock:
            self.go.clear()
        deadline = time.monotonic() + 60
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)

    def resume(self) -> None:
        self.go.set()

    def all(self) -> list[Reply]:
        return sorted((r for own in self.replies for r in list(own)), key=lambda r: r.end)

    def _sign(self, tid: int, own: list[Reply]) -> None:
        n = 0
        while not self.stop.is_set():
            self.go.wait()
            with self.lock:
                if not self.go.is_set():
                    continue
                self.in_flight += 1
            signer = tid + self.threads * n
            n += 1
            body = json.dumps(
                {
                    "first_name": "Signe",
                    "last_name": f"Outage {signer}",
                    "email": self.email(signer),
                    "postcode": "21145",
                    "birth_year": 1950 + signer % 58,
                    "consents": [],
                    "language": "sv",
                }
            )
            headers = {
                "Authorization": f"Bearer {self.key}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"{self.run}-{signer}",
                "Connection": "close",
            }
            status, retry_after = 0, None
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                conn.request("POST", self.path, body, headers)
                response = conn.getresponse()
                response.read()
                status, retry_after = response.status, response.getheader("Retry-After")
            except (OSError, http.client.HTTPException):
                time.sleep(0.01)  # no answer at all: a check fails; do not spin
            finally:
                conn.close()
            own.append(Reply(self.now(), status, retry_after, signer))
            with self.lock:
                self.in_flight -= 1


@dataclass
class Timeline:
    baseline_from: float = 0.0
    stopped: float = 0.0  # pg_ctl stop -m immediate was called
    up: float = 0.0  # pg_ctl start -w returned: the database accepts connections
    after_from: float = 0.0
    after_to: float = 0.0
    quiet_resumed: float = 0.0  # the load back after a restart it did not see


def recovery(replies: list[Reply], since: float, first_ok: float | None) -> float | None:
    """Seconds from ``since`` until every answer is a 2xx: the first 2xx or the last
    error after ``since``, whichever is later; None when no 2xx came."""
    if first_ok is None:
        return None
    last_error = max((r.end for r in replies if r.end >= since and not ok(r.status)), default=since)
    return max(first_ok, last_error - since)


def ok(status: int) -> bool:
    return 200 <= status < 300


def rate(replies: list[Reply], start: float, stop: float) -> float:
    n = sum(1 for r in replies if start <= r.end < stop and ok(r.status))
    return n / (stop - start) if stop > start else 0.0


def wait_for_recovery(load: Load, since: float, limit: float) -> float | None:
    """Seconds from ``since`` to the first 2xx after it, or None within ``limit``."""
    deadline = since + limit
    while load.now() < deadline:
        for own in load.replies:
            for reply in reversed(own[-50:]):
                if reply.end >= since and ok(reply.status):
                    return load.now() - since
        time.sleep(0.05)
    return None


def stored_emails(slug: str) -> set[str]:
    from aktivist.campaigns.models import Participation

    rows = Participation.objects.filter(action__slug=slug).values_list("person__email", flat=True)
    return {email for email in rows if email}


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # runs the finally blocks: server, database, directory


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short phases (about 20 s)")
    parser.add_argument("--outage", type=float, help="seconds the database is down")
    parser.add_argument("--baseline", type=float, help="seconds of load before and after")
    parser.add_argument("--threads", type=int, default=12, help="load generator threads")
    parser.add_argument(
        "--recovery-limit", type=float, default=RECOVERY_LIMIT_S, help="seconds allowed"
    )
    args = parser.parse_args()
    phases = dict(QUICK if args.quick else FULL)
    if args.outage:
        phases["outage"] = args.outage
    if args.baseline:
        phases["baseline"] = args.baseline
    signal.signal(signal.SIGTERM, _raise_exit)
    signal.signal(signal.SIGHUP, _raise_exit)

    print("Starting a PostgreSQL of our own (initdb in a temporary directory) …", flush=True)
    with OwnPostgres() as pg:
        url = pg.url(DATABASE)
        print(f"  {pg.bindir.parent.name}: 127.0.0.1:{pg.port}, {pg.dir}", flush=True)
        ensure_database(url)
        setup_django(url)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0, interactive=False)
        run = secrets.token_hex(4)
        key, slug, _warmup_slug = prepare(run)
        analyze_loaded()  # a fresh database has no statistics
        connection.close()

        cache_url, redis_proc = redis_url()
        port = free_port()
        server = start_server(url, cache_url, port, WORKERS, 1, "sync", False)
        load = Load(port, f"/api/v1/actions/{slug}/signatures", key, run, args.threads)
        times = Timeline()
        recovered: float | None = None
        quiet_recovered: float | None = None
        print(
            f"gunicorn: {WORKERS} sync workers on 127.0.0.1:{port}; {args.threads} signing "
            f"threads; warm-up {phases['warmup']:.0f} s, baseline {phases['baseline']:.0f} s, "
            f"outage {phases['outage']:.0f} s (run {run}).",
            flush=True,
        )
        try:
            load.begin()
            time.sleep(phases["warmup"])
            times.baseline_from = load.now()
            time.sleep(phases["baseline"])
            times.stopped = load.now()
            pg.stop_immediately()
            print(f"  {times.stopped:6.1f} s  database stopped (immediate)", flush=True)
            time.sleep(phases["outage"])
            starting = load.now()
            pg.start()
            times.up = load.now()
            print(
                f"  {times.up:6.1f} s  database accepting connections again (the start with "
                f"crash recovery took {times.up - starting:.1f} s)",
                flush=True,
            )
            recovered = wait_for_recovery(load, times.up, args.recovery_limit)
            times.after_from = load.now() + 1.0
            times.after_to = times.after_from + phases["baseline"]
            time.sleep(max(0.0, times.after_to - load.now()))
            # A restart while no request comes: every process's kept connection is broken
            # when the load is back.
            load.pause()
            pg.stop_immediately()
            pg.start()
            load.resume()
            times.quiet_resumed = load.now()
            print(f"  {times.quiet_resumed:6.1f} s  load back after a quiet restart", flush=True)
            quiet_recovered = wait_for_recovery(load, times.quiet_resumed, args.recovery_limit)
            time.sleep(QUIET_TAIL_S)
        finally:
            load.end()
            stop_server(server)
            if redis_proc is not None:
                redis_proc.terminate()
                redis_proc.wait()
        replies = load.all()
        emails = stored_emails(slug)
        connection.close()
    return report(load, replies, emails, times, (recovered, quiet_recovered), args.recovery_limit)


def report(
    load: Load,
    replies: list[Reply],
    emails: set[str],
    times: Timeline,
    recovered: tuple[float | None, float | None],
    recovery_limit: float,
) -> int:
    statuses = Counter(r.status for r in replies)
    accepted = [r for r in replies if ok(r.status)]
    unavailable = [r for r in replies if r.status == 503]
    other_5xx = sum(n for s, n in statuses.items() if s >= 500 and s != 503)
    no_answer = statuses.get(0, 0)
    other = sum(n for s, n in statuses.items() if 0 < s < 500 and not ok(s))
    missing_retry_after = sum(1 for r in unavailable if not (r.retry_after or "").isdigit())
    outage = Counter(r.status for r in replies if times.stopped <= r.end < times.up)
    confirmed = sum(1 for r in accepted if load.email(r.signer) in emails)
    lost = len(accepted) - confirmed
    stored_after_503 = sum(1 for r in unavailable if load.email(r.signer) in emails)
    main_phase = [r for r in replies if r.end < times.quiet_resumed]
    recovery_s = recovery(main_phase, times.up, recovered[0])
    quiet = [r for r in replies if r.end >= times.quiet_resumed]
    quiet_s = recovery(quiet, times.quiet_resumed, recovered[1])
    quiet_503 = sum(1 for r in quiet if r.status == 503)
    before = rate(replies, times.baseline_from, times.stopped)
    after = rate(replies, times.after_from, times.after_to)
    ratio = round(after / before, 3) if before else 0.0

    def within(seconds: float | None) -> bool:
        return seconds is not None and seconds <= recovery_limit

    checks = {
        "nothing lost (every 2xx signer is in the database)": lost == 0,
        "no 500 nor other 5xx": other_5xx == 0,
        "no other error (4xx, no answer)": other == 0 and no_answer == 0,
        "every 503 carries Retry-After": missing_retry_after == 0,
        "the outage was seen (503s while the database was down)": outage[503] > 0,
        f"only 2xx again within {recovery_limit:.0f} s of the restart": within(recovery_s),
        f"only 2xx again within {recovery_limit:.0f} s of a quiet restart": within(quiet_s),
    }
    passed = all(checks.values())

    def seconds(value: float | None) -> str:
        return "never" if value is None else f"{value:.2f} s"

    print(f"db_outage: database down {times.up - times.stopped:.1f} s under signing load")
    print(
        f"  requests                {len(replies):10,d}  statuses {dict(sorted(statuses.items()))}"
    )
    print(f"  2xx                     {len(accepted):10,d}")
    print(
        f"  503                     {len(unavailable):10,d}  (while the database was down "
        f"{outage[503]:,}; without Retry-After {missing_retry_after})"
    )
    print(f"  5xx other               {other_5xx:10,d}")
    print(
        f"  other errors            {other + no_answer:10,d}  (4xx {other}, no answer {no_answer})"
    )
    print(f"  confirmed in the DB     {confirmed:10,d}  of {len(accepted):,} 2xx signers")
    print(f"  lost                    {lost:10,d}")
    print(f"  stored despite a 503    {stored_after_503:10,d}  (committed, answer lost: not lost)")
    print(f"  recovery                {seconds(recovery_s):>10}  (until every answer is a 2xx)")
    print(
        f"  quiet restart           {seconds(quiet_s):>10}  ({quiet_503} 503 from kept "
        "connections the restart broke)"
    )
    baseline_s = times.stopped - times.baseline_from
    print(f"  signatures/s before     {before:10.1f}  (baseline, {baseline_s:.0f} s)")
    print(f"  signatures/s after      {after:10.1f}  ({times.after_to - times.after_from:.0f} s)")
    print(f"  ratio after/before      {ratio:10.3f}  target ≥ {TARGET_RATIO}")
    for name, good in checks.items():
        print(f"  {'ok    ' if good else 'FAILED'}  {name}")
    emit(
        {
            "bench": "db_outage",
            "value": round(after, 1),
            "unit": "signatures/s",
            "baseline": round(before, 1),
            "ratio": ratio,
            "requests": len(replies),
            "ok_2xx": len(accepted),
            "status_503": len(unavailable),
            "outage_503": outage[503],
            "other_5xx": other_5xx,
            "errors": other + no_answer,
            "missing_retry_after": missing_retry_after,
            "confirmed": confirmed,
            "lost": lost,
            "stored_after_503": stored_after_503,
            "recovery_s": None if recovery_s is None else round(recovery_s, 2),
            "quiet_restart_recovery_s": None if quiet_s is None else round(quiet_s, 2),
            "quiet_restart_503": quiet_503,
            "outage_s": round(times.up - times.stopped, 1),
            "threads": load.threads,
            "checks_passed": passed,
            "target_met": passed and ratio >= TARGET_RATIO,
        }
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
