"""Writes on messages: validated, scoped and audited; previews and test sends.

A message is the text a mobilization sends (email or SMS, Swedish and optionally English,
with merge fields). ``message_snapshot`` is what a mobilization freezes when sending is
requested. Every write takes ``actor`` (a staff account) and records one audit event.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aktivist.campaigns.models import Action
from aktivist.campaigns.selectors import actions_visible_to
from aktivist.core import audit
from aktivist.core import sms as core_sms
from aktivist.core.emails import _check_recipient
from aktivist.core.exceptions import ApplicationError
from aktivist.core.transport_errors import TransportError
from aktivist.core.transports import OutgoingEmail, get_email_transport
from aktivist.mobilization import rendering, texting
from aktivist.mobilization.models import Message, Mobilization, Purpose
from aktivist.mobilization.personalising import LOCAL_KINDS
from aktivist.organisation.services import owner_unit
from aktivist.people.models import Person
from aktivist.programmes.models import Event
from aktivist.programmes.selectors import events_visible_to

logger = logging.getLogger(__name__)

MESSAGE_FIELDS = (
    "name",
    "channel",
    "purpose",
    "subject_sv",
    "body_sv",
    "subject_en",
    "body_en",
    "action",
    "event",
)
TEXT_FIELDS = ("subject_sv", "body_sv", "subject_en", "body_en")
Status = Mobilization.Status


# --- Messages ---------------------------------------------------------------------------------


SMS_MAX_SEGMENTS = texting.MAX_PARTS


def message_problems(
    message: Message, *, extra_fields: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """Merge-field problems per text field, and an English version that is half there.
    An email needs a subject; an SMS has none and may be at most six parts long."""
    problems: dict[str, list[str]] = {}
    names = ("body_sv", "body_en") if message.is_sms else TEXT_FIELDS
    for name in names:
        found = rendering.check_text(
            getattr(message, name) or "",
            has_action=message.action_id is not None,
            has_event=message.event_id is not None,
            extra_fields=extra_fields,
        )
        if found:
            problems[name] = found
    if message.is_sms:
        for name, language in (("body_sv", "sv"), ("body_en", "en")):
            text = (getattr(message, name) or "").strip()
            if text and name not in problems:
                parts = texting.preview(text, language=language).segments.count
                if parts > SMS_MAX_SEGMENTS:
                    problems.setdefault(name, []).append(
                        _("An SMS may be at most %(max)s parts long; this one is %(count)s.")
                        % {"max": SMS_MAX_SEGMENTS, "count": parts}
                    )
        return problems
    if not message.subject_sv.strip():
        problems.setdefault("subject_sv", []).append(_("An email needs a subject."))
    if bool(message.subject_en.strip()) != bool(message.body_en.strip()):
        missing = "body_en" if message.subject_en.strip() else "subject_en"
        problems.setdefault(missing, []).append(
            _("The English version needs both a subject and a text (or neither).")
        )
    return problems


def _check_links(actor: Any, message: Message) -> None:
    if message.action_id and not actions_visible_to(actor).filter(pk=message.action_id).exists():
        raise ValidationError({"action": _("Unknown action.")})
    if message.event_id and not events_visible_to(actor).filter(pk=message.event_id).exists():
        raise ValidationError({"event": _("Unknown event.")})


def _validate_message(actor: Any, message: Message, *, case_update: bool = False) -> None:
    for name in ("name", *TEXT_FIELDS):
        setattr(message, name, (getattr(message, name) or "").strip())
    if message.is_sms:
        message.subject_sv = message.subject_en = ""
    if (message.purpose == Purpose.CASE_UPDATES) != case_update:
        raise ValidationError({"purpose": _("Case updates are written on the case's page.")})
    message.full_clean()
    problems = message_problems(message)
    if problems:
        raise ValidationError(problems)
    _check_links(actor, message)


@transaction.atomic
def message_create(*, actor: Any, case_update: bool = False, **fields: Any) -> Message:
    """A message from the fields of MESSAGE_FIELDS. ``case_update``: the urgent-case page
    writes an update to those who acted (purpose CASE_UPDATES, which nothing else may use)."""
    message = Message(
        **{k: v for k, v in fields.items() if k in MESSAGE_FIELDS},
        unit=owner_unit(actor),
        created_by=actor,
        updated_by=actor,
    )
    _validate_message(actor, message, case_update=case_update)
    message.save()
    audit.record(actor=actor, verb="message.create", obj=message, details={"name": message.name})
    return message


@transaction.atomic
def message_update(*, actor: Any, message: Message, **fields: Any) -> Message:
    for name, value in fields.items():
        if name in MESSAGE_FIELDS:
            setattr(message, name, value)
    message.updated_by = actor
    _validate_message(actor, message)
    message.save()
    audit.record(
        actor=actor,
        verb="message.update",
        obj=message,
        details={"fields": sorted(k for k in fields if k in MESSAGE_FIELDS)},
    )
    return message


@transaction.atomic
def message_archive(*, actor: Any, message: Message) -> Message:
    message.is_archived = True
    message.updated_by = actor
    message.save(update_fields=["is_archived", "updated_by", "updated_at"])
    audit.record(actor=actor, verb="message.archive", obj=message)
    return message


def message_snapshot(message: Message) -> dict[str, Any]:
    """What a mobilization sends, frozen when sending is requested."""
    action: Action | None = message.action
    event: Event | None = message.event
    return {
        "message_id": message.pk,
        "name": message.name,
        "channel": message.channel,
        "purpose": message.purpose,
        "subject_sv": message.subject_sv,
        "body_sv": message.body_sv,
        "subject_en": message.subject_en,
        "body_en": message.body_en,
        "has_english": message.has_english,
        "action_id": action.pk if action else None,
        "action_slug": action.slug if action else "",
        "event_id": event.pk if event else None,
        "event_slug": event.slug if event else "",
    }


# --- Previews and test sends ------------------------------------------------------------------


def sample_values(person: Person | None, *, name: str = "") -> dict[str, str]:
    """Merge values for a preview: a real person's own, or made-up ones."""
    site = settings.SITE_URL.rstrip("/")
    values = {
        "action_link": f"{site}/r/preview/",
        "event_link": f"{site}/r/preview/event/",
        "unsubscribe_link": f"{site}/u/preview/",
        "preferences_link": f"{site}/p/preview/",
        "local_group": "",
    }
    if person is None:
        first, _sep, last = (name or "").partition(" ")
        values.update(first_name=first, last_name=last, full_name=name)
        return values
    group = (
        person.unit_memberships.filter(ended_on__isnull=True, unit__kind__in=LOCAL_KINDS)
        .order_by("started_on")
        .values_list("unit__name", flat=True)
        .first()
    )
    if group is None and person.home_unit is not None and person.home_unit.kind in LOCAL_KINDS:
        group = person.home_unit.name
    values.update(
        first_name=person.first_name,
        last_name=person.last_name,
        full_name=person.full_name,
        local_group=group or "",
    )
    return values


