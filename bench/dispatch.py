"""Benchmark: one personalised email to each of 100,000 people, delivered by the app's own
workers, counted from what the SMTP server received.

The mobilization is sent as staff send it (``mobilization_request_send``, approved by a
second staff member); ``db_worker`` processes on PostgreSQL take the snapshot and send
through the app's SMTP transport to Postfix's ``smtp-sink`` on loopback, which dumps every
message into its own file (``-d``). Each email has an HTML and a text part, the unsubscribe
headers (RFC 8058) and a personal link. In the same run a plain single-process smtplib loop
sends 100,000 pre-rendered messages of the same size to the same sink: the baseline.

Printed: the time to snapshot the recipients, the time from "send" to the first message
arriving, messages/s end to end (send → last message arrived), the ratio to the baseline,
and — counted from the sink's dump files — missing and duplicated recipients.

    .venv/bin/python bench/dispatch.py [--quick] [--people N] [--workers N]

Uses DATABASE_URL when it names PostgreSQL, else postgres://postgres@127.0.0.1:5432/aktivist_bench
(created and migrated when missing). Needs Postfix's smtp-sink (installed with apt-get when
missing and running as root). Targets on a 2-core machine: snapshot ≤ 1 s, first message
≤ 2 s, ≥ 1,500 messages/s, ratio ≥ 0.4, 0 missing, 0 duplicates. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _common import (
    ROOT,
    analyze_loaded,
    bench_database_url,
    emit,
    ensure_database,
    setup_django,
)

FULL = 100_000
QUICK = 10_000
TAG = "bench-dispatch"
DOMAIN = "bench.example.org"
TARGET_RATE = 1500.0
TARGET_RATIO = 0.4
TARGET_SNAPSHOT_S = 1.0
TARGET_FIRST_S = 2.0
APPROVAL_THRESHOLD = "10000000"  # the bench approves with a second account anyway

BODY_SV = """Hej **{{ first_name | vän }}**,

Den fängslade journalisten har suttit i isolering i snart ett år. Hennes familj har inte
fått träffa henne, och hennes advokat nekas tillgång till rättegångshandlingarna. Varje
namn på uppropet gör det svårare för myndigheterna att låtsas som att ingen ser.

**[Skriv under uppropet nu]({{ action_link }})** – det tar en halv minut.

Det här kan du göra mer:

- dela uppropet med tre vänner,
- kom till nästa träff med {{ local_group | din lokalgrupp }},
- skriv ett personligt brev till ambassaden.

Tack för att du står upp för mänskliga rättigheter!

Med vänliga hälsningar,
Kampanjgruppen
"""
BODY_EN = BODY_SV.replace("Hej", "Hello").replace("vän", "friend")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- smtp-sink ------------------------------------------------------------------------------


def ensure_smtp_sink() -> str:
    for candidate in (shutil.which("smtp-sink"), "/usr/sbin/smtp-sink"):
        if candidate and os.path.exists(candidate):
            return candidate
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing Postfix for smtp-sink (apt-get) …")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", "postfix"], check=False, env=env)
        if os.path.exists("/usr/sbin/smtp-sink"):
            return "/usr/sbin/smtp-sink"
    sys.exit("Postfix's smtp-sink is needed: apt-get install postfix")


class SmtpSink:
    """smtp-sink on a free loopback port, dumping each message into its own file."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(directory, user="nobody")
        self.port = free_port()
        command = [binary, "-d", f"{directory}/%H%M%S.", f"127.0.0.1:{self.port}", "1000"]
        if os.geteuid() == 0:
            command[1:1] = ["-u", "nobody"]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        sys.exit("smtp-sink did not start")

    def files(self) -> list[os.DirEntry[str]]:
        return [e for e in os.scandir(self.directory) if e.is_file()]

    def count(self) -> int:
        return sum(1 for _ in os.scandir(self.directory))

    def recipients(self, domain: str = "") -> tuple[Counter[str], float]:
        """Every envelope recipient (at ``domain`` when given) counted from the dumps'
        X-Rcpt-Args, and when the last of their messages arrived (its file's time)."""
        counts: Counter[str] = Counter()
        last = 0.0
        suffix = f"@{domain}".lower() if domain else ""  # "" matches every address
        for entry in self.files():
            with open(entry.path, "rb") as f:
                head = f.read(2048)
            for line in head.split(b"\n"):
                if line.startswith(b"X-Rcpt-Args:"):
                    address = line.split(b":", 1)[1].strip().strip(b"<>").decode().lower()
                    if address.endswith(suffix):
                        counts[address] += 1
                        last = max(last, entry.stat().st_mtime)
                elif not line.strip():
                    break
        return counts, last

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --- Data -----------------------------------------------------------------------------------


