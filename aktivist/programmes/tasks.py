"""Work outside the request for programmes: confirmations, promotions, reminders.
Tasks take ids and call aktivist.programmes.notifications."""

from __future__ import annotations

from django_tasks import task

from aktivist.programmes import notifications
from aktivist.programmes.attendance_upload import attendance_upload_read, forget_stale_uploads


@task()
def send_registration_confirmation(registration_id: int, language: str) -> None:
    """The confirmation (or waiting-list) email with an .ics file and a cancel link."""
    notifications.send_confirmation(registration_id, language)


@task()
def send_waitlist_promotion(registration_id: int) -> None:
    """Tell the person who got a seat from the waiting list."""
    notifications.send_promotion(registration_id)


@task()
def send_due_reminders() -> int:
    """Remind people of the events they hold a seat at (hourly job
    ``programmes.send_reminders``). Returns how many reminders were sent."""
    return notifications.send_due_reminders()


@task()
def read_attendance_upload(upload_id: int) -> dict[str, int]:
    """Read an uploaded attendance list and record it: never in the web request."""
    upload = attendance_upload_read(upload_id=upload_id)
    return {"marked": int((upload.result or {}).get("marked", 0))} if upload else {}


@task()
def forget_stale_attendance_uploads() -> int:
    """Delete the attendance uploads older than a day with their files (hourly job
    ``programmes.forget_stale_uploads``): a list nobody came back for is not kept."""
    return forget_stale_uploads()
