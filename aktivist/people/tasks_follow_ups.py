"""Work outside the request for follow-ups that pass on (aktivist/people/follow_ups.py):
thin tasks that take ids and call the service."""

from __future__ import annotations

from django_tasks import task

from aktivist.accounts.models import User
from aktivist.people import follow_ups


@task()
def pass_on_follow_ups() -> int:
    """Nightly: every owner's open follow-ups, after the day's changes (and after a change
    of the rules of sight at deploy). Returns how many passed on."""
    return follow_ups.follow_ups_pass_on().total


@task()
def pass_on_follow_ups_after_change(person_id: int | None, owner_ids: list[int]) -> int:
    """A membership or role ended, or an account's access changed: check the accounts
    concerned at once rather than at night."""
    owners = follow_ups.owners_to_check(person_id=person_id, owner_ids=owner_ids)
    if not owners:
        return 0
    return follow_ups.follow_ups_pass_on(owner_ids=owners).total


@task()
def tell_former_owner(owner_id: int, to_district: int, to_secretariat: int) -> bool:
    """Email one former owner how many of their follow-ups passed on."""
    owner = User.objects.filter(pk=owner_id).first()
    if owner is None:
        return False
    return follow_ups.follow_ups_tell_former_owner(
        owner=owner, to_district=to_district, to_secretariat=to_secretariat
    )