def prepare(count: int) -> dict[str, Any]:
    """The people (reused from an earlier run when there), two staff accounts, a segment,
    an action for the personal link and a message."""
    from django.utils import timezone

    from aktivist.accounts.models import User
    from aktivist.campaigns.models import Action, Campaign
    from aktivist.mobilization.models import Message
    from aktivist.organisation.models import Unit
    from aktivist.people.models import Consent, Person, Tag, Tagging
    from aktivist.segments.models import Segment

    tag, _created = Tag.objects.get_or_create(name=TAG)
    have = Tagging.objects.filter(tag=tag).count()
    if have != count:
        Person.objects.filter(taggings__tag=tag).delete()
        print(f"Creating {count:,} people with confirmed email consent …", flush=True)
        started = time.monotonic()
        now = timezone.now()
        for start in range(0, count, 10_000):
            people = Person.objects.bulk_create(
                Person(
                    first_name=f"Namn{i}",
                    last_name="Benchsson",
                    first_name_key=f"namn{i}",
                    last_name_key="benchsson",
                    email=f"d{i}@{DOMAIN}",
                    language="en" if i % 7 == 0 else "sv",
                )
                for i in range(start, min(count, start + 10_000))
            )
            Tagging.objects.bulk_create(Tagging(person=p, tag=tag) for p in people)
            Consent.objects.bulk_create(
                Consent(
                    person=p,
                    channel=Consent.Channel.EMAIL,
                    purpose=Consent.Purpose.CAMPAIGNS,
                    status=Consent.Status.CONFIRMED,
                    confirmed_at=now,
                )
                for p in people
            )
        print(f"  … in {time.monotonic() - started:.1f} s")
    staff, _ = User.objects.get_or_create(
        email="bench-staff@example.org", defaults={"access_role": User.AccessRole.STAFF}
    )
    approver, _ = User.objects.get_or_create(
        email="bench-admin@example.org", defaults={"access_role": User.AccessRole.ADMIN}
    )
    unit = Unit.objects.filter(kind=Unit.Kind.NATIONAL).first()
    if unit is None:
        unit = Unit(name="Sverige (bench)", kind=Unit.Kind.NATIONAL)
        unit.save()
    campaign, _ = Campaign.objects.get_or_create(
        name="Bench dispatch", defaults={"scope": Campaign.Scope.NATIONAL, "unit": unit}
    )
    action, _ = Action.objects.get_or_create(
        slug="bench-dispatch",
        defaults={"campaign": campaign, "title_sv": "Frige journalisten", "text_sv": "Upprop."},
    )
    segment, _ = Segment.objects.get_or_create(
        name="Bench dispatch", defaults={"tree": {"condition": "tag", "value": {"tags": [tag.pk]}}}
    )
    message, _ = Message.objects.update_or_create(
        name="Bench dispatch",
        defaults={
            "subject_sv": "Hej {{ first_name | vän }}, skriv under för journalisten",
            "body_sv": BODY_SV,
            "subject_en": "Hello {{ first_name | friend }}, sign for the journalist",
            "body_en": BODY_EN,
            "action": action,
        },
    )
    return {"staff": staff, "approver": approver, "segment": segment, "message": message}


