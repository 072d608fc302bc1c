from __future__ import annotations

from django_tasks import task

from aktivist.organisation import services


@task()
def end_access_of_ended_roles() -> int:
    """Nightly safety net: access granted for a role ends when the role has ended, however
    the role was ended (service, admin, import)."""
    return services.end_access_of_ended_roles()


@task()
def recompute_home_units() -> int:
    """Postcode prefixes changed: people's home units follow."""
    return services.home_units_recompute()


@task()
def send_alumni_invitations(event_id: int, person_ids: list[int]) -> int:
    """One chunk of an alumni invitation (aktivist/organisation/alumni.py)."""
    from aktivist.organisation.alumni import send_invitations

    return send_invitations(event_id, person_ids)
