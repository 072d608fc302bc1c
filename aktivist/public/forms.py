"""The public signing form and the signed tokens that protect it without a session.

The form only renders fields and keeps what was typed: every rule lives in the signing
service (``clean_signature``), whose errors are put next to the fields they concern.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aktivist.campaigns.models import Action, Participation
from aktivist.campaigns.signing import (
    LETTER_MAX,
    NAME_MAX,
    UNDER_13,
    SignatureInput,
    UnderAge,
    clean_signature,
)
from aktivist.people import consents

FORM_TOKEN_SALT = "aktivist.public.sign-form"  # noqa: S105 (a salt, not a secret)
FORM_TOKEN_MAX_AGE = 6 * 60 * 60  # a page left open for an afternoon still signs
THANKS_TOKEN_SALT = "aktivist.public.thanks"  # noqa: S105 (a salt, not a secret)
THANKS_TOKEN_MAX_AGE = 2 * 24 * 60 * 60
HONEYPOT = "website"
# Kinds of action that are handed over with the names of those who agreed to be named.
HANDED_OVER = {Action.Kind.PETITION, Action.Kind.URGENT, Action.Kind.E_ACTION}


# --- The form token: a signed action id with a time, instead of a CSRF cookie -------------


def form_token(action_id: int | str) -> str:
    """A form's token names what it signs for: an action's id, or another page's key such
    as ``"event:12"`` (so a token of one kind of page never passes on another)."""
    return signing.TimestampSigner(salt=FORM_TOKEN_SALT).sign(str(action_id))


def form_token_valid(token: Any, action_id: int | str) -> bool:
    if not isinstance(token, str) or len(token) > 200:
        return False
    try:
        value = signing.TimestampSigner(salt=FORM_TOKEN_SALT).unsign(
            token, max_age=FORM_TOKEN_MAX_AGE
        )
    except signing.BadSignature:
        return False
    return value == str(action_id)


# --- The thank-you token: what the thank-you page may know, and nothing else -------------


@dataclass(frozen=True)
class Thanks:
    """Nothing here identifies the signer: no postcode, no record's id."""

    unit_id: int | None  # the unit covering the typed postcode: "your local group"
    ticket: str  # names the SMS consents the code form confirms ("" without an SMS choice)

    @property
    def wants_sms(self) -> bool:
        """Gave a mobile and ticked an SMS choice: the code form is shown."""
        return bool(self.ticket)


TICKET_MAX = 64


def thanks_payload_values(unit_id: int | None, ticket: str) -> dict[str, Any]:
    return {"u": unit_id, "k": ticket}


def thanks_from_payload(payload: dict[str, Any]) -> Thanks:
    unit_id, ticket = payload.get("u"), payload.get("k")
    return Thanks(
        unit_id=unit_id if isinstance(unit_id, int) and not isinstance(unit_id, bool) else None,
        ticket=ticket if isinstance(ticket, str) and len(ticket) <= TICKET_MAX else "",
    )


def thanks_token(*, action_id: int, unit_id: int | None, ticket: str) -> str:
    """Uncompressed: its length depends on nothing that tells one signer from another."""
    payload = {"a": action_id, **thanks_payload_values(unit_id, ticket)}
    return signing.dumps(payload, salt=THANKS_TOKEN_SALT)