# --- The baseline: a plain smtplib loop ------------------------------------------------------


def sample_message(parts: dict[str, Any]) -> bytes:
    """One message exactly as the workers build it (for its size), To: left to fill."""
    from aktivist.core.transports import build_raw
    from aktivist.mobilization.composing import message_snapshot
    from aktivist.mobilization.models import Mobilization
    from aktivist.mobilization.personalising import Recipient, render_email

    mobilization = Mobilization(pk=1, message=parts["message"])
    mobilization.message_snapshot = message_snapshot(parts["message"])
    recipient = Recipient(
        delivery_id=123456,
        mobilization_id=1,
        person_id=123456,
        attempts=0,
        email=f"RCPTADDRESSRCPT@{DOMAIN}",
        mobile="",
        first_name="Namn123456",
        last_name="Benchsson",
        language="sv",
        is_active=True,
        local_group="Grupp Malmö",
    )
    return build_raw(render_email(mobilization, recipient))


def baseline(sink: SmtpSink, raw: bytes, count: int) -> float:
    """messages/s of one process sending pre-rendered messages over one connection."""
    messages = [raw.replace(b"RCPTADDRESSRCPT", f"b{i}".encode()) for i in range(count)]
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for i, message in enumerate(messages):
            smtp.sendmail(f"bounce@{DOMAIN}", [f"b{i}@{DOMAIN}"], message)
    seconds = time.monotonic() - started
    return count / seconds


# --- The app's own workers ---------------------------------------------------------------------


def start_workers(
    url: str, sink: SmtpSink, workers: int, batch: int
) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "600",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "MOBILIZATION_APPROVAL_THRESHOLD": APPROVAL_THRESHOLD,
        "MOBILIZATION_PARALLEL_TASKS": str(workers),
        "MOBILIZATION_BATCH_SIZE": str(batch),
        "TASK_BACKEND": "db",
    }
    command = [
        sys.executable,
        "manage.py",
        "db_worker",
        "--queue-name",
        "*",
        "--interval",
        "0.05",
        "--no-startup-delay",
        "--no-reload",
        "--verbosity",
        "0",
    ]
    return [
        subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True) for _ in range(workers)
    ]


