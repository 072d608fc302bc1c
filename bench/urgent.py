"""Benchmark: an urgent action to a rapid-response network of 100,000 people — email to
all, SMS to 20,000 — while the signing load of ``sign_load.py`` runs against the same app.

The network lives in its own PostgreSQL database (``aktivist_bench_urgent``, created,
migrated and filled once; later runs reuse it), so that it is exactly the bench's people.
``db_worker`` processes send through the app's SMTP transport to Postfix's ``smtp-sink`` on
loopback and through the 46elks transport to the local fake provider
(``aktivist/core/tests/fake_sms.py``), while gunicorn serves ``sign_load``'s signing
requests (wrk, 8 connections) on the same database. The case is opened and sent exactly as
the duty officer's screen does it (``case_open_and_send`` from an approved template: no
second approval, the urgent lane).

Printed: seconds from "send" to the last email handed over (the sink's newest file) and to
the last SMS handed over (the fake provider's log), missing and duplicated recipients of
both, and the signing load's figures (signatures/s, p99, errors, lost). Baselines measured
in the same run: one smtplib process sending 100,000 pre-rendered messages of the same size
to the same sink, and one httpx client posting 20,000 SMS to the same fake; the ratios are
baseline seconds ÷ the app's seconds.

    .venv/bin/python bench/urgent.py [--quick] [--people N] [--sms N] [--workers N]

Targets on a 2-core machine: all emails in ≤ 120 s, all SMS in ≤ 120 s, signing 0 errors
and 0 lost. The last line is one JSON object: ``value`` (seconds to the last email),
``sms_s``, ``sign_errors``, ``sign_lost``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dispatch
import sign_load
from _common import (
    ROOT,
    analyze_loaded,
    bench_database_url,
    emit,
    ensure_database,
    setup_django,
)

FULL_PEOPLE = 100_000
FULL_SMS = 20_000
QUICK_PEOPLE = 10_000
QUICK_SMS = 2_000
TAG = "bench-urgent"
DOMAIN = "urgent.bench.example.org"
TARGET_EMAIL_S = 120.0
TARGET_SMS_S = 120.0
DATABASE = "aktivist_bench_urgent"
SMS_USER, SMS_PASSWORD = "bench-elk", "bench-elk-password"  # the fake's, on loopback


def own_database_url() -> str:
    """DATABASE_URL's server and credentials, the bench's own database name."""
    url, _owned = bench_database_url()
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{DATABASE}"))


def mobile_of(i: int) -> str:
    # Ends in 1: the fake provider treats numbers ending 0000, 0500, 0610 and 0999 specially.
    return f"+4676{i:06d}1"


# --- The network -----------------------------------------------------------------------------


def prepare(people: int, sms: int) -> dict[str, Any]:
    """The network (reused when its size is right), two secretariat accounts and an
    approved urgent template."""
    from django.utils import timezone

    from aktivist.accounts.models import User
    from aktivist.organisation.models import Unit
    from aktivist.people.models import Consent, Person, Tag, Tagging
    from aktivist.urgent.models import UrgentTemplate

    tag, _created = Tag.objects.get_or_create(name=TAG)
    have_people = Tagging.objects.filter(tag=tag).count()
    have_sms = Consent.objects.filter(
        channel=Consent.Channel.SMS, purpose=Consent.Purpose.RAPID_RESPONSE
    ).count()
    if (have_people, have_sms) != (people, sms):
        Person.objects.filter(taggings__tag=tag).delete()
        print(f"Creating the network: {people:,} people by email, {sms:,} by SMS …", flush=True)
        started = time.monotonic()
        now = timezone.now()
        for start in range(0, people, 10_000):
            batch = Person.objects.bulk_create(
                Person(
                    first_name=f"Namn{i}",
                    last_name="Blixtsson",
                    first_name_key=f"namn{i}",
                    last_name_key="blixtsson",
                    email=f"u{i}@{DOMAIN}",
                    mobile=mobile_of(i) if i < sms else None,
                    language="en" if i % 7 == 0 else "sv",
                )
                for i in range(start, min(people, start + 10_000))
            )
            Tagging.objects.bulk_create(Tagging(person=p, tag=tag) for p in batch)
            consents = [
                Consent(
                    person=p,
                    channel=Consent.Channel.EMAIL,
                    purpose=Consent.Purpose.RAPID_RESPONSE,
                    status=Consent.Status.CONFIRMED,
                    confirmed_at=now,
                    confirmed_by=Consent.ConfirmedBy.DOUBLE_OPT_IN,
                )
                for p in batch
            ]
            consents += [
                Consent(
                    person=p,
                    channel=Consent.Channel.SMS,
                    purpose=Consent.Purpose.RAPID_RESPONSE,
                    status=Consent.Status.CONFIRMED,
                    confirmed_at=now,
                    confirmed_by=Consent.ConfirmedBy.SMS_CODE,
                )
                for p in batch
                if p.mobile
            ]
            Consent.objects.bulk_create(consents)
        print(f"  … in {time.monotonic() - started:.1f} s", flush=True)
    if not Unit.objects.filter(kind=Unit.Kind.NATIONAL).exists():
        Unit(name="Sverige (bench)", kind=Unit.Kind.NATIONAL).save()
    duty, _ = User.objects.get_or_create(
        email="bench-duty@example.org", defaults={"access_role": User.AccessRole.STAFF}
    )
    approver, _ = User.objects.get_or_create(
        email="bench-approver@example.org", defaults={"access_role": User.AccessRole.ADMIN}
    )
    template, _ = UrgentTemplate.objects.update_or_create(
        name="Bench: fängslad",
        defaults={
            "email_subject_sv": "Blixtaktion: {{ case_title }}",
            "email_body_sv": dispatch.BODY_SV.replace(
                "Den fängslade journalisten", "{{ case_summary }} Den fängslade journalisten"
            ),
            "email_subject_en": "Urgent action: {{ case_title }}",
            "email_body_en": dispatch.BODY_EN,
            "sms_sv": "Blixtaktion: {{ case_title }}. Agera före {{ deadline }}: {{ action_link }}",
            "sms_en": "Urgent: {{ case_title }}. Act by {{ deadline }}: {{ action_link }}",
            "follow_up_sv": "Hinner du? {{ case_title }}: {{ action_link }}",
            "follow_up_hours": 4,
            "status": UrgentTemplate.Status.APPROVED,
            "approved_by": approver,
            "approved_at": timezone.now(),
            "is_archived": False,
        },
    )
    return {"duty": duty, "template": template}


# --- The fake SMS provider ---------------------------------------------------------------------


class FakeProvider:
    def __init__(self, log: Path) -> None:
        self.log = log
        self.port = dispatch.free_port()
        self.proc = subprocess.Popen(  # our own interpreter and module
            [
                sys.executable,
                "-m",
                "aktivist.core.tests.fake_sms",
                str(self.port),
                str(log),
                SMS_USER,
                SMS_PASSWORD,
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import socket

                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        sys.exit("the fake SMS provider did not start")

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/a1"

    def messages(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def sms_baseline(provider: FakeProvider, count: int, body: str) -> float:
    """Seconds for one httpx client to post ``count`` SMS to the fake, one after another."""
    import httpx

    started = time.monotonic()
    with httpx.Client(auth=(SMS_USER, SMS_PASSWORD)) as client:
        for i in range(count):
            response = client.post(
                f"{provider.api_url}/sms",
                data={"from": "Aktivist", "to": f"+4677{i:06d}1", "message": body},
            )
            response.raise_for_status()
    return time.monotonic() - started


# --- The run -----------------------------------------------------------------------------------


def start_workers(url: str, sink: Any, provider: FakeProvider, workers: int, batch: int) -> Any:
    env = {
        "SMS_BACKEND": "aktivist.core.sms.FortySixElksTransport",
        "SMS_46ELKS_API_URL": provider.api_url,
        "SMS_46ELKS_USERNAME": SMS_USER,
        "SMS_46ELKS_PASSWORD": SMS_PASSWORD,
    }
    os.environ.update(env)
    return dispatch.start_workers(url, sink, workers, batch)


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for proc in workers:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in workers:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def email_baseline(sink: Any, raw: bytes, count: int) -> float:
    messages = [raw.replace(b"RCPTADDRESSRCPT", f"b{i}".encode()) for i in range(count)]
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for i, message in enumerate(messages):
            smtp.sendmail(f"bounce@{DOMAIN}", [f"b{i}@{DOMAIN}"], message)
    return time.monotonic() - started


def sample_email(case: Any) -> bytes:
    """One of the case's emails as the workers build it (for the baseline's size)."""
    from aktivist.core.transports import build_raw
    from aktivist.mobilization.personalising import Recipient, render_email

    recipient = Recipient(
        delivery_id=123456,
        mobilization_id=case.email_mobilization.pk,
        person_id=123456,
        attempts=0,
        email=f"RCPTADDRESSRCPT@{dispatch.DOMAIN}",
        mobile="",
        first_name="Namn123456",
        last_name="Blixtsson",
        language="sv",
        is_active=True,
    )
    return build_raw(render_email(case.email_mobilization, recipient))


def wait_done(mobilizations: list[Any], limit: float) -> None:
    from aktivist.mobilization.models import Mobilization

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        statuses = set(
            Mobilization.objects.filter(pk__in=[m.pk for m in mobilizations]).values_list(
                "status", flat=True
            )
        )
        if statuses <= {Mobilization.Status.DONE}:
            return
        time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_PEOPLE:,} people")
    parser.add_argument("--people", type=int, help=f"the network (default {FULL_PEOPLE:,})")
    parser.add_argument("--sms", type=int, help=f"of them by SMS (default {FULL_SMS:,})")
    parser.add_argument("--workers", type=int, default=4, help="db_worker processes")
    parser.add_argument("--batch", type=int, default=500, help="deliveries per claim")
    parser.add_argument("--load-seconds", type=int, default=0, help="signing load (default: 150)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--gunicorn-workers", type=int, default=4, help="gunicorn workers")
    args = parser.parse_args()
    people = args.people or (QUICK_PEOPLE if args.quick else FULL_PEOPLE)
    sms = args.sms or (QUICK_SMS if args.quick else FULL_SMS)
    load_seconds = args.load_seconds or (40 if args.quick else 150)

    os.environ.setdefault("LOG_LEVEL", "WARNING")
    smtp_sink = dispatch.ensure_smtp_sink()
    wrk = sign_load.ensure_wrk()
    url = own_database_url()
    if ensure_database(url):
        print(f"Created the bench database {DATABASE}.")
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    parts = prepare(people, sms)
    run = secrets.token_hex(4)
    key, sign_slug, warmup_slug = sign_load.prepare(run)
    analyze_loaded()
    mobile_base = secrets.randbelow(10_000_000)
    connection.close()

    shm = "/dev/shm"  # noqa: S108 - our own private folder inside it
    workdir = Path(
        tempfile.mkdtemp(prefix="bench-urgent-", dir=shm if os.path.isdir(shm) else None)
    )
    os.chmod(workdir, 0o755)  # noqa: S103 - smtp-sink runs as nobody and must reach its folder
    provider = FakeProvider(workdir / "sms.jsonl")
    sink = dispatch.SmtpSink(smtp_sink, workdir / "mail")
    workers = start_workers(url, sink, provider, args.workers, args.batch)
    cache_url, redis_proc = sign_load.redis_url()
    port = sign_load.free_port()
    base = f"http://127.0.0.1:{port}"
    server = sign_load.start_server(
        url, cache_url, port, args.gunicorn_workers, 1, "sync", fast_lane=False
    )
    common = {
        "SIGN_LOAD_RUN": run,
        "SIGN_LOAD_KEY": key,
        "SIGN_LOAD_REPEAT": "0.2",
        "SIGN_LOAD_CONSENT": "0.1",
        "SIGN_LOAD_MOBILE_BASE": str(mobile_base),
    }
    print(
        f"Network {people:,} by email, {sms:,} by SMS; {args.workers} db_workers; gunicorn "
        f"{args.gunicorn_workers} workers with wrk {args.connections} connections for "
        f"{load_seconds} s (run {run}).",
        flush=True,
    )
    from aktivist.mobilization.models import Delivery
    from aktivist.urgent.case_messages import CaseText
    from aktivist.urgent.services import case_open_and_send

    signing: dict[str, Any] = {}
    case = None
    try:
        sign_load.run_wrk(
            wrk,
            base,
            f"/api/v1/actions/{warmup_slug}/signatures",
            seconds=3,
            connections=args.connections,
            env={**common, "SIGN_LOAD_RUN": run + "w"},
        )

        def load() -> None:
            signing["result"] = sign_load.run_wrk(
                wrk,
                base,
                f"/api/v1/actions/{sign_slug}/signatures",
                seconds=load_seconds,
                connections=args.connections,
                env=common,
            )

        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        time.sleep(5)  # the signing load is up to speed
        from django.utils import timezone

        sent_at = time.time()
        case = case_open_and_send(
            actor=parts["duty"],
            template=parts["template"],
            case=CaseText(
                title_sv=f"Frige Leyla ({run})",
                title_en=f"Free Leyla ({run})",
                summary_sv="Leyla greps i natt för en tweet och riskerar tortyr.",
                summary_en="Leyla was arrested tonight for a tweet and is at risk of torture.",
                deadline=timezone.now() + dt.timedelta(days=2),
            ),
            follow_up=False,  # hours later: not part of the measurement
        )
        opened_s = time.time() - sent_at
        first = [case.email_mobilization, case.sms_mobilization]
        wait_done(first, limit=900)
        settled, previous = time.monotonic() + 30, -1
        while time.monotonic() < settled:  # the sink may still be writing the last files
            count = sink.count()
            if count == previous:
                break
            previous = count
            time.sleep(0.5)
        loader.join()
    finally:
        stop_workers(workers)
        sign_load.stop_server(server)
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait()

    received, last_email = sink.recipients(DOMAIN)  # not the signers' confirmations
    expected_email = {f"u{i}@{DOMAIN}" for i in range(people)}
    email_missing = len(expected_email - set(received))
    email_duplicates = sum(n - 1 for n in received.values() if n > 1)
    texts = provider.messages()
    sms_to = Counter(m["to"] for m in texts)
    expected_sms = {mobile_of(i) for i in range(sms)}
    sms_missing = len(expected_sms - set(sms_to))
    sms_duplicates = sum(n - 1 for n in sms_to.values() if n > 1)
    last_sms = max((m["time"] for m in texts), default=float("nan"))
    email_s = last_email - sent_at
    sms_s = last_sms - sent_at
    result = signing["result"]
    db = sign_load.check_database(sign_slug, run, mobile_base, set(result.accepted))
    sign_errors = result.refused + result.socket_errors + result.timeouts
    assert case is not None
    statuses = {
        label: dict(
            Counter(Delivery.objects.filter(mobilization=m).values_list("status", flat=True))
        )
        for label, m in (("email", case.email_mobilization), ("sms", case.sms_mobilization))
    }
    raw = sample_email(case)
    sms_body = texts[0]["body"] if texts else "Blixtaktion"

    # The baselines, on the same sink and fake, the machine quiet again.
    base_sink = dispatch.SmtpSink(smtp_sink, workdir / "baseline")
    try:
        email_base_s = email_baseline(base_sink, raw, people)
    finally:
        base_sink.stop()
    sms_base_s = sms_baseline(provider, sms, sms_body)
    provider.stop()
    sink.stop()

    print(f"Case opened (action page, messages, mobilizations) in {opened_s:.2f} s")
    print(f"Outbox: {statuses}")
    print(
        f"Email: send → last of {sum(received.values()):,} handed over: {email_s:.1f} s "
        f"(target ≤ {TARGET_EMAIL_S:.0f} s); {email_missing} missing, "
        f"{email_duplicates} duplicates; baseline (one smtplib loop) {email_base_s:.1f} s, "
        f"ratio {email_base_s / email_s:.2f}"
    )
    print(
        f"SMS:   send → last of {sum(sms_to.values()):,} handed over: {sms_s:.1f} s "
        f"(target ≤ {TARGET_SMS_S:.0f} s); {sms_missing} missing, {sms_duplicates} "
        f"duplicates; baseline (one httpx loop) {sms_base_s:.1f} s, "
        f"ratio {sms_base_s / sms_s:.2f}"
    )
    print(
        f"Signing under the same load: {result.rate:,.1f} signatures/s, p50 "
        f"{result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, {sign_errors} errors "
        f"({dict(result.statuses)}), {db['lost']} lost of {len(set(result.accepted)):,} "
        f"accepted signers"
    )
    for mobilization in (case.email_mobilization, case.sms_mobilization):
        Delivery.objects.filter(mobilization=mobilization).delete()
    connection.close()
    shutil.rmtree(workdir, ignore_errors=True)
    met = (
        email_s <= TARGET_EMAIL_S
        and sms_s <= TARGET_SMS_S
        and sign_errors == 0
        and db["lost"] == 0
        and email_missing == email_duplicates == sms_missing == sms_duplicates == 0
    )
    emit(
        {
            "bench": "urgent",
            "value": round(email_s, 1),
            "unit": "s",
            "sms_s": round(sms_s, 1),
            "sign_errors": sign_errors,
            "sign_lost": db["lost"],
            "baseline": round(email_base_s, 1),
            "ratio": round(email_base_s / email_s, 3),
            "sms_baseline": round(sms_base_s, 1),
            "sms_ratio": round(sms_base_s / sms_s, 3),
            "email_missing": email_missing,
            "email_duplicates": email_duplicates,
            "sms_missing": sms_missing,
            "sms_duplicates": sms_duplicates,
            "signatures_per_s": round(result.rate, 1),
            "sign_p99_ms": round(result.p99_ms, 1),
            "people": people,
            "sms": sms,
            "workers": args.workers,
            "target_met": met,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
