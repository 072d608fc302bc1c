"""Attendance from a file: the sign-in sheet typed into Excel after the event.

Columns: email, mobile, first name, last name (or one name column), in Swedish or
English; ``;`` or ``,``; UTF-8 or Windows-1252 — read by the imports' file reader and
header guesser (aktivist/imports/reading.py, columns.py), so a file that imports as
people uploads as attendance. Every row names a first name and an email or a mobile.

All or nothing: every row is checked first. One malformed row refuses the whole file
with the refused rows listed (line numbers as the spreadsheet shows them, and why), and
nothing changes. A clean file marks each row's person attended — matched by normalised
email, then mobile, or created as a non-member; an existing person's data is never
changed; registrations are created where there were none (source: attendance upload) —
audited once per upload with counts. People outside the uploader's scope are recorded
like everyone else and never named back: the answer gives counts only, and the check-in
list does not name them (the audit event lists their registrations).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.engagement.signals import schedule_recompute
from aktivist.imports.columns import guess_mapping
from aktivist.imports.reading import FileRefused, open_table
from aktivist.imports.rows import split_full_name
from aktivist.lib.normalise import (
    clean_phone,
    is_mobile,
    is_valid_email,
    normalise_email,
    se_mobile_fast,
)
from aktivist.people.models import Person
from aktivist.people.selectors import people_visible_to
from aktivist.programmes import progression
from aktivist.programmes.models import Event, Registration
from aktivist.programmes.selectors import can_edit_event

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
NAME_MAX = 100
CHUNK = 500
Status = Registration.Status


@dataclass(frozen=True)
class RefusedRow:
    line: int
    reason: str


@dataclass(frozen=True)
class UploadResult:
    refused: list[RefusedRow] = field(default_factory=list)
    file_error: str = ""
    rows: int = 0
    people: int = 0  # different people in the file
    marked: int = 0  # newly marked attended
    already: int = 0  # attended already
    signed_up: int = 0  # of the marked, how many had signed up

    @property
    def ok(self) -> bool:
        return not self.refused and not self.file_error


@dataclass(frozen=True)
class _Row:
    line: int
    first_name: str
    last_name: str
    email: str | None
    mobile: str | None


def _text(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return " ".join(cells[index].split())


def _columns(headers: list[str], sample: list[list[str]]) -> dict[str, int]:
    mapping = guess_mapping(headers, sample)
    wanted = {"email", "mobile", "first_name", "last_name", "full_name"}
    columns: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = mapping.get(header, "")
        if name in wanted and name not in columns:
            columns[name] = index
    # A file with a phone column and no mobile column: the phone column holds mobiles.
    if "mobile" not in columns:
        other = [i for i, h in enumerate(headers) if mapping.get(h) == "other_phone"]
        if other:
            columns["mobile"] = other[0]
    return columns


def _clean_row(line: int, cells: list[str], columns: dict[str, int]) -> _Row | str:
    """The row's values, or why it is refused."""
    first = _text(cells, columns.get("first_name"))
    last = _text(cells, columns.get("last_name"))
    full = _text(cells, columns.get("full_name"))
    if full and not first:
        first, split_last = split_full_name(full)
        last = last or split_last
    if not first:
        return _("No first name.")
    if len(first) > NAME_MAX or len(last) > NAME_MAX:
        return _("A name is longer than %(max)s characters.") % {"max": NAME_MAX}
    if any(not ch.isprintable() for ch in first + last):
        return _("A name contains characters we cannot store.")
    raw_email = _text(cells, columns.get("email"))
    raw_mobile = _text(cells, columns.get("mobile"))
    email = normalise_email(raw_email) if raw_email else None
    if email is not None and not is_valid_email(email):
        return _("“%(value)s” is not a valid email address.") % {"value": raw_email[:80]}
    mobile: str | None = None
    if raw_mobile:
        mobile = se_mobile_fast(raw_mobile)
        if mobile is None:
            try:
                mobile = clean_phone(raw_mobile)
            except ValidationError:
                return _("“%(value)s” is not a valid phone number.") % {"value": raw_mobile[:40]}
            if mobile and not is_mobile(mobile):
                return _("“%(value)s” is not a mobile number.") % {"value": raw_mobile[:40]}
    if not email and not mobile:
        return _("No email address or mobile number.")
    return _Row(line=line, first_name=first, last_name=last, email=email, mobile=mobile)


