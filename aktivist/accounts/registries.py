"""Staff accounts and login records in the merge, export and erasure registries
(registered in AccountsConfig.ready()).

User
    A staff account is the staff member's own record under their role in the organisation,
    not a record of the register: it stays (the audit trail names its actions by it) and
    erasure only takes away its link to the person. Its email and name are kept as long as
    the audit rows that name the account (the audit retention rule); an admin deactivates
    it.
Login records (django-axes: attempts, failures, logins)
    Kept for the login-records retention rule. Erasure deletes those made with the erased
    person's own email address as the login name; the export lists them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

LOGIN_RECORD_COLUMNS = ("username", "ip_address", "user_agent", "attempt_time")


def _login_names(person: Any) -> list[str]:
    from aktivist.accounts.models import User

    names = {(person.email or "").lower()}
    accounts = User.objects.filter(person=person).values_list("email", flat=True)
    names.update(email.lower() for email in accounts)
    return sorted(names - {""})


def export_login_records(model: type[Any]) -> Any:
    def handler(person: Any) -> list[dict[str, Any]]:
        names = _login_names(person)
        if not names:
            return []
        return list(
            model.objects.filter(username__in=names)
            .order_by("attempt_time")
            .values(*LOGIN_RECORD_COLUMNS)
        )

    return handler


def erase_login_records(model: type[Any]) -> Any:
    def handler(person_ids: Sequence[int]) -> None:
        from aktivist.people.models import Person

        emails = Person.objects.filter(pk__in=list(person_ids), email__isnull=False).values("email")
        model.objects.filter(Q(username__in=emails)).delete()

    return handler
