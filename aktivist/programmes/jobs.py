"""Periodic work of programmes, registered with the scheduler (aktivist.core.schedule)."""

from __future__ import annotations


def register() -> None:
    from aktivist.core.schedule import Job, register_job
    from aktivist.programmes.tasks import send_due_reminders

    # Reminders go out in the hour their time comes (starts_at − reminder_hours_before).
    register_job(Job(name="programmes.send_reminders", period="hourly", task=send_due_reminders))
