"""Work outside the request for campaigns: the daily letters batch, old idempotency keys."""

from __future__ import annotations

from django_tasks import task

from aktivist.campaigns import channels, letters


@task()
def send_letters() -> int:
    """Send every unsent letter of the letter actions delivered by email (daily job
    ``campaigns.send_letters``). Returns how many were sent."""
    return letters.send_letters().sent


@task()
def purge_idempotency_keys() -> int:
    """Forget channels' idempotency keys older than a month (daily job)."""
    return channels.idempotency_keys_purge()
