"""Signing up for events: seats under concurrency, the waiting list, cancellation.

Capacity holds because every change of who holds a seat locks the event's row first
(``select_for_update``; SQLite's IMMEDIATE transactions serialise writers anyway): the
seat count and the new registration are decided by one writer at a time per event.
Sign-ups from the public pages reuse the action pages' person matching and consent rules
(aktivist/campaigns/signing.py): a person is never changed by a public form, and the
answer never tells whether the person was already known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.campaigns.signing import (
    SignatureInput,
    match_or_create_person,
    request_consents,
)
from aktivist.core import audit, tracking
from aktivist.core.exceptions import ApplicationError
from aktivist.lib.normalise import is_valid_email, normalise_email, normalise_phone
from aktivist.people.models import Person
from aktivist.programmes.models import Event, Registration
from aktivist.programmes.tasks import send_registration_confirmation, send_waitlist_promotion

ADULT_AGE = 18


class SignUpClosed(ApplicationError):
    """The event takes no sign-ups: cancelled, unpublished or past its deadline."""


@dataclass(frozen=True)
class SignUpResult:
    event_id: int
    status: str  # registered or waitlisted: what the signer is told
    registration_id: int
    person_id: int
    new: bool  # internal (tests, counters); never shown to the signer
    ticket: str = ""  # the SMS code form's ticket ("" without an SMS choice and a mobile)


def sign_up_closed_reason(event: Event, now: Any = None) -> str | None:
    """Why the event takes no sign-ups, in words for the public page; None when it does."""
    now = now or timezone.now()
    if event.is_cancelled:
        return _("This event has been cancelled.")
    if not event.is_published:
        return _("This event is not open for sign-up.")
    if now >= (event.registration_deadline or event.starts_at):
        return _("Sign-up for this event has closed.")
    return None


def is_under_18(signature: SignatureInput) -> bool:
    if signature.birth_year is not None:
        return timezone.localdate().year - signature.birth_year < ADULT_AGE
    return signature.age_bracket == "13-17"


def needs_guardian(event: Event, signature: SignatureInput) -> bool:
    return event.guardian_required_under_18 and is_under_18(signature)


def clean_guardian_contact(value: str) -> str:
    """A guardian's email (normalised) or phone number (E.164); ValidationError otherwise."""
    text = value.strip()
    if "@" in text:
        email = normalise_email(text)
        if email and len(email) <= 254 and is_valid_email(email):
            return email
        raise ValidationError(_("Enter a valid email address or phone number."))
    phone = normalise_phone(text) if len(text) <= 30 else None
    if phone is None:
        raise ValidationError(_("Enter a valid email address or phone number."))
    return phone


def check_guardian(
    event: Event,
    signature: SignatureInput,
    guardian_contact: str,
    guardian_name: str | None = None,
) -> None:
    """Under-18s signing up for an event that asks for it give a guardian's contact (and,
    when ``guardian_name`` is passed, name). Raises ValidationError keyed by field."""
    if not needs_guardian(event, signature):
        return
    errors: dict[str, list[str]] = {}
    if guardian_name is not None and not guardian_name.strip():
        errors["guardian_name"] = [_("You are under 18: give a parent's or guardian's name.")]
    if not guardian_contact.strip():
        errors["guardian_contact"] = [
            _("You are under 18: give a parent's or guardian's phone number or email.")
        ]
    else:
        try:
            clean_guardian_contact(guardian_contact)
        except ValidationError as e:
            errors["guardian_contact"] = e.messages
    if errors:
        raise ValidationError(errors)


def _locked_event(event_id: int) -> Event:
    return Event.objects.select_for_update().get(pk=event_id)


def _seats_taken(event: Event) -> int:
    return Registration.objects.filter(event=event, status__in=Registration.SEATED).count()


def _place(event: Event) -> str:
    """Registered when a seat is free, else the waiting list. Call with the event locked."""
    if event.capacity is None or _seats_taken(event) < event.capacity:
        return Registration.Status.REGISTERED
    return Registration.Status.WAITLISTED


