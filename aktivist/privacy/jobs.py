"""Periodic work of privacy, registered with the scheduler (aktivist.core.schedule)."""

from __future__ import annotations

from aktivist.core.schedule import Job, register_job
from aktivist.privacy.tasks import request_reminders, retention_nightly


def register() -> None:
    # Retention at night, after the other nightly jobs (the ladder, ended access, follow-ups
    # passing on) have seen the people it may anonymise.
    register_job(
        Job(
            name="privacy.retention",
            period="daily",
            task=retention_nightly,
            not_before_hour=4,
        )
    )
    # Reminders in the morning, when someone reads them.
    register_job(
        Job(
            name="privacy.request_reminders",
            period="daily",
            task=request_reminders,
            not_before_hour=7,
        )
    )
