"""The participants of an action as CSV, for the staff who may see them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.accounts.access import scope_for
from aktivist.campaigns.models import Action
from aktivist.campaigns.selectors import participants_visible_to
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.core.spreadsheets import csv_stream


@dataclass(frozen=True)
class ParticipantsExport:
    filename: str
    rows: int
    stream: Iterator[bytes]


PARTICIPANT_HEADERS = (
    gettext_lazy("first name"),
    gettext_lazy("last name"),
    gettext_lazy("email"),
    gettext_lazy("mobile"),
    gettext_lazy("postcode"),
    gettext_lazy("home unit"),
    gettext_lazy("membership status"),
    gettext_lazy("signed"),
    gettext_lazy("source"),
    gettext_lazy("channel"),
    gettext_lazy("age bracket"),
    gettext_lazy("may be named at hand-over"),
)


def _participant_headers(action: Action) -> list[str]:
    headers = [capfirst(str(label)) for label in PARTICIPANT_HEADERS]
    if action.is_letter:
        headers.append(capfirst(str(gettext_lazy("letter"))))
    return headers


def _participant_rows(action: Action, queryset: Any) -> Iterator[list[Any]]:
    local = timezone.get_current_timezone()
    fields = [
        "person__first_name",
        "person__last_name",
        "person__email",
        "person__mobile",
        "person__postcode",
        "person__home_unit__name",
        "person__membership_status",
        "created_at",
        "source",
        "channel__name",
        "age_bracket",
        "named",
    ]
    if action.is_letter:
        fields.append("letter_text")
    for row in queryset.values_list(*fields).iterator(chunk_size=2000):
        values = list(row)
        values[7] = values[7].astimezone(local).strftime("%Y-%m-%d %H:%M")
        values[11] = "1" if values[11] else "0"
        yield values


def participants_export(*, actor: Any, action: Action) -> ParticipantsExport:
    """The participants the actor may see, as CSV for Swedish Excel (UTF-8 with BOM, ``;``,
    formula-escaped — the people export's writer). Audited before a byte leaves, with the
    count and never a value."""
    if not scope_for(actor).sees_people:
        raise ApplicationError(_("You cannot export people."))
    queryset = participants_visible_to(actor, action).order_by("created_at", "id")
    with transaction.atomic():
        rows = queryset.count()
        audit.record(
            actor=actor,
            verb="action.participants_export",
            obj=action,
            details={"rows": rows, "format": "csv"},
        )
    stamp = timezone.localdate().isoformat()
    return ParticipantsExport(
        filename=f"aktivist-{action.slug}-{stamp}.csv",
        rows=rows,
        stream=csv_stream(_participant_rows(action, queryset), _participant_headers(action)),
    )
