"""The audit viewer's reads: the audit trail filtered by account, by person ("who saw her?"),
by time and by kind of event, one page at a time without a COUNT over the table, each row in
words; and the same rows for the CSV export.

The data-protection officer has no people pages, so finding a person for "who saw her?"
does not go through ``people_visible_to``: ``find_people`` searches every person who has
not been erased (the search itself is recorded as a search, by the view) and the page shows
only the names it found, as the subject of the question. A person's trail also holds the
searches that would have found her: rows of ``people.search`` whose keyed hash equals the
hash of her name, email, phone or member number."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.accounts.models import User
from aktivist.core import reads
from aktivist.core.models import AuditEvent
from aktivist.people.models import Person
from aktivist.people.selectors import search_q

PER_PAGE = 50
PEOPLE_FOUND_LIMIT = 20
DETAILS_MAX = 300

READS, SEARCHES, EXPORTS, HOLDS, WRITES = "reads", "searches", "exports", "holds", "writes"
KIND_CHOICES = [
    ("", gettext_lazy("Everything")),
    (READS, gettext_lazy("Reads of personal data")),
    (SEARCHES, gettext_lazy("Searches")),
    (EXPORTS, gettext_lazy("Exports")),
    (HOLDS, gettext_lazy("Held requests")),
    (WRITES, gettext_lazy("Changes")),
]
HOLD_VERBS = ("review.held", "review.volume_alert")

VERB_LABELS: dict[str, Any] = {
    reads.PERSON_READ: gettext_lazy("Opened the person's page"),
    reads.PEOPLE_LIST: gettext_lazy("Saw in the people list"),
    reads.REGISTRATIONS_READ: gettext_lazy("Saw in an event's registrations"),
    reads.CHECKIN_READ: gettext_lazy("Saw on a check-in list"),
    reads.ADD_SEARCH: gettext_lazy("Found when signing someone up"),
    reads.SEGMENT_PREVIEW: gettext_lazy("Saw in a segment's sample"),
    reads.PREVIEW_AS: gettext_lazy("Previewed a message as"),
    reads.UNIT_READ: gettext_lazy("Saw on a unit's page"),
    reads.SCHOOLS_READ: gettext_lazy("Saw in the school groups"),
    reads.ALUMNI_READ: gettext_lazy("Saw in the alumni list"),
    reads.START_READ: gettext_lazy("Saw on the start page"),
    reads.PARTICIPANTS_READ: gettext_lazy("Saw among an action's participants"),
    reads.DUPLICATES_READ: gettext_lazy("Saw in the duplicate queue"),
    reads.IMPORT_DRY_RUN_READ: gettext_lazy("Saw stored values in an import's dry run"),
    reads.REVIEW_READ: gettext_lazy("Saw in the review queue"),
    reads.AUDIT_PERSON_SEARCH: gettext_lazy("Found in the audit trail's person search"),
    reads.AUDIT_PERSON_READ: gettext_lazy("Looked up the person's audit trail"),
    reads.SENT_MESSAGES_READ: gettext_lazy("Saw messages to them on the sent-messages page"),
    reads.EXPORT: gettext_lazy("Exported in a file"),
    "people.export": gettext_lazy("Exported people"),
    reads.SEARCH: gettext_lazy("Searched"),
    "audit.export": gettext_lazy("Exported the audit trail"),
    "action.participants_export": gettext_lazy("Exported an action's participants"),
    "event.registrations_export": gettext_lazy("Exported an event's registrations"),
    "report.red_thread_export": gettext_lazy("Exported the red-thread report"),
    "campaigns.handover_export": gettext_lazy("Exported a handover file"),
    "import.refused_rows_download": gettext_lazy("Downloaded an import's refused rows"),
    "review.held": gettext_lazy("A request was held for review"),
    "review.volume_alert": gettext_lazy("Unusually many held requests"),
    "person.create": gettext_lazy("Added a person"),
    "person.update": gettext_lazy("Changed a person"),
    "person.merge": gettext_lazy("Merged two people"),
}
SEARCH_KIND_LABELS: dict[str, Any] = {
    reads.NAME: gettext_lazy("name"),
    reads.EMAIL: gettext_lazy("email"),
    reads.PHONE: gettext_lazy("phone"),
    reads.MEMBER_NUMBER: gettext_lazy("member number"),
}
# Details that are ids of other records: said as "event #12".
ID_DETAILS: dict[str, Any] = {
    "event": gettext_lazy("event"),
    "segment": gettext_lazy("segment"),
    "unit": gettext_lazy("unit"),
    "action": gettext_lazy("action"),
    "mobilization": gettext_lazy("mobilization"),
    "import_batch": gettext_lazy("import"),
    "candidate": gettext_lazy("duplicate pair"),
}


def verb_label(verb: str) -> str:
    label = VERB_LABELS.get(verb)
    return str(label) if label is not None else verb


def kind_q(kind: str) -> Q | None:
    """The kind of event as a condition on the verb (None: everything)."""
    exports = Q(verb=reads.EXPORT) | Q(verb__endswith="export") | Q(verb__endswith="_download")
    found = {
        READS: Q(verb__in=reads.READ_VERBS),
        SEARCHES: Q(verb=reads.SEARCH),
        EXPORTS: exports,
        HOLDS: Q(verb__in=HOLD_VERBS),
    }
    if kind in found:
        return found[kind]
    if kind == WRITES:
        return ~(
            Q(verb__in=reads.READ_VERBS) | Q(verb=reads.SEARCH) | exports | Q(verb__in=HOLD_VERBS)
        )
    return None


# --- The filter ------------------------------------------------------------------------------


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.name or obj.email
        role = obj.get_access_role_display()
        return f"{name} <{obj.email}> · {role}" if obj.name else f"{name} · {role}"


class AuditFilterForm(forms.Form):
    actor = AccountChoiceField(
        label=gettext_lazy("Staff account"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Any account"),
    )
    q = forms.CharField(
        label=gettext_lazy("Person"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Name, email, phone or member number: who saw this person?"),
    )
    person = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=KIND_CHOICES, required=False)
    since = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        actor = self.fields["actor"]
        assert isinstance(actor, forms.ModelChoiceField)  # noqa: S101 - declared above
        actor.queryset = User.objects.order_by("name", "email")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end comes before the start."))
        return cleaned


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    person_id: int | None = None
    kind: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None

    @classmethod
    def from_form(cls, form: AuditFilterForm) -> AuditFilter:
        if not form.is_bound or not form.is_valid():
            return cls()
        data = form.cleaned_data
        actor = data.get("actor")
        return cls(
            actor_id=actor.pk if actor is not None else None,
            person_id=data.get("person"),
            kind=data.get("kind") or "",
            since=data.get("since"),
            until=data.get("until"),
        )

    def as_details(self) -> dict[str, Any]:
        """The filter for the export's own audit event: ids and dates only."""
        return {
            "actor": self.actor_id,
            "person": self.person_id,
            "kind": self.kind,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def events(flt: AuditFilter, *, subject: Any = None) -> QuerySet[AuditEvent]:
    """The audit events the filter selects, newest first. ``subject``: the person of
    ``flt.person_id`` when they still exist (their searches are matched by hash)."""
    qs = AuditEvent.objects.select_related("actor").order_by("-id")
    if flt.actor_id is not None:
        qs = qs.filter(actor_id=flt.actor_id)
    if flt.person_id is not None:
        who = Q(person_id=flt.person_id)
        if subject is not None:
            digests = reads.digests_of_person(subject)
            if digests:
                who |= Q(verb=reads.SEARCH, object_type=reads.SEARCH_OBJECT, object_id__in=digests)
        qs = qs.filter(who)
    condition = kind_q(flt.kind)
    if condition is not None:
        qs = qs.filter(condition)
    if flt.since is not None:
        qs = qs.filter(created_at__gte=_day_start(flt.since))
    if flt.until is not None:
        qs = qs.filter(created_at__lt=_day_start(flt.until + datetime.timedelta(days=1)))
    return qs


def page_of_events(
    qs: QuerySet[AuditEvent], *, before: int | None, per_page: int = PER_PAGE
) -> tuple[list[AuditEvent], int | None]:
    """One page, newest first, after the id ``before`` (keyset: no COUNT, no OFFSET), and the
    id to continue from (None on the last page)."""
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: per_page + 1])
    if len(rows) > per_page:
        return rows[:per_page], rows[per_page - 1].pk
    return rows, None


