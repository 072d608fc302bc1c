"""Erasure (GDPR Art. 17) with tombstones: set-based, in batches, audited.

``people_erase`` erases people in batches of ``batch_size`` ids, each batch in its own
transaction, so an interrupted run (the nightly retention, ``aktivist/privacy/retention.py``)
resumes by calling it again with the ids it had not done: people erased before are skipped.
A batch costs a fixed number of statements whatever its size — never one per person:

1. the batch's people, locked (one SELECT; people erased before are left out);
2. the keyed hashes of their email, mobile and member number (``identities``: one INSERT);
3. each tombstone's district (one query for the units) and age bracket (one UPDATE);
4. every app's erase handler (``core.registries``), each set-based;
5. the people's own values blanked, the rows made inactive (one UPDATE);
6. one ``person.erase`` audit event per person (one INSERT): the reason's kind and the
   data-subject request's id, never a personal value.

What stays is a **tombstone**: the person row, inactive, with every personal value blanked
— names, email, mobile, other phone, address, postcode, city, municipality, birth year,
member number, membership status and dates, source, the import that created them, tags —
keeping only the district (``home_unit`` becomes the district its home unit lies in) and
the age bracket (``erased_age_bracket``, from the birth year; "" when unknown). The rows
that reports follow across one person stay attached to it with their personal text blanked
(participations, registrations, completed programmes, monthly engagement snapshots, roles),
so participation counts per action, an event's registrations and attendance, the red-thread
report, the engagement counts per month and a mobilization's progress never change.
Everything else personal goes (see each app's handlers). The tombstone is outside every
viewer's sight (``people_visible_to`` shows active people only), so segments, lists,
exports and new mobilizations leave it out.

Only the secretariat (admins and staff) or the system (``actor=None``: retention) erases.
Nothing written to the logs names anyone: counts only.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.accounts.capabilities import Capability, can
from aktivist.campaigns.models import Participation
from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.core.registries import erasure_registry
from aktivist.core.retention_rules import RULES
from aktivist.engagement.models import EngagementSnapshot
from aktivist.imports.models import DuplicateCandidate
from aktivist.mobilization.models import Delivery
from aktivist.organisation.models import Role, Unit, UnitMembership
from aktivist.people.models import Consent, Interaction, Person, ReviewItem, Tagging
from aktivist.privacy import identities
from aktivist.privacy.models import DataSubjectRequest
from aktivist.privacy.requests import request_fulfil_by_erasure
from aktivist.programmes.models import ProgrammeCompletion, Registration

logger = logging.getLogger(__name__)

VERB = "person.erase"
BATCH_SIZE = 1000
RETENTION_PREFIX = "retention:"


class Reason(models.TextChoices):
    """Why a person is erased (Art. 17(1)); the retention rules give ``retention:<rule>``.
    Only the kind is kept (in the audit trail): no free text, which could name someone."""

    REQUEST = "request", gettext_lazy("The person asked to be erased")
    OBJECTION = "objection", gettext_lazy("The person objected to the processing")
    NOT_NEEDED = "not_needed", gettext_lazy("No longer needed for the purpose it was collected")
    UNLAWFUL = "unlawful", gettext_lazy("Processed without a lawful basis")


@dataclass
class ErasureResult:
    erased: int = 0  # people erased by this call
    skipped: int = 0  # ids of people erased before, or of no one
    batches: int = 0
    last_id: int | None = None  # the highest id handled (a cursor for the caller)


def may_erase(actor: Any) -> bool:
    """The secretariat (admins and staff) and the system (``None``)."""
    return actor is None or can(actor, Capability.PRIVACY_ACT)


def check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if reason in Reason.values:
        return reason
    if reason.startswith(RETENTION_PREFIX) and reason[len(RETENTION_PREFIX) :] in RULES:
        return reason
    raise ApplicationError(_("Choose why the person is erased."))


def age_bracket(birth_year: int | None, year: int) -> str:
    """The age bracket (``Participation.AgeBracket``) of someone born in ``birth_year`` in
    ``year``; "" when the birth year is unknown or the age is under 13."""
    if birth_year is None:
        return ""
    age = year - birth_year
    brackets = Participation.AgeBracket
    if age < 13:
        return ""
    if age <= 17:
        return brackets.FROM_13_TO_17.value
    if age <= 25:
        return brackets.FROM_18_TO_25.value
    if age <= 39:
        return brackets.FROM_26_TO_39.value
    if age <= 64:
        return brackets.FROM_40_TO_64.value
    return brackets.FROM_65.value


def _districts_of(home_unit_ids: Iterable[int | None]) -> dict[int, int | None]:
    """home unit id -> the id of the district it lies in (the unit itself or its nearest
    ancestor of kind district), or None. One query (a section has a few dozen districts)."""
    wanted = {pk for pk in home_unit_ids if pk is not None}
    if not wanted:
        return {}
    rows = list(
        Unit.objects.filter(Q(pk__in=wanted) | Q(kind=Unit.Kind.DISTRICT)).values_list(
            "pk", "path", "kind"
        )
    )
    districts = sorted(
        ((path, pk) for pk, path, kind in rows if kind == Unit.Kind.DISTRICT),
        key=lambda row: -len(row[0]),
    )
    paths = {pk: path for pk, path, _kind in rows}
    found: dict[int, int | None] = {}
    for pk in wanted:
        path = paths.get(pk, "")
        found[pk] = next((d for d_path, d in districts if path and path.startswith(d_path)), None)
    return found


def _case(groups: dict[Any, list[int]], output_field: models.Field) -> Case:
    """CASE WHEN id IN (…) THEN value … END: one expression for a batch's per-person values."""
    whens = [When(pk__in=ids, then=Value(value)) for value, ids in groups.items() if value]
    return Case(*whens, default=Value(None), output_field=output_field)


