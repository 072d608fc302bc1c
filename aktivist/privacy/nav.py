"""The privacy section of the main navigation: one list of the privacy pages
(``NAV_ENTRIES``), shown in ``base.html`` through ``{% privacy_nav %}``
(``templatetags/privacy_nav.py``). An entry whose URL does not exist is left out.

Who sees an entry is the capability its page requires (``accounts/capabilities.py``). The
officer has no people pages, so the first entry the officer may open is also where the start
page sends them (``landing_url``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from aktivist.accounts.capabilities import Capability, can


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: Any  # lazy text
    nav: str  # the ``nav`` context value of the page, for aria-current
    capability: Capability


# The privacy pages in the order the nav shows them.
NAV_ENTRIES: list[NavEntry] = [
    NavEntry("privacy:audit", _("Audit trail"), "privacy_audit", Capability.PRIVACY_AUDIT),
    NavEntry(
        "privacy:request_list", _("Data requests"), "privacy_requests", Capability.PRIVACY_REQUESTS
    ),
    NavEntry(
        "privacy:retention", _("Retention"), "privacy_retention", Capability.PRIVACY_RETENTION
    ),
    NavEntry(
        "privacy:records", _("Records of processing"), "privacy_records", Capability.PRIVACY_RECORDS
    ),
]


def entries_for(viewer: Any) -> list[tuple[str, str, str]]:
    """(url, label, nav key) of the entries this account may open and that exist."""
    found = []
    for entry in NAV_ENTRIES:
        if not can(viewer, entry.capability):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        found.append((url, str(entry.label), entry.nav))
    return found


def landing_url(viewer: Any) -> str | None:
    """Where an account without people pages (the officer) starts: its first entry."""
    entries = entries_for(viewer)
    return entries[0][0] if entries else None
