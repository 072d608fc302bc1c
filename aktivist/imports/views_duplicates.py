"""The duplicate review queue (secretariat only; everyone else gets the 404 page): the open
candidate pairs by score, one pair side by side with a choice per differing field, merge
into either person, dismiss, and — for admins — a button that runs the finder now.
Views parse input, call the services in ``duplicate_review.py`` (the finder:
``duplicates.py``) and render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aktivist.accounts.capabilities import Capability, can
from aktivist.accounts.decorators import requires
from aktivist.core import reads
from aktivist.core.exceptions import ApplicationError
from aktivist.imports import duplicate_review, duplicates
from aktivist.imports.models import DuplicateCandidate
from aktivist.imports.tasks import find_duplicates_task
from aktivist.lib.normalise import format_phone
from aktivist.people.models import Person, Tagging
from aktivist.people.selectors import access_person, page_of

PER_PAGE = 50
REASON_LABELS = {
    duplicates.REASON_EMAIL: gettext_lazy("Email variant"),
    duplicates.REASON_LANDLINE: gettext_lazy("Same landline"),
    duplicates.REASON_NAME: gettext_lazy("Similar name"),
}
# Fields staff choose between; member_since and the end date follow the membership status
# (the earlier member_since is kept), so they are shown with it, not chosen on their own.
CHOICE_FIELDS = tuple(
    name
    for name in duplicate_review.MERGE_FIELDS
    if name not in ("member_since", "membership_ended_on")
)
PHONE_FIELDS = ("mobile", "other_phone")


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _reasons(candidate: DuplicateCandidate) -> list[str]:
    return [str(REASON_LABELS.get(code, code)) for code in candidate.reason.split(",") if code]


@requires(Capability.DUPLICATES_MERGE)
def duplicate_list(request: HttpRequest) -> HttpResponse:
    page = _page_number(request)
    rows, has_next = page_of(duplicate_review.open_candidates(), page=page, per_page=PER_PAGE)
    candidates: list[Any] = rows
    reads.record_reads(
        actor=request.user,
        verb=reads.DUPLICATES_READ,
        person_ids=[pid for c in candidates for pid in (c.person_a_id, c.person_b_id)],
    )
    for candidate in candidates:
        candidate.reason_labels = _reasons(candidate)
    return render(
        request,
        "imports/duplicate_list.html",
        {
            "nav": "duplicates",
            "candidates": candidates,
            "last_run": duplicate_review.last_run(),
            "may_run": can(request.user, Capability.SETTINGS_ADMIN),
            "page": page,
            "has_next": has_next,
            "has_previous": page > 1,
            "next_page": page + 1,
            "previous_page": page - 1,
        },
    )


def _candidate(pk: int) -> DuplicateCandidate:
    candidate = DuplicateCandidate.objects.filter(pk=pk).first()
    if candidate is None:
        raise Http404
    return candidate


def _pair(request: HttpRequest, candidate: DuplicateCandidate) -> tuple[Person, Person]:
    """Both people through the scoped selector: a pair with someone the viewer may not see
    (or an erased person) is a 404."""
    return (
        access_person(request.user, candidate.person_a_id),
        access_person(request.user, candidate.person_b_id),
    )


def _display(person: Person, name: str) -> str:
    value = getattr(person, name)
    if name == "membership_status":
        text = person.get_membership_status_display()
        if person.member_since:
            text += ", " + _("since %(date)s") % {"date": person.member_since.isoformat()}
        if person.membership_ended_on:
            text += ", " + _("ended %(date)s") % {"date": person.membership_ended_on.isoformat()}
        return text
    if name == "language":
        return person.get_language_display()
    if value is None or value == "":
        return "—"
    if name in PHONE_FIELDS:
        return format_phone(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _differs(a: Person, b: Person, name: str) -> bool:
    if name == "membership_status":
        return any(getattr(a, f) != getattr(b, f) for f in duplicate_review.MEMBERSHIP_FIELDS)
    return getattr(a, name) != getattr(b, name)


def _label(name: str) -> str:
    return str(Person._meta.get_field(name).verbose_name).capitalize()  # type: ignore[union-attr]


def _field_rows(a: Person, b: Person) -> list[dict[str, Any]]:
    rows = []
    for name in CHOICE_FIELDS:
        differs = _differs(a, b, name)
        rows.append(
            {
                "name": name,
                "label": _label(name),
                "a": _display(a, name),
                "b": _display(b, name),
                "differs": differs,
                "choice": duplicate_review.default_choice(a, b, name) if differs else "",
            }
        )
    return rows


def _count_rows(a: Person, b: Person) -> list[tuple[str, int, int]]:
    rows = []
    for model, counts in duplicate_review.related_counts([a, b]):
        if model is DuplicateCandidate:
            continue  # the pair itself; not the person's own data
        label = _("tags") if model is Tagging else str(model._meta.verbose_name_plural)
        rows.append((label.capitalize(), counts[a.pk], counts[b.pk]))
    return rows


@requires(Capability.DUPLICATES_MERGE)
def duplicate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate(pk)
    a, b = _pair(request, candidate)
    reads.record_reads(
        actor=request.user,
        verb=reads.DUPLICATES_READ,
        person_ids=[a.pk, b.pk],
        details={"candidate": candidate.pk},
    )
    rows = _field_rows(a, b)
    return render(
        request,
        "imports/duplicate_detail.html",
        {
            "nav": "duplicates",
            "candidate": candidate,
            "reason_labels": _reasons(candidate),
            "is_open": candidate.status == DuplicateCandidate.Status.OPEN,
            "a": a,
            "b": b,
            "rows": rows,
            "differing": [row for row in rows if row["differs"]],
            "same": [row for row in rows if not row["differs"]],
            "counts": _count_rows(a, b),
        },
    )


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


@require_POST
@requires(Capability.DUPLICATES_MERGE)
def duplicate_merge(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate(pk)
    a, b = _pair(request, candidate)
    side = request.POST.get("keep")
    if side not in ("a", "b") or candidate.status != DuplicateCandidate.Status.OPEN:
        messages.error(request, _("This pair has already been decided."))
        return redirect("imports:duplicate_detail", pk=pk)
    keep, drop = (a, b) if side == "a" else (b, a)
    values: dict[str, Any] = {}
    for name in CHOICE_FIELDS:
        if not _differs(a, b, name):
            continue
        choice = request.POST.get(f"choice_{name}")
        if choice not in ("a", "b"):
            choice = duplicate_review.default_choice(a, b, name)
        values[name] = getattr(a if choice == "a" else b, name)
    try:
        kept = duplicate_review.person_merge(
            actor=request.user, keep=keep, drop=drop, values=values
        )
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
        return redirect("imports:duplicate_detail", pk=pk)
    messages.success(
        request, _("Merged into %(name)s.") % {"name": kept.full_name or _("(no name)")}
    )
    return redirect("imports:duplicate_list")


@require_POST
@requires(Capability.DUPLICATES_MERGE)
def duplicate_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate(pk)
    _pair(request, candidate)
    try:
        duplicate_review.candidate_dismiss(actor=request.user, candidate=candidate)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("imports:duplicate_detail", pk=pk)
    messages.success(request, _("Marked as not the same person."))
    return redirect("imports:duplicate_list")


@require_POST
@requires(Capability.SETTINGS_ADMIN)
def duplicate_run(request: HttpRequest) -> HttpResponse:
    """Admins: run the finder now (in the background, after this request commits)."""
    transaction.on_commit(find_duplicates_task.enqueue)
    messages.success(
        request,
        _("The duplicate finder has started. New pairs appear here when it has finished."),
    )
    return redirect("imports:duplicate_list")
