"""Privacy's periodic work (scheduled in ``privacy/jobs.py``): thin tasks that call the
services."""

from __future__ import annotations

from django_tasks import task

from aktivist.privacy.requests import requests_send_reminders
from aktivist.privacy.retention import run_enabled_rules


@task()
def retention_nightly() -> dict[str, int]:
    """Every enabled retention rule, in resumable batches. Returns rows or people done per
    rule."""
    return {outcome.rule: outcome.processed for outcome in run_enabled_rules()}


@task()
def request_reminders() -> int:
    """Remind the data-protection officers of requests due within a week or overdue."""
    return requests_send_reminders().sent