def _erase_batch(
    ids: Sequence[int], *, actor: Any, reason: str, request: DataSubjectRequest | None
) -> int:
    now = timezone.now()
    today = timezone.localdate(now)
    # Locked until the batch commits: nothing can point a new row at them meanwhile.
    rows = list(
        Person.objects.select_for_update()
        .filter(pk__in=list(ids), erased_at__isnull=True)
        .order_by("pk")
        .values("pk", "email", "mobile", "member_number", "birth_year", "home_unit_id")
    )
    if not rows:
        return 0
    found = [row["pk"] for row in rows]
    identities.remember_erased(rows, erased_on=today)

    district = _districts_of(row["home_unit_id"] for row in rows)
    by_district: dict[int | None, list[int]] = defaultdict(list)
    by_bracket: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_district[district.get(row["home_unit_id"])].append(row["pk"])
        by_bracket[age_bracket(row["birth_year"], today.year)].append(row["pk"])
    by_bracket.pop("", None)
    Person.objects.filter(pk__in=found).update(
        home_unit_id=_case(by_district, models.BigIntegerField()),
        erased_age_bracket=Case(
            *(When(pk__in=pks, then=Value(bracket)) for bracket, pks in by_bracket.items()),
            default=Value(""),
            output_field=models.CharField(),
        ),
    )

    for handler in erasure_registry.values():
        handler(found)

    Person.objects.filter(pk__in=found).update(
        first_name="",
        last_name="",
        first_name_key="",
        last_name_key="",
        email=None,
        mobile=None,
        other_phone="",
        street_address="",
        postcode="",
        city="",
        municipality="",
        birth_year=None,
        language=Person.Language.SWEDISH,
        # Membership is a belief: the tombstone says nothing of it ("" is no status at all;
        # reports count erased people as "status unknown").
        membership_status="",
        member_since=None,
        membership_ended_on=None,
        member_number=None,
        source="",
        import_batch=None,
        is_active=False,
        erased_at=now,
        updated_at=now,
    )

    user = actor if getattr(actor, "is_authenticated", False) else None
    details: dict[str, Any] = {"reason": reason}
    if request is not None:
        details["request"] = request.pk
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=user,
                verb=VERB,
                object_type=Person._meta.label_lower,
                object_id=str(pk),
                person_id=pk,
                details=details,
            )
            for pk in found
        ]
    )
    return len(found)