def _read(path: str, filename: str) -> tuple[list[_Row], list[RefusedRow]]:
    """Every row cleaned; raises FileRefused for the file as a whole."""
    table = open_table(path, filename)
    columns = _columns(table.headers, table.sample())
    if "email" not in columns and "mobile" not in columns:
        raise FileRefused(
            _("The file needs a column with email addresses or mobile numbers (E-post, Mobil).")
        )
    if "first_name" not in columns and "full_name" not in columns:
        raise FileRefused(_("The file needs a column with first names (Förnamn) or names (Namn)."))
    rows: list[_Row] = []
    refused: list[RefusedRow] = []
    seen_email: dict[str, _Row] = {}
    seen_mobile: dict[str, _Row] = {}
    for count, (line, cells) in enumerate(table.rows(), start=1):
        if count > MAX_ROWS:
            raise FileRefused(
                _("The file has more than %(max)s rows: is it an attendance list?")
                % {"max": MAX_ROWS}
            )
        cleaned = _clean_row(line, cells, columns)
        if isinstance(cleaned, str):
            refused.append(RefusedRow(line=line, reason=cleaned))
            continue
        earlier = seen_mobile.get(cleaned.mobile) if cleaned.mobile else None
        if (
            earlier is not None
            and cleaned.email
            and earlier.email
            and earlier.email != cleaned.email
            and cleaned.email not in seen_email
        ):
            refused.append(
                RefusedRow(
                    line=line,
                    reason=_("The same mobile number as line %(line)s, with another email address.")
                    % {"line": earlier.line},
                )
            )
            continue
        if cleaned.email:
            seen_email.setdefault(cleaned.email, cleaned)
        if cleaned.mobile:
            seen_mobile.setdefault(cleaned.mobile, cleaned)
        rows.append(cleaned)
    return rows, refused


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def _match(rows: list[_Row]) -> tuple[dict[str, int], dict[str, int]]:
    """Known people by email and by mobile: one query per chunk of addresses."""
    emails = sorted({r.email for r in rows if r.email})
    mobiles = sorted({r.mobile for r in rows if r.mobile})
    by_email: dict[str, int] = {}
    by_mobile: dict[str, int] = {}
    for chunk in _chunks(emails):
        for email, pk in Person.objects.filter(email__in=chunk).values_list("email", "pk"):
            by_email[str(email)] = pk
    for chunk in _chunks(mobiles):
        for mobile, pk in Person.objects.filter(mobile__in=chunk).values_list("mobile", "pk"):
            by_mobile[str(mobile)] = pk
    return by_email, by_mobile


def _outside_scope(actor: Any, person_ids: set[int]) -> set[int]:
    """The matched people the uploader may not see (none for the secretariat)."""
    if actor is None or not person_ids or scope_for(actor).is_national:
        return set()
    visible: set[int] = set()
    ids = sorted(person_ids)
    for i in range(0, len(ids), CHUNK):
        visible.update(
            people_visible_to(actor).filter(pk__in=ids[i : i + CHUNK]).values_list("pk", flat=True)
        )
    return person_ids - visible


def upload_attendance(
    *, actor: Any, event: Event, path: str, filename: str = "attendance.csv"
) -> UploadResult:
    """Mark attendance from the file at ``path``. Returns the refused rows (and changes
    nothing) or the counts of what was recorded."""
    if event.is_cancelled:
        raise ApplicationError(_("The event is cancelled: attendance cannot be recorded."))
    if actor is not None and not can_edit_event(actor, event):
        raise ApplicationError(_("Only the event's organisers can upload attendance."))
    if event.starts_at > timezone.now():
        raise ApplicationError(_("The event has not started yet."))
    try:
        rows, refused = _read(path, filename)
    except FileRefused as exc:
        return UploadResult(file_error=exc.message)
    if refused:
        return UploadResult(refused=refused, rows=len(rows) + len(refused))
    if not rows:
        return UploadResult(file_error=_("The file has no rows of data."))
    try:
        return _record(actor, event, rows)
    except IntegrityError:
        raise ApplicationError(
            _("Someone changed the same people at the same moment. Upload the file again.")
        ) from None


