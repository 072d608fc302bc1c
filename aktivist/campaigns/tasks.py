"""Work outside the request for campaigns: the daily letters batch."""

from __future__ import annotations

from django_tasks import task

from aktivist.campaigns import letters


@task()
def send_letters() -> int:
    """Send every unsent letter of the letter actions delivered by email (daily job
    ``campaigns.send_letters``). Returns how many were sent."""
    return letters.send_letters().sent