def watch_first(sink: SmtpSink, found: dict[str, float], stop: threading.Event) -> None:
    while not stop.is_set():
        if sink.count():
            found["first"] = time.time()
            return
        time.sleep(0.002)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK:,} people")
    parser.add_argument("--people", type=int, help=f"recipients (default {FULL:,})")
    parser.add_argument("--workers", type=int, default=3, help="db_worker processes")
    parser.add_argument("--batch", type=int, default=500, help="deliveries per claim")
    args = parser.parse_args()
    count = args.people or (QUICK if args.quick else FULL)

    os.environ["MOBILIZATION_APPROVAL_THRESHOLD"] = APPROVAL_THRESHOLD
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    binary = ensure_smtp_sink()
    url, _owned = bench_database_url()
    if ensure_database(url):
        print("Created the bench database.")
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    parts = prepare(count)
    analyze_loaded()
    raw = sample_message(parts)
    print(f"{count:,} recipients; one message is {len(raw):,} bytes (HTML + text).")

    # The sink's dumps in memory when possible: a file per message on a disk measures the
    # disk's journal more than the sending.
    shm = "/dev/shm"  # noqa: S108 - our own private folder inside it
    workdir = Path(
        tempfile.mkdtemp(prefix="bench-dispatch-", dir=shm if os.path.isdir(shm) else None)
    )
    os.chmod(workdir, 0o755)  # noqa: S103 - smtp-sink runs as nobody and must reach its folder
    base_sink = SmtpSink(binary, workdir / "baseline")
    try:
        base_rate = baseline(base_sink, raw, count)
    finally:
        base_sink.stop()
    print(f"Baseline: one smtplib process, one connection: {base_rate:,.0f} messages/s")
    shutil.rmtree(base_sink.directory, ignore_errors=True)

    from aktivist.mobilization import services
    from aktivist.mobilization.models import Delivery, Mobilization

    sink = SmtpSink(binary, workdir / "app")
    workers = start_workers(url, sink, args.workers, args.batch)
    time.sleep(1.5)  # the workers start and poll an empty queue
    mobilization = services.mobilization_create(
        actor=parts["staff"],
        name=f"Bench dispatch {time.strftime('%H:%M:%S')}",
        message=parts["message"],
        segment=parts["segment"],
    )
    found: dict[str, float] = {}
    stop_watch = threading.Event()
    watcher = threading.Thread(target=watch_first, args=(sink, found, stop_watch), daemon=True)
    try:
        watcher.start()
        sent_at = time.time()
        services.mobilization_request_send(actor=parts["staff"], mobilization=mobilization)
        mobilization.refresh_from_db()
        if mobilization.status == Mobilization.Status.AWAITING_APPROVAL:
            services.mobilization_approve(actor=parts["approver"], mobilization=mobilization)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            mobilization.refresh_from_db()
            if mobilization.status == Mobilization.Status.DONE:
                break
            time.sleep(0.5)
        # The sink may still be writing the last files.
        settled, previous = time.monotonic() + 30, -1
        while time.monotonic() < settled:
            now_count = sink.count()
            if now_count >= count or now_count == previous:
                break
            previous = now_count
            time.sleep(0.5)
    finally:
        stop_watch.set()
        for proc in workers:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in workers:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        sink.stop()

    received, last_arrival = sink.recipients()
    expected = {f"d{i}@{DOMAIN}" for i in range(count)}
    missing = len(expected - set(received))
    duplicates = sum(n - 1 for n in received.values() if n > 1)
    delivered = sum(received.values())
    seconds = max(last_arrival - sent_at, 1e-9)
    rate = delivered / seconds
    first_s = found.get("first", float("nan")) - sent_at
    snapshot_s = mobilization.snapshot_seconds or float("nan")
    statuses = Counter(
        Delivery.objects.filter(mobilization=mobilization).values_list("status", flat=True)
    )
    ratio = rate / base_rate if base_rate else 0.0
    print(f"Status: {mobilization.status}; outbox {dict(statuses)}")
    print(f"Snapshot of the recipients: {snapshot_s:.3f} s (target ≤ {TARGET_SNAPSHOT_S} s)")
    print(f"Send → first message at the sink: {first_s:.3f} s (target ≤ {TARGET_FIRST_S} s)")
    print(
        f"Send → last message: {seconds:.1f} s for {delivered:,} messages: "
        f"{rate:,.0f} messages/s (target ≥ {TARGET_RATE:,.0f}); "
        f"ratio to the baseline {ratio:.2f} (target ≥ {TARGET_RATIO})"
    )
    print(f"Counted from the sink's dumps: {missing} missing, {duplicates} duplicates")
    if not delivered:
        # The outbox says sent but no dump was counted: the count is broken, not the send.
        print("ERROR: no message counted at the sink; the bench cannot count", file=sys.stderr)
        return 1
    # Keep the bench database small: the outbox rows of this run go.
    Delivery.objects.filter(mobilization=mobilization).delete()
    connection.close()
    shutil.rmtree(workdir, ignore_errors=True)
    met = (
        rate >= TARGET_RATE
        and ratio >= TARGET_RATIO
        and snapshot_s <= TARGET_SNAPSHOT_S
        and first_s <= TARGET_FIRST_S
        and missing == 0
        and duplicates == 0
    )
    emit(
        {
            "bench": "dispatch",
            "value": round(rate, 1),
            "unit": "messages/s",
            "baseline": round(base_rate, 1),
            "ratio": round(ratio, 3),
            "snapshot_s": round(snapshot_s, 3),
            "first_s": round(first_s, 3),
            "missing": missing,
            "duplicates": duplicates,
            "recipients": count,
            "workers": args.workers,
            "batch": args.batch,
            "message_bytes": len(raw),
            "target_met": met,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