def _record(actor: Any, event: Event, rows: list[_Row]) -> UploadResult:
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        by_email, by_mobile = _match(rows)
        person_of_row: dict[int, int] = {}
        new_people: dict[str, Person] = {}  # by the row's first identity key
        pending: list[tuple[_Row, Person]] = []
        for row in rows:
            known = (by_email.get(row.email) if row.email else None) or (
                by_mobile.get(row.mobile) if row.mobile else None
            )
            if known is not None:
                person_of_row[row.line] = known
                continue
            key = f"e:{row.email}" if row.email else f"m:{row.mobile}"
            other = f"m:{row.mobile}" if row.email and row.mobile else ""
            person = new_people.get(key) or (new_people.get(other) if other else None)
            if person is None:
                person = Person(
                    first_name=row.first_name,
                    last_name=row.last_name,
                    email=row.email,
                    mobile=row.mobile,
                    language=locked.language,
                    membership_status=Person.MembershipStatus.NON_MEMBER,
                    source=f"attendance:{locked.slug}"[:200],
                )
                person.normalise()
                new_people[key] = person
                if other:
                    new_people.setdefault(other, person)
            pending.append((row, person))
        hidden = _outside_scope(actor, set(person_of_row.values()))
        created = list({id(p): p for p in new_people.values()}.values())
        Person.objects.bulk_create(created)
        for row, person in pending:
            person_of_row[row.line] = person.pk
        person_ids = sorted(set(person_of_row.values()))
        now = timezone.now()
        existing = {
            r.person_id: r
            for r in Registration.objects.select_for_update().filter(
                event=locked, person_id__in=person_ids
            )
        }
        to_update = [r for r in existing.values() if r.status != Status.ATTENDED]
        signed_up = sum(1 for r in to_update if r.status != Status.CANCELLED)
        for registration in to_update:
            registration.status = Status.ATTENDED
            registration.attended_at = now
            registration.waitlisted_at = None
            registration.cancelled_at = None
            registration.updated_at = now
        Registration.objects.bulk_update(
            to_update, ["status", "attended_at", "waitlisted_at", "cancelled_at", "updated_at"]
        )
        new_registrations = [
            Registration(
                person_id=pk,
                event=locked,
                status=Status.ATTENDED,
                source=Registration.Source.IMPORT,
                attended_at=now,
            )
            for pk in person_ids
            if pk not in existing
        ]
        Registration.objects.bulk_create(new_registrations)
        # Bulk writes send no signals: the engagement ladder is told here.
        schedule_recompute(person_ids)
        sync = progression.sync_completions(
            actor=actor,
            person_ids=person_ids,
            programme_ids=[locked.programme_id],
            audit_each=False,
        )
        marked = len(to_update) + len(new_registrations)
        result = UploadResult(
            rows=len(rows),
            people=len(person_ids),
            marked=marked,
            already=len(person_ids) - marked,
            signed_up=signed_up,
        )
        audit.record(
            actor=actor,
            verb="event.attendance_upload",
            obj=locked,
            details={
                "rows": result.rows,
                "people": result.people,
                "marked": result.marked,
                "already": result.already,
                "new_people": len(created),
                "new_registrations": len(new_registrations),
                "completions": len(sync.created),
                "completions_withdrawn": sync.removed,
                # Registrations whose person the uploader may not see: never named to them
                # on the check-in list (aktivist/programmes/attendance.py).
                "outside_scope": sorted(
                    r.pk for r in [*existing.values(), *new_registrations] if r.person_id in hidden
                ),
            },
        )
    return result
