"""Attendance from a file: the sign-in sheet typed into Excel after the event.

Columns: email, mobile, first name, last name (or one name column), in Swedish or
English; ``;`` or ``,``; UTF-8 or Windows-1252 — read by the file reader and header guesser
the import of people uses (aktivist/core/tables.py, table_columns.py), so a file that
imports as people uploads as attendance. Every row names a first name and an email or a mobile.

All or nothing: every row is checked first. One malformed row refuses the whole file
with the refused rows listed (line numbers as the spreadsheet shows them, and why), and
nothing changes. A clean file marks each row attended, matched the way a walk-in is
(aktivist/programmes/attendance.py): a registration of the event with the row's typed
email or mobile; else a person by normalised email, then by a mobile whose owner may be
them; else a new non-member. A match outside the uploader's scope is never written onto
that person: the row's attendance goes on a registration that keeps only what was typed,
and a review item asks the secretariat to link it. An existing person's data is never
changed. Audited once per upload with counts; the answer gives counts only.

The web request never reads the file (issue 15): ``attendance_upload_receive`` stores it
and enqueues the task that runs ``attendance_upload_read``; the page polls for the result.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.core.signals import facts_changed
from aktivist.core.table_checks import FileRefused
from aktivist.core.table_columns import guess_mapping, split_full_name
from aktivist.core.tables import open_table
from aktivist.core.uploads import local_path
from aktivist.lib.normalise import (
    clean_phone,
    is_mobile,
    is_valid_email,
    normalise_email,
    se_mobile_fast,
)
from aktivist.people.holds import holds_recorded
from aktivist.people.matching import same_person_by_mobile
from aktivist.people.models import Person, ReviewItem
from aktivist.people.selectors import people_visible_to
from aktivist.programmes import progression
from aktivist.programmes.models import AttendanceUpload, Event, Registration
from aktivist.programmes.reviews import hold_attendance
from aktivist.programmes.selectors import can_edit_event

logger = logging.getLogger(__name__)

UPLOAD_VERB = "event.attendance_upload"
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


@dataclass(frozen=True)
class _Known:
    pk: int
    first_name: str
    last_name: str
    email: str | None
    mobile: str | None


def _match(rows: list[_Row]) -> tuple[dict[str, _Known], dict[str, _Known]]:
    """Known people by email and by mobile: one query per chunk of addresses."""
    emails = sorted({r.email for r in rows if r.email})
    mobiles = sorted({r.mobile for r in rows if r.mobile})
    by_email: dict[str, _Known] = {}
    by_mobile: dict[str, _Known] = {}
    columns = ("pk", "first_name", "last_name", "email", "mobile")
    active = Person.objects.filter(is_active=True)
    for chunk in _chunks(emails):
        for values in active.filter(email__in=chunk).values_list(*columns):
            known = _Known(*values)
            by_email[str(known.email)] = known
    for chunk in _chunks(mobiles):
        for values in active.filter(mobile__in=chunk).values_list(*columns):
            known = _Known(*values)
            by_mobile[str(known.mobile)] = known
    return by_email, by_mobile


def _typed_on_the_list(event: Event, rows: list[_Row]) -> tuple[dict[str, int], dict[str, int]]:
    """The event's registrations by typed email and by typed mobile (the registrant came)."""
    emails = {r.email for r in rows if r.email}
    mobiles = {r.mobile for r in rows if r.mobile}
    by_email: dict[str, int] = {}
    by_mobile: dict[str, int] = {}
    for pk, email, mobile in (
        Registration.objects.filter(event=event)
        .filter(Q(typed_email__in=emails) | Q(typed_mobile__in=mobiles))
        .order_by("pk")
        .values_list("pk", "typed_email", "typed_mobile")
    ):
        if email in emails:
            by_email.setdefault(email, pk)
        if mobile in mobiles:
            by_mobile.setdefault(mobile, pk)
    return by_email, by_mobile


def _visible(actor: Any, person_ids: set[int]) -> set[int]:
    """The matched people the uploader may see (all of them for the secretariat)."""
    if actor is None or not person_ids or scope_for(actor).is_national:
        return set(person_ids)
    visible: set[int] = set()
    ids = sorted(person_ids)
    for i in range(0, len(ids), CHUNK):
        visible.update(
            people_visible_to(actor).filter(pk__in=ids[i : i + CHUNK]).values_list("pk", flat=True)
        )
    return visible


def _person_of(
    row: _Row, by_email: dict[str, _Known], by_mobile: dict[str, _Known]
) -> _Known | str:
    """The known person the row names, or why not: "new", or "mobile_taken" (the mobile's
    owner has another name and email: a new person gets the row's email only)."""
    if row.email and row.email in by_email:
        return by_email[row.email]
    owner = by_mobile.get(row.mobile) if row.mobile else None
    if owner is None:
        return "new"
    if same_person_by_mobile(
        typed_first_name=row.first_name,
        typed_last_name=row.last_name,
        typed_email=row.email,
        stored_first_name=owner.first_name,
        stored_last_name=owner.last_name,
        stored_email=owner.email,
    ):
        return owner
    return "mobile_taken"