def read_thanks_token(token: Any, action_id: int) -> Thanks | None:
    if not isinstance(token, str) or not token or len(token) > 2000:
        return None
    try:
        payload = signing.loads(token, salt=THANKS_TOKEN_SALT, max_age=THANKS_TOKEN_MAX_AGE)
    except (signing.BadSignature, ValueError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(payload, dict) or payload.get("a") != action_id:
        return None
    return thanks_from_payload(payload)


# --- The signing form --------------------------------------------------------------------


class TelInput(forms.TextInput):
    input_type = "tel"


def _text(label: Any, widget: type[forms.TextInput] = forms.TextInput, **attrs: Any) -> forms.Field:
    """A field that keeps what was typed; the signing service judges it."""
    return forms.Field(label=label, required=False, widget=widget(attrs=attrs))


class SignatureForm(forms.Form):
    form_token = forms.Field(required=False, widget=forms.HiddenInput)
    ref = forms.Field(required=False, widget=forms.HiddenInput)
    # The action page's ?utm_source=&utm_medium=, carried to the signature (cleaned there).
    utm_source = forms.Field(required=False, widget=forms.HiddenInput)
    utm_medium = forms.Field(required=False, widget=forms.HiddenInput)
    first_name = _text(
        _("First name"), autocomplete="given-name", maxlength=NAME_MAX, required=True
    )
    last_name = _text(_("Last name"), autocomplete="family-name", maxlength=NAME_MAX)
    email = forms.Field(
        label=_("Email"),
        required=False,
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "maxlength": 254, "required": True}
        ),
    )
    mobile = _text(
        _("Mobile (optional)"), TelInput, autocomplete="tel", inputmode="tel", maxlength=30
    )
    postcode = _text(
        _("Postcode (optional)"), autocomplete="postal-code", inputmode="numeric", maxlength=12
    )
    birth_year = forms.Field(
        label=_("Birth year"),
        required=False,
        help_text=_("Or choose your age group below."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "bday-year", "maxlength": 4}
        ),
    )
    age_bracket = forms.Field(
        label=_("Age group"),
        required=False,
        widget=forms.Select(
            choices=[
                ("", _("Choose an age group")),
                (UNDER_13, _("Under 13")),
                *Participation.AgeBracket.choices,
            ]
        ),
    )
    consents = forms.Field(
        label=_("Keep me informed"),
        required=False,
        widget=forms.CheckboxSelectMultiple(
            choices=[(key, choice.label) for key, choice in consents.CHOICES.items()]
        ),
    )
    named = forms.Field(
        label=_("Name me (first name, last name and postcode) when the petition is handed over"),
        required=False,
        widget=forms.CheckboxInput,
    )
    letter_text = forms.Field(
        label=_("Your letter"),
        required=False,
        help_text=_("You may change the letter before you send it."),
        widget=forms.Textarea(attrs={"rows": 10, "maxlength": LETTER_MAX}),
    )
    # The honeypot: hidden by CSS, filled only by robots.
    website = forms.Field(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, action: Action | None, language: str, **kwargs: Any) -> None:
        """``action`` None: the fields every public sign-up shares (an event's form)."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.action = action
        self.language = language
        self.signature: SignatureInput | None = None
        self.under_age: UnderAge | None = None
        if action is not None and action.is_letter:
            target = action.target_name
            if target:
                self.fields["letter_text"].label = _("Your letter to %(target)s") % {
                    "target": target
                }
            if action.letter_subject:
                self.fields["letter_text"].help_text = _(
                    "Subject: %(subject)s. You may change the letter before you send it."
                ) % {"subject": action.letter_subject}
            self.initial.setdefault("letter_text", action.letter_text(language))
        else:
            del self.fields["letter_text"]
        if action is None or action.kind not in HANDED_OVER:
            del self.fields["named"]

    @property
    def honeypot_filled(self) -> bool:
        return bool(str(self.data.get(HONEYPOT, "")).strip())

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: self.data.get(name)
            for name in (
                "first_name",
                "last_name",
                "email",
                "mobile",
                "postcode",
                "birth_year",
                "age_bracket",
                "letter_text",
            )
        }
        data["consents"] = self.data.getlist("consents") if hasattr(self.data, "getlist") else []
        data["named"] = "named" in self.fields and bool(self.data.get("named"))
        try:
            self.signature = clean_signature(data, language=self.language)
        except UnderAge as e:
            self.under_age = e
        except ValidationError as e:
            for name, messages in e.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        return self.cleaned_data


class SmsCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 12}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


# --- A fresh preference-centre link, asked for by address ---------------------------------

PREFERENCE_LINK_FORM_KEY = "preference-link"  # what this form's token signs


class PreferenceLinkForm(forms.Form):
    form_token = forms.Field(required=False, widget=forms.HiddenInput)
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "maxlength": 254}),
    )
    # The honeypot: hidden by CSS, filled only by robots.
    website = forms.Field(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {"form_token": form_token(PREFERENCE_LINK_FORM_KEY)})
        super().__init__(*args, **kwargs)

    def honeypot_filled(self) -> bool:
        return bool(str(self.data.get(HONEYPOT, "")).strip())

    def token_valid(self) -> bool:
        return form_token_valid(self.data.get("form_token"), PREFERENCE_LINK_FORM_KEY)
