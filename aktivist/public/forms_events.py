"""The event sign-up form and the thank-you token of the public event pages.

The form is the action pages' signing form (same fields, same rules in the signing
service) plus a guardian's name and contact for events that ask under-18s for them; the
registering service judges those too. Tokens follow aktivist.public.forms.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from aktivist.programmes.models import Event, Registration
from aktivist.public.forms import (
    THANKS_TOKEN_MAX_AGE,
    SignatureForm,
    Thanks,
    thanks_from_payload,
)

EVENT_THANKS_SALT = "aktivist.public.event-thanks"  # a salt, not a secret
STATUSES = (Registration.Status.REGISTERED, Registration.Status.WAITLISTED)


def event_form_key(event_id: int) -> str:
    """What an event form's token signs: never the same as an action's key."""
    return f"event:{event_id}"


# --- The thank-you token: the answer to show and the SMS code step ----------------------


@dataclass(frozen=True)
class EventThanks:
    """What the thank-you page may know: the status the signer is told and the SMS code
    step. Nothing identifies the signer or their registration (the calendar file's UID is
    the event's)."""

    status: str  # registered or waitlisted
    thanks: Thanks  # the SMS code step, as on action pages (no unit: the page shows none)


def event_thanks_token(*, event_id: int, status: str, ticket: str) -> str:
    """Uncompressed: its length depends on nothing that tells one signer from another."""
    payload = {"e": event_id, "st": status, "k": ticket}
    return signing.dumps(payload, salt=EVENT_THANKS_SALT)


def read_event_thanks_token(token: Any, event_id: int) -> EventThanks | None:
    if not isinstance(token, str) or not token or len(token) > 2000:
        return None
    try:
        payload = signing.loads(token, salt=EVENT_THANKS_SALT, max_age=THANKS_TOKEN_MAX_AGE)
    except (signing.BadSignature, ValueError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(payload, dict) or payload.get("e") != event_id:
        return None
    status = payload.get("st")
    if status not in STATUSES:
        return None
    return EventThanks(status=str(status), thanks=thanks_from_payload(payload))


# --- The form --------------------------------------------------------------------------


class EventSignUpForm(SignatureForm):
    guardian_name = forms.Field(
        label=_("Parent's or guardian's name"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": 200}),
    )
    guardian_contact = forms.Field(
        label=_("Parent's or guardian's phone number or email"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": 254}),
    )

    def __init__(self, *args: Any, event: Event, language: str, **kwargs: Any) -> None:
        super().__init__(*args, action=None, language=language, **kwargs)
        self.event = event
        if not event.guardian_required_under_18:
            del self.fields["guardian_name"]
            del self.fields["guardian_contact"]

    def guardian(self) -> tuple[str, str]:
        """The guardian's name and contact as typed (the registering service judges them)."""
        if "guardian_name" not in self.fields:
            return "", ""
        name, contact = self.data.get("guardian_name"), self.data.get("guardian_contact")
        return (
            name if isinstance(name, str) else "",
            contact if isinstance(contact, str) else "",
        )