def _require_uploadable(actor: Any, event: Event) -> None:
    if event.is_cancelled:
        raise ApplicationError(_("The event is cancelled: attendance cannot be recorded."))
    if actor is not None and not can_edit_event(actor, event):
        raise ApplicationError(_("Only the event's organisers can upload attendance."))
    if event.starts_at > timezone.now():
        raise ApplicationError(_("The event has not started yet."))


def attendance_upload_receive(
    *, actor: Any, event: Event, uploaded_file: Any, filename: str
) -> AttendanceUpload:
    """The web upload: store the file as it came and enqueue ``tasks.read_attendance_upload``
    after commit. Nothing of the file is read here (issue 15); the upload page polls until
    ``attendance_upload_read`` has recorded the result."""
    # tasks imports this module (task -> service -> enqueue): imported when called.
    from aktivist.programmes.tasks import read_attendance_upload

    _require_uploadable(actor, event)
    forget_stale_uploads()
    upload = AttendanceUpload(
        event=event,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        original_name=os.path.basename(filename or "attendance.csv")[:255],
    )
    # A temporary upload file is moved into place, not copied (FileSystemStorage).
    content = uploaded_file if isinstance(uploaded_file, File) else File(uploaded_file)
    upload.file.save(f"upload-{uuid.uuid4().hex}", content, save=False)
    try:
        with transaction.atomic():
            upload.save()
            transaction.on_commit(lambda: read_attendance_upload.enqueue(upload.pk))
    except BaseException:
        upload.file.delete(save=False)
        raise
    return upload


STALE_AFTER = dt.timedelta(days=1)


def forget_stale_uploads(*, now: dt.datetime | None = None) -> int:
    """Uploads whose result nobody came to see (or whose task never ran) are deleted after
    a day, with their files: an upload is a hand-off, not a record. Runs hourly (the job
    ``programmes.forget_stale_uploads``) and at each upload. Returns the uploads deleted."""
    stale = AttendanceUpload.objects.filter(created_at__lt=(now or timezone.now()) - STALE_AFTER)
    for upload in stale.exclude(file="").only("pk", "file"):
        upload.file.storage.delete(upload.file.name)
    deleted, _by_model = stale.delete()
    return deleted


def attendance_upload_read(*, upload_id: int) -> AttendanceUpload | None:
    """Read a stored attendance list (in a worker) with ``upload_attendance`` on behalf of
    whoever uploaded it, keep the result on the upload and delete the file. An upload that
    was read already is left as it is (a repeated task)."""
    upload = (
        AttendanceUpload.objects.select_related("event", "created_by")
        .filter(pk=upload_id, status=AttendanceUpload.Status.READING)
        .first()
    )
    if upload is None:
        return None
    raw = upload.file.name
    try:
        if not raw or not upload.file.storage.exists(raw):
            raise ApplicationError(_("The file cannot be read."))
        with local_path(upload.file) as path:
            result = upload_attendance(
                actor=upload.created_by,
                event=upload.event,
                path=path,
                filename=upload.original_name,
            )
    except ApplicationError as exc:
        result = UploadResult(file_error=exc.message)
    except Exception as exc:  # an unforeseen failure: the page must not wait forever
        logger.error("attendance upload %s failed (%s)", upload.pk, type(exc).__name__)
        result = UploadResult(file_error=_("The file cannot be read."))
    AttendanceUpload.objects.filter(pk=upload.pk).update(
        status=AttendanceUpload.Status.DONE,
        result=asdict(result),
        file="",
        updated_at=timezone.now(),
    )
    if raw:
        upload.file.storage.delete(raw)
    # None when it was deleted meanwhile (erased, or forgotten as stale).
    return AttendanceUpload.objects.filter(pk=upload.pk).first()


def result_of(upload: AttendanceUpload) -> UploadResult:
    """The stored result of a read upload."""
    data = dict(upload.result or {})
    refused = [
        RefusedRow(line=int(r["line"]), reason=str(r["reason"])) for r in data.pop("refused", [])
    ]
    known = {f for f in UploadResult.__dataclass_fields__ if f != "refused"}
    return UploadResult(refused=refused, **{k: v for k, v in data.items() if k in known})


def upload_attendance(
    *, actor: Any, event: Event, path: str, filename: str = "attendance.csv"
) -> UploadResult:
    """Mark attendance from the file at ``path``. Returns the refused rows (and changes
    nothing) or the counts of what was recorded."""
    _require_uploadable(actor, event)
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


def _typed(registration: Registration, row: _Row) -> Registration:
    registration.set_typed(
        first_name=row.first_name, last_name=row.last_name, email=row.email, mobile=row.mobile
    )
    return registration