def people_erase(
    *,
    actor: Any,
    person_ids: Iterable[int],
    reason: str,
    request: DataSubjectRequest | None = None,
    batch_size: int = BATCH_SIZE,
) -> ErasureResult:
    """Erase these people, ``batch_size`` at a time, each batch in its own transaction (see
    the module's docstring). ``reason`` is a ``Reason`` or ``retention:<rule key>``; a
    data-subject ``request`` of kind erasure is recorded with each erasure. Raises
    PermissionDenied for anyone but the secretariat and the system."""
    if not may_erase(actor):
        raise PermissionDenied
    reason = check_reason(reason)
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if request is not None and request.kind != DataSubjectRequest.Kind.ERASURE:
        raise ApplicationError(_("Only an erasure request can be fulfilled by erasing."))
    ids = sorted({int(pk) for pk in person_ids})
    result = ErasureResult()
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        with transaction.atomic():
            erased = _erase_batch(batch, actor=actor, reason=reason, request=request)
        result.erased += erased
        result.skipped += len(batch) - erased
        result.batches += 1
        result.last_id = batch[-1]
    logger.info(
        "privacy.erase erased=%d skipped=%d batches=%d",
        result.erased,
        result.skipped,
        result.batches,
    )
    return result


def person_erase(
    *,
    actor: Any,
    person: Any,
    reason: str,
    request: DataSubjectRequest | None = None,
) -> ErasureResult:
    """Erase one person (a batch of one). A linked erasure request must be about this person
    and have had the requester's identity checked; it is fulfilled by the erasure."""
    if not may_erase(actor):
        raise PermissionDenied
    if request is not None:
        if request.kind != DataSubjectRequest.Kind.ERASURE or request.person_id not in (
            None,
            person.pk,
        ):
            raise ApplicationError(_("This request is not an erasure request about this person."))
        if request.status != DataSubjectRequest.Status.IDENTITY_CHECKED:
            raise ApplicationError(_("Check the requester's identity first."))
    with transaction.atomic():
        result = people_erase(actor=actor, person_ids=[person.pk], reason=reason, request=request)
        if request is not None and result.erased:
            request_fulfil_by_erasure(actor=actor, request=request)
    return result


# --- What the confirmation page tells ------------------------------------------------------


@dataclass(frozen=True)
class ErasurePreview:
    """Counts of what erasure keeps on the tombstone and of what goes."""

    kept: list[tuple[str, int]]
    removed: list[tuple[str, int]]
    district: str


def erasure_preview(person: Any) -> ErasurePreview:
    """What erasing this person keeps (the rows that counts follow) and removes."""
    district_id = _districts_of([person.home_unit_id]).get(person.home_unit_id)
    district = ""
    if district_id is not None:
        district = Unit.objects.filter(pk=district_id).values_list("name", flat=True).first() or ""
    kept = [
        (_("Actions taken"), Participation.objects.filter(person=person).count()),
        (_("Event registrations"), Registration.objects.filter(person=person).count()),
        (_("Completed programmes"), ProgrammeCompletion.objects.filter(person=person).count()),
        (_("Roles (current ones end today)"), Role.objects.filter(person=person).count()),
        (
            _("Monthly engagement levels"),
            EngagementSnapshot.objects.filter(person=person).count(),
        ),
    ]
    removed = [
        (_("Consents"), Consent.objects.filter(person=person).count()),
        (_("Notes, calls and follow-ups"), Interaction.objects.filter(person=person).count()),
        (_("Tags"), Tagging.objects.filter(person=person).count()),
        (_("Group memberships"), UnitMembership.objects.filter(person=person).count()),
        (
            _("Messages not yet sent"),
            Delivery.objects.filter(
                person=person, status__in=(Delivery.Status.PENDING, Delivery.Status.SENDING)
            ).count(),
        ),
        (_("Suppressed addresses (only a hash stays)"), person.suppressions.count()),
        (
            _("Held requests about them"),
            ReviewItem.objects.filter(matched_person=person).count(),
        ),
        (
            _("Possible duplicates"),
            DuplicateCandidate.objects.filter(Q(person_a=person) | Q(person_b=person)).count(),
        ),
        (_("Units they are the contact person of"), person.contact_for_units.count()),
    ]
    return ErasurePreview(
        kept=kept, removed=[(label, n) for label, n in removed if n], district=district
    )