# --- People: found for the question, named in the rows ------------------------------------------


@dataclass(frozen=True)
class PersonRef:
    pk: int
    name: str
    erased: bool

    def __str__(self) -> str:
        if self.erased:
            return _("erased person #%(id)s") % {"id": self.pk}
        return self.name or _("(no name) #%(id)s") % {"id": self.pk}


def find_people(query: str, *, limit: int = PEOPLE_FOUND_LIMIT) -> list[Any]:
    """People (not erased) whom the text names, the way the people search matches — for the
    question "who saw her?" only. No scope: the officer has none, and the page shows the
    names alone."""
    q = search_q(query)
    if q is None:
        return []
    return list(
        Person.objects.filter(q, erased_at__isnull=True)
        .only("pk", "first_name", "last_name")
        .order_by("last_name_key", "first_name_key", "pk")[:limit]
    )


def subject_of(person_id: int | None) -> tuple[PersonRef | None, Any]:
    """(how to name the person, the person row when they still exist and are not erased)."""
    if person_id is None:
        return None, None
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return PersonRef(pk=person_id, name="", erased=True), None
    if person.erased_at is not None:
        return PersonRef(pk=person_id, name="", erased=True), None
    return PersonRef(pk=person_id, name=person.full_name, erased=False), person


def people_named(ids: set[int]) -> dict[int, PersonRef]:
    """The people of a page of rows, in one query; a person who no longer exists (merged
    into another, or removed) or was erased is named by id only."""
    if not ids:
        return {}
    found = {
        row["pk"]: PersonRef(
            pk=row["pk"],
            name=f"{row['first_name']} {row['last_name']}".strip(),
            erased=row["erased_at"] is not None,
        )
        for row in Person.objects.filter(pk__in=ids).values(
            "pk", "first_name", "last_name", "erased_at"
        )
    }
    return {pk: found.get(pk, PersonRef(pk=pk, name="", erased=True)) for pk in ids}