def _record(actor: Any, event: Event, rows: list[_Row]) -> UploadResult:
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        listed_email, listed_mobile = _typed_on_the_list(locked, rows)
        by_email, by_mobile = _match(rows)
        matched = {
            found.pk
            for row in rows
            if isinstance(found := _person_of(row, by_email, by_mobile), _Known)
        }
        visible = _visible(actor, matched)
        now = timezone.now()

        registration_of_row: dict[int, int] = {}  # line -> an existing registration id
        person_of_row: dict[int, int] = {}  # line -> a visible person's id
        held_rows: dict[int, tuple[_Row, int]] = {}  # a hidden person -> their first row
        new_people: dict[str, Person] = {}  # by the row's identity keys
        pending: list[tuple[_Row, Person]] = []
        for row in rows:
            listed = (listed_email.get(row.email) if row.email else None) or (
                listed_mobile.get(row.mobile) if row.mobile else None
            )
            if listed is not None:
                registration_of_row[row.line] = listed
                continue
            found = _person_of(row, by_email, by_mobile)
            if isinstance(found, _Known):
                if found.pk in visible:
                    person_of_row[row.line] = found.pk
                else:
                    held_rows.setdefault(found.pk, (row, found.pk))
                continue
            mobile = row.mobile if found == "new" else None
            keys = [
                k
                for k in (f"e:{row.email}" if row.email else "", f"m:{mobile}" if mobile else "")
                if k
            ]
            person = next((new_people[k] for k in keys if k in new_people), None)
            if person is None:
                person = Person(
                    first_name=row.first_name,
                    last_name=row.last_name,
                    email=row.email,
                    mobile=mobile,
                    language=locked.language,
                    membership_status=Person.MembershipStatus.NON_MEMBER,
                    source=f"attendance:{locked.slug}"[:200],
                )
                person.normalise()
            for key in keys:
                new_people.setdefault(key, person)
            pending.append((row, person))
        created = list({id(p): p for p in new_people.values()}.values())
        Person.objects.bulk_create(created)
        first_row_of: dict[int, _Row] = {}
        for row, person in pending:
            person_of_row[row.line] = person.pk
            first_row_of.setdefault(person.pk, row)
        for row in rows:
            pk = person_of_row.get(row.line)
            if pk is not None:
                first_row_of.setdefault(pk, row)
        person_ids = sorted(set(person_of_row.values()))
        existing = {
            r.person_id: r
            for r in Registration.objects.select_for_update().filter(
                event=locked, person_id__in=person_ids
            )
        }
        listed_ids = set(registration_of_row.values())
        touched = {
            r.pk: r for r in Registration.objects.select_for_update().filter(pk__in=listed_ids)
        }
        for registration in existing.values():
            touched.setdefault(registration.pk, registration)
        to_update = [r for r in touched.values() if r.status != Status.ATTENDED]
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
            _typed(
                Registration(
                    person_id=pk,
                    event=locked,
                    status=Status.ATTENDED,
                    source=Registration.Source.IMPORT,
                    attended_at=now,
                ),
                first_row_of[pk],
            )
            for pk in person_ids
            if pk not in existing
        ]
        stand_ins = [
            (
                _typed(
                    Registration(
                        person=None,
                        event=locked,
                        status=Status.ATTENDED,
                        source=Registration.Source.IMPORT,
                        attended_at=now,
                    ),
                    row,
                ),
                person_id,
            )
            for row, person_id in held_rows.values()
        ]
        Registration.objects.bulk_create(new_registrations + [r for r, _pk in stand_ins])
        hold_attendance(actor=actor, kind=ReviewItem.Kind.ATTENDANCE_ROW, registrations=stand_ins)
        attended_people = sorted(
            {*person_ids, *(r.person_id for r in touched.values() if r.person_id is not None)}
        )
        # Bulk writes send no model signals: the engagement ladder is told here.
        facts_changed.send(sender=Registration, person_ids=attended_people)
        sync = progression.sync_completions(
            actor=actor,
            person_ids=attended_people,
            programme_ids=[locked.programme_id],
            audit_each=False,
        )
        registrations = len(touched) + len(new_registrations) + len(stand_ins)
        marked = len(to_update) + len(new_registrations) + len(stand_ins)
        result = UploadResult(
            rows=len(rows),
            people=registrations,
            marked=marked,
            already=registrations - marked,
            signed_up=signed_up,
        )
        audit.record(
            actor=actor,
            verb=UPLOAD_VERB,
            obj=locked,
            details={
                "rows": result.rows,
                "people": result.people,
                "marked": result.marked,
                "already": result.already,
                "new_people": len(created),
                "new_registrations": len(new_registrations),
                "held": len(stand_ins),
                "completions": len(sync.created),
                "completions_withdrawn": sync.removed,
            },
        )
    if stand_ins:
        holds_recorded(actor=actor, count=len(stand_ins))
    return result
