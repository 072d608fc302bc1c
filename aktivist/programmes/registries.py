"""Registrations and completed programmes in the merge, export and erasure registries
(DESIGN.md "Registries"). Registered in ProgrammesConfig.ready().

Registration
    merge: one registration per person and event. When both people are registered for one
    event, the better status wins — attended > registered > no-show > waitlisted >
    cancelled (what the person did beats what they meant to do; a seat beats the waiting
    list); on a tie the earlier registration stays. When the row that goes held a seat of
    an upcoming event, the seat is given to the first on the waiting list, as a
    cancellation would.
    export: every registration with its event, status, what was typed into it (name,
    email, mobile) and the guardian's contact given.
    erasure: the row stays on the person's tombstone with what was typed, the guardian's
    contact and the tracking token blanked, so an event's counts and the red-thread report
    never change; a stand-in registration (a held walk-in) that typed the person's address
    is blanked too, and so is a guardian's contact that was the person's.
    Merge moves the dropped person's registrations with what was typed into them.

ProgrammeCompletion
    merge: one per person and programme; the earlier completion stays.
    export: every completion with its programme and date.
    erasure: kept on the tombstone (it holds nothing personal but the link): the
    red-thread report counts who went on to a training by completions too.

AttendanceUpload (an attendance list waiting for its task, and what reading it gave)
    It points to no person: a person's values are recognised as the imports recognise them
    (``people.needles.Needles``: their email, mobile as typed, member number, or both
    their names). merge: nothing to move. export: the refused rows whose reason quotes the
    person (line, reason, event, date), and the pending files that hold a row of theirs
    (file name, event, date). erasure: such reasons are blanked; a pending upload whose file
    holds a row of theirs is deleted with its file — and so is one whose file cannot be read
    (erring on the side of erasure: the coordinator uploads it again). Retention: the
    import-files rule; in practice an upload is deleted once its page has been shown, and
    any left over after a day by the hourly job ``programmes.forget_stale_uploads``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from aktivist.core import retention_rules as rules
from aktivist.core.registries import (
    export_values,
    keep_rows,
    nothing_to_merge,
    register_person_relation,
    register_personal_store,
)
from aktivist.core.tables import open_table
from aktivist.core.uploads import local_path
from aktivist.people.models import Person
from aktivist.people.needles import Needles, needles_for
from aktivist.programmes.models import AttendanceUpload, Event, ProgrammeCompletion, Registration
from aktivist.programmes.registering import promote_from_waitlist
from aktivist.programmes.tasks import send_waitlist_promotion

S = Registration.Status
# Higher wins when a merge finds two registrations for one event.
STATUS_RANK: dict[str, int] = {
    S.ATTENDED: 5,
    S.REGISTERED: 4,
    S.NO_SHOW: 3,
    S.WAITLISTED: 2,
    S.CANCELLED: 1,
}


def _better(a: Registration, b: Registration) -> Registration:
    """The registration that stays: the better status, else the earlier one."""
    key_a = (STATUS_RANK[a.status], -a.created_at.timestamp(), -a.pk)
    key_b = (STATUS_RANK[b.status], -b.created_at.timestamp(), -b.pk)
    return a if key_a >= key_b else b


def merge_registrations(keep: Any, drop: Any) -> None:
    kept = {r.event_id: r for r in Registration.objects.filter(person=keep)}
    freed: list[int] = []
    for dropped in Registration.objects.filter(person=drop):
        other = kept.get(dropped.event_id)
        if other is None:
            continue
        loser = other if _better(other, dropped) is dropped else dropped
        if loser.status in Registration.SEATED:
            freed.append(loser.event_id)
        loser.delete()
    Registration.objects.filter(person=drop).update(person=keep)
    for event_id in freed:
        _give_freed_seat(event_id)


def _give_freed_seat(event_id: int) -> None:
    event = Event.objects.select_for_update().get(pk=event_id)
    if event.is_cancelled or event.starts_at <= timezone.now():
        return
    promoted = promote_from_waitlist(event)
    if promoted is not None:
        promoted_id = promoted.pk
        transaction.on_commit(lambda: send_waitlist_promotion.enqueue(promoted_id))


BLANK_TYPED = {
    "guardian_name": "",
    "guardian_contact": "",
    "tracking_token": "",
    "typed_first_name": "",
    "typed_last_name": "",
    "typed_email": "",
    "typed_mobile": "",
}


def erase_registrations(person_ids: Sequence[int]) -> None:
    """Keep the people's registrations on their tombstones (an event's counts, and the
    red-thread report that follows one person from meeting to training, never change) and
    blank what was typed into them — and into any registration that names nobody but typed
    their address (a walk-in held for review). A registration that gave one of them as the
    guardian loses the guardian's name and contact. Three UPDATEs; the addresses are read
    in subqueries, never sent as values."""
    ids = list(person_ids)
    now = timezone.now()
    people = Person.objects.filter(pk__in=ids)
    emails = people.filter(email__isnull=False).values("email")
    mobiles = people.filter(mobile__isnull=False).values("mobile")
    Registration.objects.filter(person_id__in=ids).update(**BLANK_TYPED, updated_at=now)
    Registration.objects.filter(
        Q(typed_email__in=emails) | Q(typed_mobile__in=mobiles), person__isnull=True
    ).update(**BLANK_TYPED, updated_at=now)
    Registration.objects.filter(
        Q(guardian_contact__in=emails) | Q(guardian_contact__in=mobiles)
    ).update(guardian_name="", guardian_contact="", updated_at=now)


def merge_completions(keep: Any, drop: Any) -> None:
    kept = {c.programme_id: c for c in ProgrammeCompletion.objects.filter(person=keep)}
    for dropped in ProgrammeCompletion.objects.filter(person=drop):
        other = kept.get(dropped.programme_id)
        if other is None:
            continue
        if dropped.completed_on < other.completed_on:
            other.delete()
        else:
            dropped.delete()
    ProgrammeCompletion.objects.filter(person=drop).update(person=keep)


def _refused(result: Any) -> list[dict[str, Any]]:
    """The refused rows of an upload's result (``attendance_upload.UploadResult``)."""
    rows = result.get("refused") if isinstance(result, dict) else None
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def _holds_their_row(upload: AttendanceUpload, needles: Needles) -> bool | None:
    """Whether a pending upload's file holds a row of theirs; None when it cannot be read."""
    try:
        with local_path(upload.file) as path:
            table = open_table(path, upload.original_name)
            return needles.row_is_theirs(table.headers) or any(
                needles.row_is_theirs(cells) for _line, cells in table.rows()
            )
    except Exception:  # unreadable, missing, refused as a whole: nobody can tell
        return None


