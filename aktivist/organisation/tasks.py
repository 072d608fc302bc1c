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