def render_preview(
    message: Message, *, language: str, values: dict[str, str], layout: bool = True
) -> tuple[str, str, str]:
    """(subject, text, html) of one language version for these merge values (an SMS: no
    subject, no HTML)."""
    if language == "en" and message.has_english:
        subject, body = message.subject_en, message.body_en
    else:
        subject, body = message.subject_sv, message.body_sv
        language = "sv" if message.is_sms else language
    if message.is_sms:
        return "", texting.preview(body, language=language, values=values).text, ""
    compiled = rendering.compile_message(
        subject=subject, body=body, language=language, layout=layout
    )
    return compiled.fill(values)


def message_test_send(*, actor: Any, message: Message, language: str = "sv") -> None:
    """Send the message to the actor's own address (an SMS: their own mobile), filled with
    their own values, with "[Test]" before the subject. Goes through the same transport as
    the real send."""
    if message.is_sms:
        _sms_test_send(actor, message, language)
        return
    if not getattr(actor, "email", ""):
        raise ApplicationError(_("Your account has no email address."))
    problems = message_problems(message)
    if problems:
        raise ApplicationError(_("Correct the message before sending a test."))
    person = getattr(actor, "person", None)
    values = sample_values(person, name=actor.name or actor.email.split("@")[0])
    subject, text, html = render_preview(message, language=language, values=values)
    _check_recipient(actor.email)
    email = OutgoingEmail(
        to=actor.email,
        subject=f"[{_('Test')}] {subject}",
        text=text,
        html=html,
        envelope_from=settings.EMAIL_RETURN_PATH,
        headers={
            "List-Unsubscribe": f"<{values['unsubscribe_link']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    try:
        with get_email_transport() as transport:
            transport.send(email)
    except TransportError as exc:
        raise ApplicationError(
            _("The test could not be sent (%(error)s). Try again later.")
            % {"error": exc.code or exc}
        ) from None
    audit.record(actor=actor, verb="message.test_send", obj=message, details={"language": language})


def _sms_test_send(actor: Any, message: Message, language: str) -> None:
    person = getattr(actor, "person", None)
    mobile = getattr(person, "mobile", "") if person is not None else ""
    if not mobile:
        raise ApplicationError(
            _("Your account's person has no mobile number: add one to get a test SMS.")
        )
    if message_problems(message):
        raise ApplicationError(_("Correct the message before sending a test."))
    values = texting.example_values() | sample_values(person)
    _subject, text, _html = render_preview(message, language=language, values=values)
    try:
        core_sms.send_sms(to=mobile, body=f"[{_('Test')}] {text}")
    except TransportError as exc:
        raise ApplicationError(
            _("The test could not be sent (%(error)s). Try again later.") % {"error": exc.code}
        ) from None
    audit.record(
        actor=actor,
        verb="message.test_send",
        obj=message,
        details={"language": language, "channel": "sms"},
    )