# --- Rows in words ------------------------------------------------------------------------------


@dataclass
class Row:
    event: AuditEvent
    when: datetime.datetime
    who: str
    who_email: str
    who_role: str
    what: str
    whom: str
    details: str


def _search_words(search: dict[str, Any]) -> str:
    kind = SEARCH_KIND_LABELS.get(str(search.get("kind")), search.get("kind"))
    digest = str(search.get("hash", ""))[:12]
    return _("search by %(kind)s (hash %(hash)s…)") % {"kind": kind, "hash": digest}


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def describe(event: AuditEvent) -> str:
    """The event's details in words: ids said as "event #12", a search as its kind and the
    start of its hash (the text was never recorded), other values as "key: value"."""
    details = event.details if isinstance(event.details, dict) else {}
    parts: list[str] = []
    if event.verb == reads.SEARCH:
        parts.append(_search_words(details))
        if "shown" in details:
            parts.append(_("%(count)s shown") % {"count": details["shown"]})
        skip = {"kind", "hash", "shown", "in"}
    else:
        skip = set()
        if isinstance(details.get("search"), dict):
            parts.append(_search_words(details["search"]))
            skip.add("search")
    if event.person_id is None and event.object_type and event.verb != reads.SEARCH:
        target = f"{event.object_type}"
        if event.object_id:
            target += f" #{event.object_id}"
        parts.append(target)
    for key, value in details.items():
        if key in skip or value in (None, "", [], {}):
            continue
        if key in ID_DETAILS and isinstance(value, int):
            parts.append(f"{ID_DETAILS[key]} #{value}")
        elif key == "export" and isinstance(value, str):
            parts.append(_("in the file of: %(what)s") % {"what": verb_label(value)})
        elif key == "in" and isinstance(value, str):
            parts.append(verb_label(value))
        elif _scalar(value):
            parts.append(f"{key}: {value}")
        elif isinstance(value, list) and all(_scalar(v) for v in value):
            parts.append(f"{key}: {', '.join(str(v) for v in value)}")
    text = "; ".join(parts)
    return text if len(text) <= DETAILS_MAX else text[: DETAILS_MAX - 1] + "…"


def _who(event: AuditEvent) -> tuple[str, str, str]:
    if event.actor_id is None:
        return _("The system"), "", ""
    actor = event.actor
    if actor is None:
        return _("deleted account #%(id)s") % {"id": event.actor_id}, "", ""
    return actor.name or actor.email, actor.email, str(actor.get_access_role_display())


def rows_for(events_page: list[AuditEvent]) -> list[Row]:
    """The page's events in words (one query for the people they name)."""
    named = people_named({e.person_id for e in events_page if e.person_id is not None})
    rows = []
    for event in events_page:
        who, email, role = _who(event)
        whom = str(named[event.person_id]) if event.person_id is not None else ""
        rows.append(
            Row(
                event=event,
                when=timezone.localtime(event.created_at),
                who=who,
                who_email=email,
                who_role=role,
                what=verb_label(event.verb),
                whom=whom,
                details=describe(event),
            )
        )
    return rows


CSV_CHUNK = 2000


def csv_headers() -> list[str]:
    return [
        _("When"),
        _("Account"),
        _("Account email"),
        _("Access role"),
        _("What"),
        _("Verb"),
        _("Person id"),
        _("Whom"),
        _("Details"),
    ]


def csv_rows(qs: QuerySet[AuditEvent]) -> Iterator[list[Any]]:
    """Every event of the queryset, in chunks of ``CSV_CHUNK`` (one query for their people
    per chunk)."""
    chunk: list[AuditEvent] = []
    for event in qs.iterator(chunk_size=CSV_CHUNK):
        chunk.append(event)
        if len(chunk) >= CSV_CHUNK:
            yield from _csv_chunk(chunk)
            chunk = []
    if chunk:
        yield from _csv_chunk(chunk)


def _csv_chunk(chunk: list[AuditEvent]) -> Iterator[list[Any]]:
    for row in rows_for(chunk):
        yield [
            row.when.strftime("%Y-%m-%d %H:%M:%S"),
            row.who,
            row.who_email,
            row.who_role,
            row.what,
            row.event.verb,
            row.event.person_id or "",
            row.whom,
            row.details,
        ]
