"""Real workers in their own processes, sending to a real SMTP server on loopback; what
arrived is counted from the server, never from database rows.

* The RQ backend: ``rqworker --job-class django_tasks_rq.Job`` against the local Redis
  sends a whole mobilization (proof that "RQ by settings" works, not an assumption).
* The fault test: 20,000 recipients, two ``db_worker`` processes, each killed with SIGKILL
  five times at random while sending and started again. Every recipient gets exactly one
  message, except at most one duplicate per worker per kill, and nobody is left out.

Worker processes need a database they can reach: these tests run on PostgreSQL (CI's
second run); on SQLite's in-memory test database they are skipped.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from aktivist.mobilization import services, starting
from aktivist.mobilization.models import Delivery, Mobilization
from aktivist.mobilization.tests.conftest import Sink, start_sink
from aktivist.mobilization.tests.factories import MessageFactory, SegmentFactory
from aktivist.people.models import Consent, Person, Tag, Tagging

ROOT = Path(__file__).resolve().parents[3]
REDIS_DB = 11

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="worker processes need the PostgreSQL test database (CI runs it)",
    ),
]


def database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def worker_env(sink: Sink, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "SECRET_KEY": settings.SECRET_KEY,
        "PYTHONUNBUFFERED": "1",
        # Like the rest of the suite: no copy of each message (core/sent_messages.py).
        "KEEP_SENT_MESSAGES": "false",
    }
    env.update(extra)
    return env


def audience(count: int) -> dict[str, Any]:
    """``count`` people with confirmed consent, tagged; the segment tree naming them."""
    tag = Tag.objects.create(name="Fault test")
    now = timezone.now()
    people = Person.objects.bulk_create(
        Person(
            first_name=f"P{i}",
            last_name="Test",
            email=f"p{i}@example.org",
            first_name_key=f"p{i}",
            last_name_key="test",
        )
        for i in range(count)
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
    return {"condition": "tag", "value": {"tags": [tag.pk]}}


def request_send(staff: Any, tree: dict[str, Any]) -> Mobilization:
    mobilization = services.mobilization_create(
        actor=staff,
        name="Fault test",
        message=MessageFactory(),
        segment=SegmentFactory(tree=tree),
    )
    return services.mobilization_request_send(actor=staff, mobilization=mobilization)


def wait_until(check: Any, *, timeout: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return check()


@pytest.fixture
def worker_sink(tmp_path: Path) -> Any:
    proc, sink = start_sink(tmp_path / "sink")
    try:
        yield sink
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for proc in processes:
        if proc.poll() is None:
            proc.terminate()
    for proc in processes:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_mobilization_is_sent_by_rq_workers_against_the_local_redis(
    personas, settings, worker_sink
):
    import redis

    redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()
    queues = {"default": {"URL": redis_url}, "urgent": {"URL": redis_url}}
    settings.RQ_QUEUES = queues
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "urgent"]}
    }
    tree = audience(300)
    env = worker_env(worker_sink, TASK_BACKEND="rq", REDIS_URL=redis_url)
    # Enqueued on RQ when the request commits; the worker (--burst) ends once the queues
    # are empty, so it starts after.
    mobilization = request_send(personas.staff, tree)
    worker = subprocess.Popen(  # our own interpreter and manage.py
        [
            sys.executable,
            "manage.py",
            "rqworker",
            "urgent",
            "default",
            "--job-class",
            "django_tasks_rq.Job",
            "--burst",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert worker.wait(timeout=120) == 0
        assert worker_sink.wait_for(300, timeout=30) == 300
    finally:
        stop([worker])
    assert set(worker_sink.recipients().values()) == {1}
    mobilization.refresh_from_db()
    assert mobilization.status == Mobilization.Status.DONE
    assert Delivery.objects.filter(mobilization=mobilization, status="sent").count() == 300


RECIPIENTS = 20_000
KILLS_PER_WORKER = 5


def test_workers_killed_at_random_send_everything_once_give_or_take_one_per_kill(
    personas, settings, worker_sink
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "urgent"]}
    }
    tree = audience(RECIPIENTS)
    # A short lease, so the rows of killed workers come back quickly (but long enough that
    # a busy CI machine never lets a living worker's lease run out).
    env = worker_env(worker_sink, TASK_BACKEND="db", MOBILIZATION_LEASE_SECONDS="8")
    command = [
        sys.executable,
        "manage.py",
        "db_worker",
        "--queue-name",
        "*",
        "--interval",
        "0.2",
        "--no-startup-delay",
        "--no-reload",
    ]

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # our own interpreter and manage.py
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    workers = [start(), start()]
    rng = random.Random(20261206)  # the test's own schedule of kills
    kills = [0, 0]
    try:
        mobilization = request_send(personas.staff, tree)
        # 20,000 people: a second staff member approves.
        services.mobilization_approve(actor=personas.admin, mobilization=mobilization)
        assert wait_until(
            lambda: Mobilization.objects.filter(
                pk=mobilization.pk, first_sent_at__isnull=False
            ).exists(),
            timeout=60,
        )
        while sum(kills) < 2 * KILLS_PER_WORKER:
            time.sleep(rng.uniform(0.3, 1.5))
            index = rng.randrange(2)
            if kills[index] >= KILLS_PER_WORKER:
                index = 1 - index
            workers[index].send_signal(signal.SIGKILL)
            workers[index].wait(timeout=10)
            kills[index] += 1
            workers[index] = start()
        # What the scheduler does each minute: rows of dead workers back, workers woken.
        done = wait_until(
            lambda: (
                starting.sweep() is not None
                and not Delivery.objects.filter(
                    mobilization=mobilization, status__in=["pending", "sending"]
                ).exists()
            ),
            timeout=240,
            every=1.0,
        )
        assert done, "the outbox did not empty"
        worker_sink.wait_for(RECIPIENTS, timeout=30)
    finally:
        stop(workers)

    received: Counter[str] = worker_sink.recipients()
    expected = {f"p{i}@example.org" for i in range(RECIPIENTS)}
    missing = expected - set(received)
    duplicates = sum(n - 1 for n in received.values() if n > 1)
    assert not missing, f"{len(missing)} recipients got nothing"
    assert set(received) == expected
    print(f"fault test: {len(received)} received, {duplicates} duplicates, {sum(kills)} kills")
    assert duplicates <= sum(kills), f"{duplicates} duplicates after {sum(kills)} kills"
    statuses = Counter(
        Delivery.objects.filter(mobilization=mobilization).values_list("status", flat=True)
    )
    assert statuses == {"sent": RECIPIENTS}
