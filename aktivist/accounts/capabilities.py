"""Who may do what: the one table of capabilities per access role.

A *capability* names something an account may do or open (``people.view``,
``urgent.send`` …). ``GRANTS`` gives each access role its capabilities; ``can(viewer,
capability)`` answers for an account, ``require(viewer, capability)`` refuses a service call
(``PermissionDenied``). Views declare theirs with ``accounts.decorators.requires``,
templates ask ``{% if request.user|can:"urgent.send" %}`` (``templatetags/capabilities``).

Capabilities are the role part only. Which *records* an account reaches (a person, an
event, a campaign) is still its scope's business (``accounts.access.scope_for`` and each
app's selectors): a district representative who may edit people edits only those in the
district.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied

from aktivist.accounts.access import scope_for
from aktivist.accounts.models import User


class Capability(StrEnum):
    # People and the pages built on them (units, alumni, campaigns, events, segments).
    PEOPLE_VIEW = "people.view"
    # Mobilizations and messages: composing, testing, sending to a segment.
    MOBILIZATION_SEND = "mobilization.send"
    # Imports of people (upload, dry run, run).
    IMPORTS_RUN = "imports.run"
    # Urgent actions: cases, templates, the network's SMS.
    URGENT_SEND = "urgent.send"
    # The secretariat's review queue (held edits, imports, walk-ins).
    REVIEW_RESOLVE = "review.resolve"
    # Possible duplicates: the list and merging.
    DUPLICATES_MERGE = "duplicates.merge"
    # National planning: priorities, lifting a local initiative, programmes.
    NATIONAL_PLANNING = "national.plan"
    # Staff accounts: invite, change, deactivate.
    ACCOUNTS_MANAGE = "accounts.manage"
    # A district representative's help for the coordinators of their district.
    COORDINATORS_HELP = "accounts.coordinators"
    # Settings: the Django admin, the duplicate scan, confirming a register import's guard,
    # retention rules, the sent-messages page outside production.
    SETTINGS_ADMIN = "settings.admin"
    # The read audit trail.
    PRIVACY_AUDIT = "privacy.audit"
    # Data-subject requests, the retention rules (to see) and the records of processing.
    PRIVACY_REQUESTS = "privacy.requests"
    PRIVACY_RETENTION = "privacy.retention"
    PRIVACY_RECORDS = "privacy.records"
    # Carrying out the rights: access export, erasure, linking a request to a person.
    PRIVACY_ACT = "privacy.act"
    # Recording a completed programme by hand (coordinators record attendance instead).
    PROGRAMMES_COMPLETIONS = "programmes.completions"
    # Reports.
    REPORTS_RED_THREAD = "reports.red_thread"
    ENGAGEMENT_REPORT = "engagement.report"
    NETWORK_VIEW = "network.view"


C = Capability
Role = User.AccessRole

# The secretariat (admins and staff) shares these; admins hold the settings on top.
_SECRETARIAT = frozenset(
    {
        C.PEOPLE_VIEW,
        C.MOBILIZATION_SEND,
        C.IMPORTS_RUN,
        C.URGENT_SEND,
        C.REVIEW_RESOLVE,
        C.DUPLICATES_MERGE,
        C.NATIONAL_PLANNING,
        C.PRIVACY_REQUESTS,
        C.PRIVACY_RETENTION,
        C.PRIVACY_RECORDS,
        C.PRIVACY_ACT,
        C.PROGRAMMES_COMPLETIONS,
        C.REPORTS_RED_THREAD,
        C.ENGAGEMENT_REPORT,
        C.NETWORK_VIEW,
    }
)

# THE table: access role → what it may do.
GRANTS: dict[str, frozenset[Capability]] = {
    Role.ADMIN: _SECRETARIAT | {C.ACCOUNTS_MANAGE, C.SETTINGS_ADMIN, C.PRIVACY_AUDIT},
    Role.STAFF: _SECRETARIAT,
    Role.DISTRICT: frozenset(
        {
            C.PEOPLE_VIEW,
            C.MOBILIZATION_SEND,
            C.IMPORTS_RUN,
            C.PROGRAMMES_COMPLETIONS,
            C.REPORTS_RED_THREAD,
            C.ENGAGEMENT_REPORT,
            C.NETWORK_VIEW,
            C.COORDINATORS_HELP,
        }
    ),
    Role.COORDINATOR: frozenset({C.PEOPLE_VIEW, C.MOBILIZATION_SEND, C.ENGAGEMENT_REPORT}),
    Role.BOARD: frozenset({C.REPORTS_RED_THREAD, C.ENGAGEMENT_REPORT, C.NETWORK_VIEW}),
    Role.DPO: frozenset(
        {C.PRIVACY_AUDIT, C.PRIVACY_REQUESTS, C.PRIVACY_RETENTION, C.PRIVACY_RECORDS}
    ),
}

# District representatives and coordinators see people only through their scope units: an
# account of theirs without one holds none of these (``Scope.sees_people``).
SCOPED_ROLES = frozenset({Role.DISTRICT, Role.COORDINATOR})
NEEDS_SCOPE_UNIT = frozenset(
    {
        C.PEOPLE_VIEW,
        C.MOBILIZATION_SEND,
        C.IMPORTS_RUN,
        C.PROGRAMMES_COMPLETIONS,
        C.REPORTS_RED_THREAD,
        C.ENGAGEMENT_REPORT,
        C.NETWORK_VIEW,
    }
)


def role_can(role: str, capability: str, *, has_scope_unit: bool) -> bool:
    """The table's answer for a role (and whether the account has a scope unit)."""
    if capability not in GRANTS.get(role, frozenset()):
        return False
    return has_scope_unit or role not in SCOPED_ROLES or capability not in NEEDS_SCOPE_UNIT


def can(viewer: Any, capability: str) -> bool:
    """Whether the account may do ``capability``. Anonymous and inactive accounts: nothing."""
    scope = scope_for(viewer)
    return role_can(scope.role, Capability(capability), has_scope_unit=bool(scope.unit_paths))


def require(viewer: Any, capability: str) -> None:
    """For services: refuse (``PermissionDenied``) unless the account may."""
    if not can(viewer, capability):
        raise PermissionDenied


def roles_with(capability: str) -> list[str]:
    """The access roles that hold ``capability`` (with a scope unit, where one is needed)."""
    return [role for role, granted in GRANTS.items() if capability in granted]
