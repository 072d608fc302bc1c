"""The privacy section of the main navigation: one list of the privacy pages
(``NAV_ENTRIES``), shown in ``base.html`` through ``{% privacy_nav %}``
(``templatetags/privacy_nav.py``). An entry whose URL does not exist is left out.

Who sees an entry is the entry's own ``visible(scope)``: by default the secretariat's admins
and the data-protection officer (``is_privacy_officer``). The officer has no people pages,
so the first entry the officer may open is also where the start page sends them
(``landing_url``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


def is_privacy_officer(scope: Any) -> bool:
    """Secretariat admins and the data-protection officer: the audit trail, retention."""
    return bool(scope.is_admin or scope.is_dpo)


def is_secretariat_or_officer(scope: Any) -> bool:
    """The secretariat (admins and staff) and the data-protection officer."""
    return bool(scope.is_national or scope.is_dpo)


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: Any  # lazy text
    nav: str  # the ``nav`` context value of the page, for aria-current
    visible: Callable[[Any], bool] = is_privacy_officer


# The privacy pages in the order the nav shows them.
NAV_ENTRIES: list[NavEntry] = [
    NavEntry("privacy:audit", _("Audit trail"), "privacy_audit"),
    NavEntry(
        "privacy:request_list",
        _("Data requests"),
        "privacy_requests",
        visible=is_secretariat_or_officer,
    ),
    NavEntry(
        "privacy:retention", _("Retention"), "privacy_retention", visible=is_secretariat_or_officer
    ),
    NavEntry(
        "privacy:records",
        _("Records of processing"),
        "privacy_records",
        visible=is_secretariat_or_officer,
    ),
]


def entries_for(scope: Any) -> list[tuple[str, str, str]]:
    """(url, label, nav key) of the entries this scope may open and that exist."""
    found = []
    for entry in NAV_ENTRIES:
        if not entry.visible(scope):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        found.append((url, str(entry.label), entry.nav))
    return found


def landing_url(scope: Any) -> str | None:
    """Where an account without people pages (the officer) starts: its first entry."""
    entries = entries_for(scope)
    return entries[0][0] if entries else None
