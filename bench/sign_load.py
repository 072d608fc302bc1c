"""Benchmark: channels signing through the JSON endpoint under load, and nothing lost.

Starts the application on PostgreSQL under gunicorn on loopback (DEBUG off, persistent
database connections, rate-limit counters in Redis, the production middleware), creates its
own channel and an open petition, and drives POST /api/v1/actions/<slug>/signatures with wrk
and a Lua script for 60 s (``--quick``: 10 s): new and repeated signers, a fresh
Idempotency-Key on every request. Then the same wrk set-up against a bare Django view that
only answers 200 on the same server: the baseline. Finally it checks the database: every
signer who got a 2xx must have a participation (``lost`` counts those who have none).

    .venv/bin/python bench/sign_load.py [--quick] [--seconds N] [--workers N] [--threads N]

Uses DATABASE_URL when it names PostgreSQL, else postgres://postgres@127.0.0.1:5432/aktivist_bench
(created and migrated when missing; demo people already in it are fine). Needs wrk (installed
with apt-get when missing and running as root) and Redis (started on a free port when none
answers on 127.0.0.1:6379). Targets on a 2-core machine: ≥ 600 signatures/s, p99 ≤ 250 ms,
0 errors, 0 lost, ratio ≥ 0.2. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from _common import (
    ROOT,
    analyze_loaded,
    bench_database_url,
    emit,
    ensure_database,
    setup_django,
)

BENCH_DIR = Path(__file__).resolve().parent
LUA = BENCH_DIR / "sign_load.lua"
# The server's settings and URLs (the app's own plus a bare view): not bench/*.py, which
# `make bench` runs one by one.
SERVER_DIR = BENCH_DIR / "sign_load_server"
FULL_SECONDS = 60
QUICK_SECONDS = 10
TARGET_RATE = 600.0
TARGET_P99_MS = 250.0
TARGET_RATIO = 0.2
REDIS_DB = 7
FAST_LANE = "aktivist.public.api.ApiFastLaneMiddleware"
SHM = "/dev/shm"  # noqa: S108 - gunicorn's own heartbeat files, in memory


@dataclass
class WrkResult:
    seconds: float
    requests: int
    socket_errors: int
    timeouts: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    refused: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    accepted: list[int] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return len(self.accepted)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing wrk (apt-get) …")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, env=env)
        found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is needed: apt-get install wrk")
    return found


def redis_url() -> tuple[str, subprocess.Popen[bytes] | None]:
    """Redis on 127.0.0.1:6379 when it answers, else our own redis-server on a free port."""
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
        return f"redis://127.0.0.1:6379/{REDIS_DB}", None
    except redis.RedisError:
        pass
    server = shutil.which("redis-server")
    if not server:
        sys.exit("Redis is needed: apt-get install redis-server")
    port = free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            redis.Redis(host="127.0.0.1", port=port).ping()
            break
        except redis.RedisError:
            time.sleep(0.1)
    return f"redis://127.0.0.1:{port}/{REDIS_DB}", proc


def prepare(run: str) -> tuple[str, str, str]:
    """The bench's channel (a limit it never reaches), its petition and a warm-up action."""
    from aktivist.campaigns.channels import channel_create
    from aktivist.campaigns.models import Action, Campaign
    from aktivist.organisation.models import Unit

    unit = Unit.objects.filter(kind=Unit.Kind.NATIONAL).first()
    if unit is None:
        unit = Unit(name="Sverige (bench)", kind=Unit.Kind.NATIONAL)
        unit.save()
    campaign = Campaign.objects.create(
        name=f"Bench sign_load {run}", scope=Campaign.Scope.NATIONAL, unit=unit
    )
    slugs = []
    for suffix in ("", "-warmup"):
        action = Action.objects.create(
            campaign=campaign,
            slug=f"bench-sign-{run}{suffix}",
            title_sv=f"Bench {run}{suffix}",
            text_sv="Benchmark.",
            goal=1_000_000,
        )
        slugs.append(action.slug)
    _channel, key = channel_create(
        actor=None, name=f"bench-sign-load-{run}", rate_limit_per_minute=100_000_000
    )
    return key, slugs[0], slugs[1]


