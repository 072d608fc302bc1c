"""Work outside the request for programmes: confirmations, promotions, reminders.

(Skeleton: the public event pages work fills in the messages and the .ics file.)"""

from __future__ import annotations

from django_tasks import task


@task()
def send_registration_confirmation(registration_id: int, language: str) -> None:
    """The confirmation (or waiting-list) email with an .ics file and a cancel link."""


@task()
def send_waitlist_promotion(registration_id: int) -> None:
    """Tell the person who got a seat from the waiting list."""