def export_attendance_uploads(person: Any) -> list[dict[str, Any]]:
    needles = needles_for([person.pk])
    if not needles:
        return []
    uploads = AttendanceUpload.objects.select_related("event").order_by("pk")
    rows: list[dict[str, Any]] = []
    for upload in uploads.exclude(result={}):
        for refused in _refused(upload.result):
            if needles.quotes_them(str(refused.get("reason", ""))):
                rows.append(
                    {
                        "pk": upload.pk,
                        "original_name": upload.original_name,
                        "event__title": upload.event.title,
                        "created_at": upload.created_at,
                        "line": refused.get("line"),
                        "reason": refused.get("reason"),
                    }
                )
    for upload in uploads.exclude(file=""):
        if _holds_their_row(upload, needles):
            rows.append(
                {
                    "pk": upload.pk,
                    "original_name": upload.original_name,
                    "event__title": upload.event.title,
                    "created_at": upload.created_at,
                    "status": upload.status,
                }
            )
    return rows


def erase_attendance_uploads(person_ids: Sequence[int]) -> None:
    """Blank the refused rows' reasons that quote them; delete the pending uploads whose
    file holds a row of theirs, or cannot be read, with the file. The values compared are
    held in memory only."""
    needles = needles_for(person_ids)
    if not needles:
        return
    changed = []
    for upload in AttendanceUpload.objects.exclude(result={}).only("pk", "result"):
        touched = False
        for refused in _refused(upload.result):
            if needles.quotes_them(str(refused.get("reason", ""))):
                refused["reason"] = ""
                touched = True
        if touched:
            changed.append(upload)
    if changed:
        AttendanceUpload.objects.bulk_update(changed, ["result"])
    pending = AttendanceUpload.objects.exclude(file="").only("pk", "file", "original_name")
    doomed = [upload for upload in pending if _holds_their_row(upload, needles) is not False]
    for upload in doomed:
        upload.file.storage.delete(upload.file.name)
    if doomed:
        AttendanceUpload.objects.filter(pk__in=[upload.pk for upload in doomed]).delete()


def register() -> None:
    register_person_relation(
        Registration,
        merge=merge_registrations,
        export=export_values(
            Registration,
            "person",
            [
                "event__title",
                "event__slug",
                "event__starts_at",
                "status",
                "source",
                "created_at",
                "attended_at",
                "cancelled_at",
                "guardian_name",
                "guardian_contact",
                "typed_first_name",
                "typed_last_name",
                "typed_email",
                "typed_mobile",
            ],
        ),
        erase=erase_registrations,
        fields=[
            "typed_first_name",
            "typed_last_name",
            "typed_email",
            "typed_mobile",
            "guardian_name",
            "guardian_contact",
            "tracking_token",
        ],
        retention=rules.PERSON_RECORD,
    )
    register_person_relation(
        ProgrammeCompletion,
        merge=merge_completions,
        export=export_values(
            ProgrammeCompletion,
            "person",
            ["programme__name", "programme__kind", "completed_on", "event__title"],
        ),
        erase=keep_rows,
        retention=rules.PERSON_RECORD,
    )
    register_personal_store(
        AttendanceUpload,
        fields=["file", "result"],
        retention=rules.IMPORT_FILES,
        merge=nothing_to_merge,
        export=export_attendance_uploads,
        erase=erase_attendance_uploads,
    )