def start_server(
    url: str,
    cache_url: str,
    port: int,
    workers: int,
    threads: int,
    worker_class: str,
    fast_lane: bool,
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sign_load_settings",
        "DATABASE_URL": url,
        "CONN_MAX_AGE": "600",
        "DEBUG": "0",
        "CACHE_URL": cache_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": "bench-sign-load-" + secrets.token_hex(16),
        "LOG_LEVEL": "WARNING",
        "SIGN_LOAD_FAST_LANE": "1" if fast_lane else "0",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--keep-alive",
        "30",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
        # The sync worker's heartbeat touches a file per request: keep it in memory.
        *(["--worker-tmp-dir", SHM] if Path(SHM).is_dir() else []),
        "--pythonpath",
        f"{SERVER_DIR},{ROOT}",
        "aktivist.wsgi:application",
    ]
    proc = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit("gunicorn did not start")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    sys.exit("gunicorn did not answer within 30 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_wrk(
    wrk: str,
    base: str,
    path: str,
    *,
    seconds: int,
    connections: int,
    env: dict[str, str],
) -> WrkResult:
    with tempfile.NamedTemporaryFile(prefix="sign_load_", suffix=".txt") as out:
        full_env = {
            **os.environ,
            **env,
            "SIGN_LOAD_OUT": out.name,
            "SIGN_LOAD_THREADS": str(connections),
        }
        subprocess.run(
            [
                wrk,
                "-t",
                str(connections),
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(LUA),
                base + path,
            ],
            env=full_env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        lines = Path(out.name).read_text().splitlines()
    head = lines[0].split()
    duration_us, requests, connect, read, write, _status, timeout, p50, p99, worst = map(
        int, head[1:]
    )
    result = WrkResult(
        seconds=duration_us / 1e6,
        requests=requests,
        socket_errors=connect + read + write,
        timeouts=timeout,
        p50_ms=p50 / 1000,
        p99_ms=p99 / 1000,
        max_ms=worst / 1000,
    )
    for line in lines[1:]:
        if line.startswith("thread "):
            result.refused += int(line.split()[2])
        elif line.startswith("status "):
            _word, status, count = line.split()
            result.statuses[int(status)] = result.statuses.get(int(status), 0) + int(count)
        elif line:
            result.accepted.append(int(line))
    return result


def check_database(slug: str, run: str, mobile_base: int, accepted: set[int]) -> dict[str, int]:
    """Participations of the bench action against the signers who got a 2xx."""
    from aktivist.campaigns.models import Participation

    rows = list(
        Participation.objects.filter(action__slug=slug).values_list(
            "person__email", "person__mobile"
        )
    )
    emails = {email for email, _mobile in rows}
    mobiles = {mobile for _email, mobile in rows if mobile}
    lost = 0
    for signer in accepted:
        email = f"sign-{run}-{signer}@example.net"
        mobile = f"+4673{(mobile_base + signer) % 10_000_000:07d}" if signer % 2 == 0 else None
        if email not in emails and (mobile is None or mobile not in mobiles):
            lost += 1
    return {"participations": len(rows), "lost": lost}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SECONDS} s of load")
    parser.add_argument("--seconds", type=int, help=f"seconds of load (default {FULL_SECONDS})")
    parser.add_argument("--baseline-seconds", type=int, help="seconds on the bare view")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--repeat", type=float, default=0.2, help="share of repeated signers")
    parser.add_argument("--consent", type=float, default=0.1, help="share ticking email news")
    parser.add_argument(
        "--fast-lane",
        action="store_true",
        help="add the API fast lane middleware if the settings do not have it",
    )
    args = parser.parse_args()
    seconds = args.seconds or (QUICK_SECONDS if args.quick else FULL_SECONDS)
    baseline_seconds = args.baseline_seconds or max(5, seconds // 2)
    warmup_seconds = 3 if args.quick else 5

    wrk = ensure_wrk()
    url, _owned = bench_database_url()
    if ensure_database(url):
        print("Created the bench database.")
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    run = secrets.token_hex(4)
    mobile_base = secrets.randbelow(10_000_000)
    key, slug, warmup_slug = prepare(run)
    analyze_loaded()
    connection.close()

    from django.conf import settings

    fast_lane = args.fast_lane or FAST_LANE in settings.MIDDLEWARE
    cache_url, redis_proc = redis_url()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    print(
        f"gunicorn: {args.workers} {args.worker_class} workers × {args.threads} threads on "
        f"{base}; wrk: {args.connections} connections; {seconds} s of load (run {run}); "
        f"API fast lane {'on' if fast_lane else 'off'}."
    )
    server = start_server(
        url, cache_url, port, args.workers, args.threads, args.worker_class, args.fast_lane
    )
    common = {
        "SIGN_LOAD_RUN": run,
        "SIGN_LOAD_KEY": key,
        "SIGN_LOAD_REPEAT": str(args.repeat),
        "SIGN_LOAD_CONSENT": str(args.consent),
        "SIGN_LOAD_MOBILE_BASE": str(mobile_base),
    }
    try:
        run_wrk(
            wrk,
            base,
            f"/api/v1/actions/{warmup_slug}/signatures",
            seconds=warmup_seconds,
            connections=args.connections,
            env={**common, "SIGN_LOAD_RUN": run + "w"},
        )
        signing = run_wrk(
            wrk,
            base,
            f"/api/v1/actions/{slug}/signatures",
            seconds=seconds,
            connections=args.connections,
            env=common,
        )
        bare = run_wrk(
            wrk,
            base,
            "/bench/bare",
            seconds=baseline_seconds,
            connections=args.connections,
            env={**common, "SIGN_LOAD_MODE": "bare"},
        )
    finally:
        stop_server(server)
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait()

    accepted = set(signing.accepted)
    db = check_database(slug, run, mobile_base, accepted)
    errors = signing.refused + signing.socket_errors + signing.timeouts
    value = round(signing.rate, 1)
    baseline = round(bare.rate, 1)
    ratio = round(value / baseline, 3) if baseline else 0.0
    met = (
        value >= TARGET_RATE
        and signing.p99_ms <= TARGET_P99_MS
        and errors == 0
        and db["lost"] == 0
        and ratio >= TARGET_RATIO
    )
    print(f"sign_load: {seconds} s against one action, one channel")
    print(
        f"  accepted signatures/s   {value:10.1f}  "
        f"({signing.ok:,} accepted of {signing.requests:,})"
    )
    print(
        f"  latency                 p50 {signing.p50_ms:.1f} ms  p99 {signing.p99_ms:.1f} ms  "
        f"max {signing.max_ms:.1f} ms"
    )
    print(
        f"  errors                  {errors:10d}  (non-2xx {signing.refused} "
        f"{dict(sorted(signing.statuses.items()))}, socket {signing.socket_errors}, "
        f"timeouts {signing.timeouts})"
    )
    print(f"  distinct accepted signers {len(accepted):8,d}")
    print(f"  participations in the DB  {db['participations']:8,d}  (bench action)")
    print(f"  lost                    {db['lost']:10d}  (accepted signers without a participation)")
    print(
        f"  bare view baseline      {baseline:10.1f} req/s  p50 {bare.p50_ms:.1f} ms  "
        f"p99 {bare.p99_ms:.1f} ms  errors {bare.refused + bare.socket_errors + bare.timeouts}"
    )
    print(
        f"  ratio                   {ratio:10.3f}  targets: ≥ {TARGET_RATE:.0f}/s, p99 ≤ "
        f"{TARGET_P99_MS:.0f} ms, 0 errors, 0 lost, ratio ≥ {TARGET_RATIO}: "
        f"{'met' if met else 'NOT met'}"
    )
    emit(
        {
            "bench": "sign_load",
            "value": value,
            "unit": "signatures/s",
            "baseline": baseline,
            "ratio": ratio,
            "p50_ms": round(signing.p50_ms, 2),
            "p99_ms": round(signing.p99_ms, 2),
            "errors": errors,
            "lost": db["lost"],
            "accepted_signers": len(accepted),
            "participations": db["participations"],
            "seconds": seconds,
            "workers": args.workers,
            "threads": args.threads,
            "connections": args.connections,
            "fast_lane": fast_lane,
            "target_met": met,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