def sign_up(
    *,
    event: Event,
    signature: SignatureInput,
    source: str = Registration.Source.WEB,
    guardian_name: str = "",
    guardian_contact: str = "",
    tracking_token: str = "",
) -> SignUpResult:
    """Sign a person up from a public form (or a channel). Raises SignUpClosed or
    ValidationError (a missing guardian's name or contact); a repeat answers as a new
    sign-up would now, and changes nothing. A guardian's details are kept only when the
    event asks for them."""
    reason = sign_up_closed_reason(event)
    if reason:
        raise SignUpClosed(reason)
    check_guardian(event, signature, guardian_contact, guardian_name)
    if needs_guardian(event, signature):
        guardian_name = " ".join(guardian_name.split())[:200]
        guardian_contact = clean_guardian_contact(guardian_contact)
    else:
        guardian_name = guardian_contact = ""  # nothing about a third person without need
    token = "".join(ch for ch in tracking_token[:200] if ch.isprintable())
    for attempt in range(3):
        try:
            return _sign_up_once(event, signature, source, guardian_name, guardian_contact, token)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _sign_up_once(
    event: Event,
    sig: SignatureInput,
    source: str,
    guardian_name: str,
    guardian_contact: str,
    tracking_token: str,
) -> SignUpResult:
    with transaction.atomic():
        locked = _locked_event(event.pk)
        reason = sign_up_closed_reason(locked)  # cancelled while this request waited
        if reason:
            raise SignUpClosed(reason)
        signer = match_or_create_person(sig, source_label=f"event:{event.slug}")
        person, created = signer.person, signer.created
        registration = (
            None
            if created
            else Registration.objects.filter(person_id=person.pk, event=locked).first()
        )
        new = registration is None
        # Signed up already: nothing about the registration changes (only new choices
        # count), and the answer is what a new sign-up would get now; a repeat's "you have
        # a place" on a full event would tell a visitor that this person had one.
        repeat = registration is not None and registration.status != Registration.Status.CANCELLED
        shown = _place(locked) if repeat else ""
        if registration is None:
            registration = Registration(person_id=person.pk, event=locked, source=source)
        if not repeat:
            registration.status = _place(locked)
            registration.waitlisted_at = (
                timezone.now() if registration.status == Registration.Status.WAITLISTED else None
            )
            registration.cancelled_at = None
            registration.reminder_sent_at = None
            registration.tracking_token = tracking_token
            registration.guardian_name = guardian_name
            registration.guardian_contact = guardian_contact
            # What the signer typed: all the event's lists show of them.
            registration.set_typed(
                first_name=sig.first_name,
                last_name=sig.last_name,
                email=sig.email,
                mobile=sig.mobile,
            )
            registration.save()
        ticket = request_consents(sig, signer=signer, source_label=f"event:{event.slug}")
        if not repeat and tracking_token:
            tracking.responded(tracking_token)
        registration_id = registration.pk
        language = sig.language
        # A repeat gets the confirmation again, with its true status: it goes to the
        # person's own inbox.
        transaction.on_commit(
            lambda: send_registration_confirmation.enqueue(registration_id, language)
        )
    return SignUpResult(
        event_id=event.pk,
        status=shown or registration.status,
        registration_id=registration.pk,
        person_id=person.pk,
        new=new,
        ticket=ticket,
    )


def register_person(
    *, actor: Any, event: Event, person: Person, source: str = Registration.Source.STAFF
) -> Registration:
    """Staff sign a known person up (scope is checked by the caller's selector)."""
    with transaction.atomic():
        locked = _locked_event(event.pk)
        registration = Registration.objects.filter(person=person, event=locked).first()
        if registration is not None and registration.status != Registration.Status.CANCELLED:
            return registration
        registration = registration or Registration(person=person, event=locked, source=source)
        # Staff who add someone can see them: the lists show the name they chose (not the
        # person's contact details, which the event's other organisers may not see).
        registration.set_typed(
            first_name=person.first_name, last_name=person.last_name, email=None, mobile=None
        )
        registration.status = _place(locked)
        registration.waitlisted_at = (
            timezone.now() if registration.status == Registration.Status.WAITLISTED else None
        )
        registration.cancelled_at = None
        registration.save()
        audit.record(
            actor=actor,
            verb="registration.create",
            obj=registration,
            person_id=person.pk,
            details={"event": event.pk, "status": registration.status},
        )
    return registration


def registration_cancel(*, actor: Any, registration: Registration) -> Registration | None:
    """Cancel a registration. When it held a seat, the first on the waiting list gets it and
    is told after commit. Returns the promoted registration, if any."""
    with transaction.atomic():
        locked = _locked_event(registration.event_id)
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        if current.status == Registration.Status.CANCELLED:
            return None
        held_seat = current.status in Registration.SEATED
        current.status = Registration.Status.CANCELLED
        current.cancelled_at = timezone.now()
        current.save(update_fields=["status", "cancelled_at", "updated_at"])
        audit.record(
            actor=actor,
            verb="registration.cancel",
            obj=current,
            person_id=current.person_id,
            details={"event": locked.pk},
        )
        promoted = None
        if held_seat and not locked.is_cancelled and locked.starts_at > timezone.now():
            promoted = promote_from_waitlist(locked)
        if promoted is not None:
            promoted_id = promoted.pk
            transaction.on_commit(lambda: send_waitlist_promotion.enqueue(promoted_id))
    registration.refresh_from_db()
    return promoted


def promote_from_waitlist(locked_event: Event) -> Registration | None:
    """Give a free seat to the first on the waiting list. Call with the event locked."""
    if locked_event.capacity is not None and _seats_taken(locked_event) >= locked_event.capacity:
        return None
    first = (
        Registration.objects.select_for_update()
        .filter(event=locked_event, status=Registration.Status.WAITLISTED)
        .order_by("waitlisted_at", "id")
        .first()
    )
    if first is None:
        return None
    first.status = Registration.Status.REGISTERED
    first.waitlisted_at = None
    first.save(update_fields=["status", "waitlisted_at", "updated_at"])
    audit.record(
        actor=None,
        verb="registration.promote",
        obj=first,
        person_id=first.person_id,
        details={"event": locked_event.pk},
    )
    return first
