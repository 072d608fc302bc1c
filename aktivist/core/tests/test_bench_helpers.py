"""The benchmarks' counting helpers (bench/), collected by the suite: a bench that counts
nothing, or counts the wrong addresses, prints figures nobody can trust (bench/dispatch.py
once printed 0 messages/s and "missing: 100000" although every message was sent).

The bench scripts are not a package: they are loaded by path, as ``python bench/NAME.py``
runs them (with bench/ first on the path)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import smtplib
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import pytest
from django.db import connection

from aktivist.people.tests.factories import ConsentFactory, InteractionFactory, PersonFactory

BENCH = Path(__file__).resolve().parents[3] / "bench"


def bench_module(name: str) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


common = bench_module("_common")
dispatch = bench_module("dispatch")


# --- _common: percentiles and the summary -----------------------------------------------------


def test_percentiles_are_nearest_rank_over_every_value():
    values = [float(v) for v in range(100, 0, -1)]  # unsorted on purpose
    assert common.percentile(values, 50) == 50.0
    assert common.percentile(values, 95) == 95.0
    assert common.percentile(values, 99) == 99.0
    assert common.percentile(values, 100) == 100.0
    assert common.percentile(values, 0) == 1.0
    assert common.percentile([7.0], 99) == 7.0


def test_the_summary_counts_every_timing_and_reports_milliseconds():
    summary = common.summary_ms([0.001, 0.002, 0.003, 0.010])
    assert summary["n"] == 4
    assert summary["p50_ms"] == 2.0
    assert summary["p99_ms"] == 10.0


# --- dispatch.SmtpSink: counting what the SMTP server received --------------------------------


def sink_in(directory: Path):
    """An SmtpSink reading dumps in ``directory`` (no server started)."""
    sink = dispatch.SmtpSink.__new__(dispatch.SmtpSink)
    sink.directory = directory
    return sink


def dump(directory: Path, name: str, recipients: list[str]) -> Path:
    """One transaction as smtp-sink -d writes it: its X- lines (one X-Rcpt-Args per
    recipient), then the message."""
    lines = [
        "X-Client-Addr: 127.0.0.1",
        "X-Client-Proto: ESMTP",
        "X-Helo-Args: localhost",
        "X-Mail-Args: <bounces@example.org>",
        *(f"X-Rcpt-Args: <{r}>" for r in recipients),
        "From: Aktivist <noreply@example.org>",
        f"To: {recipients[0]}",
        "Subject: Hej",
        "",
        "X-Rcpt-Args: <not-a-recipient@bench.example.org> (in the body: never counted)",
    ]
    path = directory / name
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def test_the_sink_counts_every_recipient_when_no_domain_is_given(tmp_path):
    dump(tmp_path, "a", ["d0@bench.example.org"])
    dump(tmp_path, "b", ["d1@bench.example.org"])
    dump(tmp_path, "c", ["Staff@Example.org"])

    counts, last = sink_in(tmp_path).recipients()

    # With the old suffix "@" no address matched: the bench counted nothing.
    assert dict(counts) == {
        "d0@bench.example.org": 1,
        "d1@bench.example.org": 1,
        "staff@example.org": 1,
    }
    assert sum(counts.values()) == sink_in(tmp_path).count() == 3
    assert last == max(p.stat().st_mtime for p in tmp_path.iterdir())


def test_the_sink_counts_only_the_given_domain_and_every_duplicate(tmp_path):
    dump(tmp_path, "a", ["d0@bench.example.org"])
    dump(tmp_path, "b", ["d0@bench.example.org"])
    dump(tmp_path, "c", ["d1@BENCH.example.org", "signer@example.org"])
    dump(tmp_path, "d", ["someone@notbench.example.org"])

    counts, _last = sink_in(tmp_path).recipients("bench.example.org")

    assert dict(counts) == {"d0@bench.example.org": 2, "d1@bench.example.org": 1}


def test_the_sink_never_counts_nothing_when_mail_arrived(tmp_path):
    dump(tmp_path, "a", ["d0@bench.example.org"])
    sink = sink_in(tmp_path)
    for domain in ("", "bench.example.org"):
        counts, last = sink.recipients(domain)
        assert sum(counts.values()) == 1 and last > 0, domain


def smtp_sink_binary() -> str | None:
    for candidate in (shutil.which("smtp-sink"), "/usr/sbin/smtp-sink"):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.mark.skipif(smtp_sink_binary() is None, reason="Postfix's smtp-sink is not installed")
def test_the_sink_counts_what_a_real_smtp_sink_received():
    binary = smtp_sink_binary()
    assert binary is not None
    # As the bench does: smtp-sink runs as nobody when we are root, and must reach its folder.
    workdir = Path(tempfile.mkdtemp(prefix="bench-helpers-"))
    os.chmod(workdir, 0o755)  # noqa: S103 - a throw-away folder of test dumps
    sink = dispatch.SmtpSink(binary, workdir / "dumps")
    try:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as client:
            for i in range(3):
                client.sendmail(
                    "bounces@example.org",
                    [f"d{i}@bench.example.org"],
                    f"Subject: {i}\r\n\r\nHej\r\n".encode(),
                )
            client.sendmail(
                "bounces@example.org", ["staff@example.org"], b"Subject: x\r\n\r\n.\r\n"
            )
        deadline = time.monotonic() + 10
        while sink.count() < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        everyone, _ = sink.recipients()
        bench_only, _ = sink.recipients("bench.example.org")
    finally:
        sink.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    assert sum(everyone.values()) == 4
    assert set(bench_only) == {f"d{i}@bench.example.org" for i in range(3)}


# --- retention: rows counted per person ---------------------------------------------------------


@pytest.mark.django_db
def test_related_rows_are_counted_for_the_listed_people_only():
    retention = bench_module("retention")
    listed, other = PersonFactory(), PersonFactory()
    ConsentFactory(person=listed)
    InteractionFactory(person=listed)
    InteractionFactory(person=listed)
    InteractionFactory(person=other)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_test_ids (id bigint PRIMARY KEY)")
        cursor.execute("INSERT INTO bench_test_ids (id) VALUES (%s)", [listed.pk])
    try:
        counts = retention.related_counts("bench_test_ids")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_test_ids")
    assert counts["consents"] == listed.consents.count() >= 1
    assert counts["notes"] == 2
    assert counts["participations"] == counts["registrations"] == 0
