"""Writes on people: validated with the shared normalisers, scoped, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.lib.normalise import clean_email, clean_phone, is_mobile, normalise_postcode
from aktivist.organisation.models import Unit, UnitMembership
from aktivist.organisation.selectors import home_unit_for_postcode
from aktivist.organisation.services import membership_start, require_unit_in_scope
from aktivist.people.holds import holds_recorded
from aktivist.people.models import Interaction, Person, ReviewItem, Tag, Tagging
from aktivist.people.selectors import can_see_person

IDENTITY_FIELDS = ("email", "mobile", "member_number")
EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "mobile",
    "other_phone",
    "street_address",
    "postcode",
    "city",
    "municipality",
    "birth_year",
    "language",
    "membership_status",
    "member_since",
    "membership_ended_on",
    "member_number",
    "source",
)


class DuplicatePersonError(ApplicationError):
    """Another person the viewer may see already has this email, mobile or member number."""

    def __init__(self, *, field: str, person: Person) -> None:
        super().__init__(_("Another person already has this value."))
        self.field = field
        self.person = person


class HeldForReview(ApplicationError):
    """The change touches someone outside the viewer's scope: it went to the secretariat.
    Nothing about that person is told."""

    def __init__(self, review_item: ReviewItem, message: str | None = None) -> None:
        super().__init__(message or _("Held for review by the secretariat."))
        self.review_item = review_item


# Identity keys (email, mobile, member number) that a new person may not take without the
# secretariat's review: privacy registers the keyed hashes of erased people's keys
# (aktivist/privacy/identities.py). A lookup gets {kind: {values}} and returns
# {(kind, value): the day of the erasure}, in one query.
ErasedIdentityLookup = Callable[[dict[str, set[str]]], dict[tuple[str, str], dt.date]]
erased_identity_lookups: list[ErasedIdentityLookup] = []


def register_erased_identity_lookup(lookup: ErasedIdentityLookup) -> None:
    if lookup not in erased_identity_lookups:
        erased_identity_lookups.append(lookup)


def erased_identities(keys: dict[str, set[str]]) -> dict[tuple[str, str], dt.date]:
    """Which of these identity keys belonged to an erased person, with the day."""
    found: dict[tuple[str, str], dt.date] = {}
    if any(keys.values()):
        for lookup in erased_identity_lookups:
            found.update(lookup(keys))
    return found


def erased_hold_message(erased_on: dt.date) -> str:
    """What the secretariat (and the review item) is told about a hold of an erased person."""
    return _("Erased on %(date)s: held for review") % {"date": erased_on.isoformat()}


def clean_person_data(data: dict[str, Any]) -> dict[str, Any]:
    """Normalise identity fields; raise a ValidationError keyed by field."""
    cleaned = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    errors: dict[str, list[str]] = {}
    if "email" in cleaned:
        try:
            cleaned["email"] = clean_email(cleaned["email"])
        except ValidationError as e:
            errors["email"] = e.messages
    for field in ("mobile", "other_phone"):
        if field in cleaned:
            try:
                cleaned[field] = clean_phone(cleaned[field])
            except ValidationError as e:
                errors[field] = e.messages
    if cleaned.get("mobile") and not errors.get("mobile") and not is_mobile(cleaned["mobile"]):
        errors["mobile"] = [_("This is not a mobile number; enter it as another phone.")]
    if "other_phone" in cleaned:
        cleaned["other_phone"] = cleaned["other_phone"] or ""
    if "postcode" in cleaned:
        cleaned["postcode"] = normalise_postcode(cleaned["postcode"])
    if "member_number" in cleaned:
        cleaned["member_number"] = (cleaned["member_number"] or "").strip() or None
    if errors:
        raise ValidationError(errors)
    return cleaned


def _find_identity_clash(
    cleaned: dict[str, Any], exclude_pk: int | None
) -> tuple[str, Person] | None:
    for field in IDENTITY_FIELDS:
        value = cleaned.get(field)
        if not value:
            continue
        qs = Person.objects.filter(**{field: value})
        if exclude_pk is not None:
            qs = qs.exclude(pk=exclude_pk)
        other = qs.first()
        if other is not None:
            return field, other
    return None


def _serialisable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}


def _hold_for_review(
    *,
    actor: Any,
    kind: str,
    matched: Person | None,
    cleaned: dict[str, Any],
    unit: Unit | None,
    extra: dict[str, Any] | None = None,
) -> ReviewItem:
    # Committed on its own: the request must reach the secretariat although nothing else is saved.
    with transaction.atomic():
        item = ReviewItem.objects.create(
            kind=kind,
            submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
            unit=unit,
            matched_person=matched,
            payload={**_serialisable(cleaned), **(extra or {})},
        )
        audit.record(
            actor=actor,
            verb="review.held",
            obj=item,
            person_id=matched.pk if matched is not None else None,
            details={"kind": kind},
        )
    holds_recorded(actor=actor, count=1)
    return item


def _check_identity(
    *, actor: Any, cleaned: dict[str, Any], exclude_pk: int | None, kind: str, unit: Unit | None
) -> None:
    clash = _find_identity_clash(cleaned, exclude_pk)
    if clash is None:
        return
    field, other = clash
    if actor is None or can_see_person(actor, other.pk):
        raise DuplicatePersonError(field=field, person=other)
    raise HeldForReview(
        _hold_for_review(actor=actor, kind=kind, matched=other, cleaned=cleaned, unit=unit)
    )


def _check_erased(*, actor: Any, cleaned: dict[str, Any], unit: Unit | None) -> None:
    """A new person whose email, mobile or member number was an erased person's (and is
    nobody's now) is held for the secretariat's review instead of being created. The
    secretariat is told the day of the erasure; a scoped account only that it is held, as
    for any hold (the date would tell them that this someone was in the register)."""
    keys = {field: {cleaned[field]} for field in IDENTITY_FIELDS if cleaned.get(field)}
    found = erased_identities(keys)
    if not found:
        return
    erased_on = max(found.values())
    item = _hold_for_review(
        actor=actor,
        kind=ReviewItem.Kind.ERASED_IDENTITY,
        matched=None,
        cleaned=cleaned,
        unit=unit,
        extra={"erased_on": erased_on.isoformat()},
    )
    national = actor is None or scope_for(actor).is_national
    raise HeldForReview(item, erased_hold_message(erased_on) if national else None)


def person_create(
    *, actor: Any, data: dict[str, Any], unit: Unit | None = None, erased_ok: bool = False
) -> Person:
    """Create a person. A scoped viewer names one of their units, which the person joins
    (so the person lands in their scope). Raises ValidationError, DuplicatePersonError or
    HeldForReview (also for someone erased before: ``erased_ok`` when the secretariat
    applies such a hold); nothing is saved in those cases (but the review request)."""
    cleaned = clean_person_data(data)
    if unit is not None:
        require_unit_in_scope(actor, unit)
    _check_identity(
        actor=actor, cleaned=cleaned, exclude_pk=None, kind=ReviewItem.Kind.PERSON_CREATE, unit=unit
    )
    if not erased_ok:
        _check_erased(actor=actor, cleaned=cleaned, unit=unit)
    with transaction.atomic():
        person = Person(**cleaned)
        person.normalise()
        person.home_unit = home_unit_for_postcode(person.postcode)
        person.full_clean()
        person.save()
        audit.record(actor=actor, verb="person.create", obj=person)
        if unit is not None:
            membership_start(actor=actor, person=person, unit=unit)
    return person


def person_update(*, actor: Any, person: Person, data: dict[str, Any]) -> Person:
    cleaned = clean_person_data(data)
    _check_identity(
        actor=actor,
        cleaned=cleaned,
        exclude_pk=person.pk,
        kind=ReviewItem.Kind.PERSON_UPDATE,
        unit=None,
    )
    changed = [f for f, v in cleaned.items() if getattr(person, f) != v]
    if not changed:
        return person
    with transaction.atomic():
        for field in changed:
            setattr(person, field, cleaned[field])
        person.normalise()
        if "postcode" in changed:
            person.home_unit = home_unit_for_postcode(person.postcode)
            changed.append("home_unit")
        person.full_clean()
        person.save(update_fields=[*changed, "updated_at"])
        audit.record(actor=actor, verb="person.update", obj=person, details={"fields": changed})
    return person


@transaction.atomic
def tag_add(*, actor: Any, person: Person, name: str) -> Tag:
    name = " ".join(name.split())
    if not name:
        raise ApplicationError(_("Enter a tag."))
    tag = Tag.objects.filter(name__iexact=name).first()
    if tag is None:
        tag = Tag(name=name)
        tag.full_clean()
        tag.save()
    _tagging, created = Tagging.objects.get_or_create(person=person, tag=tag)
    if created:
        audit.record(actor=actor, verb="tag.add", obj=person, details={"tag": tag.pk})
    return tag


@transaction.atomic
def tag_remove(*, actor: Any, person: Person, tag: Tag) -> None:
    deleted, _count = Tagging.objects.filter(person=person, tag=tag).delete()
    if deleted:
        audit.record(actor=actor, verb="tag.remove", obj=person, details={"tag": tag.pk})


@dataclass
class FollowUp:
    owner: Any
    due: dt.date


@transaction.atomic
def interaction_add(
    *,
    actor: Any,
    person: Person,
    kind: str = Interaction.Kind.NOTE,
    text: str = "",
    outcome: str = "",
    occurred_at: dt.datetime | None = None,
    follow_up: FollowUp | None = None,
) -> Interaction:
    if not text.strip() and not outcome.strip() and follow_up is None:
        raise ApplicationError(_("Write something, an outcome or a follow-up."))
    interaction = Interaction(
        person=person,
        kind=kind,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        occurred_at=occurred_at or timezone.now(),
        text=text.strip(),
        outcome=outcome.strip(),
        follow_up_owner=follow_up.owner if follow_up else None,
        follow_up_due=follow_up.due if follow_up else None,
    )
    interaction.full_clean()
    interaction.save()
    audit.record(
        actor=actor,
        verb=f"interaction.{kind}",
        obj=interaction,
        person_id=person.pk,
        details={"follow_up": bool(follow_up)},
    )
    return interaction


@transaction.atomic
def follow_up_complete(*, actor: Any, interaction: Interaction) -> Interaction:
    if interaction.follow_up_due is None:
        raise ApplicationError(_("This entry has no follow-up."))
    if interaction.follow_up_done_at is None:
        interaction.follow_up_done_at = timezone.now()
        interaction.save(update_fields=["follow_up_done_at", "updated_at"])
        audit.record(
            actor=actor,
            verb="follow_up.done",
            obj=interaction,
            person_id=interaction.person_id,
        )
    return interaction


# Kinds of held request whose "apply" another app decides (a held walk-in links the
# attendance it recorded: aktivist/programmes/reviews.py). The applier returns what changed.
ReviewApplier = Callable[..., list[str]]
review_appliers: dict[str, ReviewApplier] = {}


def register_review_applier(kind: str, applier: ReviewApplier) -> None:
    review_appliers[kind] = applier


@transaction.atomic
def review_apply(*, actor: Any, item: ReviewItem) -> ReviewItem:
    """Accept a held request: the matched person joins the requester's unit and gets the
    values they lacked (empty fields only: existing data is never overwritten) — or, for
    kinds another app registered, what that app's applier does."""
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    applier = review_appliers.get(item.kind)
    # A held request names the person it matched — but a new person who had been erased
    # names no one (privacy's applier creates them).
    names_no_one = item.kind == ReviewItem.Kind.ERASED_IDENTITY and applier is not None
    if item.status != ReviewItem.Status.OPEN or (item.matched_person is None and not names_no_one):
        raise ApplicationError(_("This request has already been handled."))
    if applier is not None:
        changed = applier(actor=actor, item=item)
        _resolve(actor, item, ReviewItem.Status.APPLIED)
        audit.record(
            actor=actor,
            verb="review.apply",
            obj=item,
            person_id=item.matched_person_id,
            details={"kind": item.kind, "changed": changed},
        )
        return item
    person = item.matched_person
    assert person is not None  # noqa: S101 - checked above
    try:
        cleaned = clean_person_data(item.payload)
    except ValidationError:
        cleaned = {}
    filled = []
    for field, value in cleaned.items():
        if field in IDENTITY_FIELDS or value in (None, ""):
            continue
        if getattr(person, field) in (None, ""):
            setattr(person, field, value)
            filled.append(field)
    if filled:
        person.save(update_fields=[*filled, "updated_at"])
    if (
        item.unit is not None
        and not UnitMembership.objects.filter(
            person=person, unit=item.unit, ended_on__isnull=True
        ).exists()
    ):
        membership_start(actor=None, person=person, unit=item.unit)
    _resolve(actor, item, ReviewItem.Status.APPLIED)
    audit.record(
        actor=actor, verb="review.apply", obj=item, person_id=person.pk, details={"filled": filled}
    )
    return item


def _resolve(actor: Any, item: ReviewItem, status: str) -> None:
    item.status = status
    item.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
    item.resolved_at = timezone.now()
    item.save(update_fields=["status", "resolved_by", "resolved_at", "updated_at"])


@transaction.atomic
def review_dismiss(*, actor: Any, item: ReviewItem) -> ReviewItem:
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ReviewItem.Status.OPEN:
        raise ApplicationError(_("This request has already been handled."))
    _resolve(actor, item, ReviewItem.Status.DISMISSED)
    audit.record(actor=actor, verb="review.dismiss", obj=item, person_id=item.matched_person_id)
    return item
