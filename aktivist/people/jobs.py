"""Periodic work of people, registered with the scheduler (aktivist.core.schedule)."""

from __future__ import annotations

from aktivist.core.schedule import Job, register_job
from aktivist.people.tasks_follow_ups import pass_on_follow_ups


def register() -> None:
    # Follow-ups whose owner lost sight of the person pass on, at night: after access that
    # ended with a role was removed (end_access_of_ended_roles, from 02:00).
    register_job(
        Job(
            name="people.pass_on_follow_ups",
            period="daily",
            task=pass_on_follow_ups,
            not_before_hour=3,
        )
    )
