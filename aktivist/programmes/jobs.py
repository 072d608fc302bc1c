"""Periodic work of programmes, registered with the scheduler (aktivist.core.schedule)."""

from __future__ import annotations

from aktivist.core.schedule import Job, register_job
from aktivist.programmes.tasks import forget_stale_attendance_uploads, send_due_reminders


def register() -> None:
    # Reminders go out in the hour their time comes (starts_at − reminder_hours_before).
    register_job(Job(name="programmes.send_reminders", period="hourly", task=send_due_reminders))
    # Attendance lists nobody came back for (or whose task never ran) go after a day.
    register_job(
        Job(
            name="programmes.forget_stale_uploads",
            period="hourly",
            task=forget_stale_attendance_uploads,
        )
    )
