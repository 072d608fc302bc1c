"""Public signing: the bulk path behind action pages, embeds and channels' JSON endpoint.

A signature is validated with the same normalisers as everywhere else, matched to an
existing person by normalised email or mobile, or creates a non-member whose home unit
follows from the postcode. A person is never changed by a public form (an email or mobile
typed by a stranger must not overwrite anyone's data); only new pending consents are
added, and those wait for the owner of the address to confirm them.

Signing twice is one participation, and the result a caller sees is the same for a first
and a repeated signature and for a known and an unknown person.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.campaigns import hotpath
from aktivist.campaigns.models import Action, Participation
from aktivist.core import tracking
from aktivist.core.exceptions import ApplicationError
from aktivist.lib.normalise import (
    clean_phone,
    is_mobile,
    is_valid_email,
    normalise_email,
    normalise_postcode,
    se_mobile_fast,
)
from aktivist.people.models import Person

NAME_MAX = 100
LETTER_MAX = 5000
TOKEN_MAX = 200
MIN_CONSENT_AGE = 13  # in Sweden a child under 13 cannot give consent (GDPR art. 8, SFS 2018:218)
UNDER_13 = "under-13"
AGE_BRACKETS = [UNDER_13, *Participation.AgeBracket.values]


class UnderAge(ApplicationError):
    """The signer is under 13: nothing about them is stored."""


class ActionClosed(ApplicationError):
    """The action does not accept signatures (not open yet, closed or unpublished)."""


@dataclass(frozen=True)
class SignatureInput:
    first_name: str
    last_name: str
    email: str
    mobile: str | None
    postcode: str
    birth_year: int | None
    age_bracket: str
    consents: frozenset[str] = field(default_factory=frozenset)
    named: bool = False
    letter_text: str = ""
    language: str = "sv"


@dataclass(frozen=True)
class SignResult:
    """What a caller may know: never whether the person or the signature existed."""

    action_id: int
    postcode: str
    sms_consent_ids: tuple[int, ...]
    # Internal, for tests and logs of ids (never shown to the signer):
    person_id: int
    new_participation: bool


def _clean_text(value: Any, *, max_length: int, field_label: str, required: bool) -> str:
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in text if ch not in "\n\t"):
        raise ValidationError(
            _("%(field)s contains characters we cannot store.") % {"field": field_label}
        )
    text = " ".join(text.split())
    if required and not text:
        raise ValidationError(_("Enter your %(field)s.") % {"field": field_label})
    if len(text) > max_length:
        raise ValidationError(
            _("%(field)s can be at most %(max)s characters.")
            % {"field": field_label.capitalize(), "max": max_length}
        )
    return text


def _clean_letter(value: Any) -> str:
    text = value if isinstance(value, str) else ""
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co") for ch in text if ch not in "\n\r\t"):
        raise ValidationError(_("The letter contains characters we cannot store."))
    text = text.replace("\r\n", "\n").strip()
    if len(text) > LETTER_MAX:
        raise ValidationError(
            _("The letter can be at most %(max)s characters.") % {"max": LETTER_MAX}
        )
    return text


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "on", "yes", "ja"}


def clean_signature(data: Mapping[str, Any], *, language: str = "sv") -> SignatureInput:
    """Validate a signature from a form or JSON. Raises ValidationError keyed by field, or
    UnderAge (which must be answered without storing anything)."""
    from aktivist.people.consents import CHOICES

    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def run(name: str, fn: Any) -> None:
        try:
            values[name] = fn()
        except ValidationError as e:
            errors[name] = e.messages

    run(
        "first_name",
        lambda: _clean_text(
            data.get("first_name"), max_length=NAME_MAX, field_label=_("first name"), required=True
        ),
    )
    run(
        "last_name",
        lambda: _clean_text(
            data.get("last_name"), max_length=NAME_MAX, field_label=_("last name"), required=False
        ),
    )

    def email() -> str:
        raw = data.get("email")
        if not isinstance(raw, str) or not raw.strip():
            raise ValidationError(_("Enter your email address."))
        if len(raw) > 254:
            raise ValidationError(_("Enter a valid email address."))
        # clean_email's verdict, with the domain check cached (signers share few domains).
        cleaned = normalise_email(raw)
        if not cleaned or not is_valid_email(cleaned):
            raise ValidationError(_("Enter a valid email address."))
        return cleaned

    run("email", email)

    def mobile() -> str | None:
        raw = data.get("mobile")
        if raw in (None, ""):
            return None
        if not isinstance(raw, str) or len(raw) > 30:
            raise ValidationError(_("Enter a valid mobile number."))
        fast = se_mobile_fast(raw)  # the common Swedish ways of writing a mobile
        if fast is not None:
            return fast
        cleaned = clean_phone(raw)
        if cleaned and not is_mobile(cleaned):
            raise ValidationError(_("This is not a mobile number."))
        return cleaned

    run("mobile", mobile)

    def postcode() -> str:
        raw = data.get("postcode")
        if raw in (None, ""):
            return ""
        if not isinstance(raw, str | int) or len(str(raw)) > 12:
            raise ValidationError(_("Enter a postcode of five digits."))
        cleaned = normalise_postcode(str(raw))
        if not (len(cleaned) == 5 and cleaned.isascii() and cleaned.isdigit()):
            raise ValidationError(_("Enter a postcode of five digits."))
        return cleaned

    run("postcode", postcode)

    this_year = timezone.localdate().year

    def birth_year() -> int | None:
        raw = data.get("birth_year")
        if raw in (None, ""):
            return None
        try:
            year = int(str(raw).strip())
        except (TypeError, ValueError):
            raise ValidationError(_("Enter a year such as 2004.")) from None
        if not this_year - 120 <= year <= this_year:
            raise ValidationError(_("Enter a year such as 2004."))
        return year

    run("birth_year", birth_year)

    def age_bracket() -> str:
        raw = data.get("age_bracket")
        if raw in (None, ""):
            return ""
        if raw not in AGE_BRACKETS:
            raise ValidationError(_("Choose an age group from the list."))
        return str(raw)

    run("age_bracket", age_bracket)

    raw_consents = data.get("consents") or []
    if isinstance(raw_consents, str):
        raw_consents = [raw_consents]
    if not isinstance(raw_consents, list | tuple) or not all(
        isinstance(c, str) and c in CHOICES for c in raw_consents
    ):
        errors["consents"] = [_("Unknown consent choice.")]
        raw_consents = []
    chosen = frozenset(raw_consents)

    run("letter_text", lambda: _clean_letter(data.get("letter_text")))

    # The age rule comes before any other complaint about the form: under 13 stores nothing.
    year, bracket = values.get("birth_year"), values.get("age_bracket", "")
    if bracket == UNDER_13 or (year is not None and this_year - year < MIN_CONSENT_AGE):
        raise UnderAge(
            _(
                "Thank you for wanting to act! People under 13 cannot sign up on their own in "
                "Sweden, so we have not saved anything. Ask a parent or teacher to help you "
                "take part in another way."
            )
        )
    if year is None and not bracket and "birth_year" not in errors and "age_bracket" not in errors:
        errors["birth_year"] = [_("Enter your birth year or choose an age group.")]
    if ("sms" in chosen or "rapid_response" in chosen) and not values.get("mobile"):
        if "mobile" not in errors and "sms" in chosen:
            errors["mobile"] = [_("Enter your mobile number to get SMS.")]
    if errors:
        raise ValidationError(errors)
    return SignatureInput(
        first_name=values["first_name"],
        last_name=values["last_name"],
        email=values["email"],
        mobile=values["mobile"],
        postcode=values["postcode"],
        birth_year=year,
        age_bracket=bracket,
        consents=chosen,
        named=_as_bool(data.get("named", False)),
        letter_text=values["letter_text"],
        language="en" if str(language).startswith("en") else "sv",
    )


# --- Home units from postcodes: the prefix map, cached per process for a minute ---------

_prefixes: tuple[float, dict[str, int]] = (0.0, {})
PREFIX_CACHE_SECONDS = 60.0


def _home_unit_id(postcode: str) -> int | None:
    from aktivist.organisation.selectors import home_unit_id_from_map, prefix_map

    global _prefixes
    loaded_at, prefixes = _prefixes
    if time.monotonic() - loaded_at > PREFIX_CACHE_SECONDS:
        prefixes = prefix_map()
        _prefixes = (time.monotonic(), prefixes)
    return home_unit_id_from_map(postcode, prefixes) if postcode else None


def forget_prefix_cache() -> None:
    global _prefixes
    _prefixes = (0.0, {})


def _age_bracket_for(sig: SignatureInput) -> str:
    if sig.age_bracket:
        return sig.age_bracket
    if sig.birth_year is None:
        return ""
    age = timezone.localdate().year - sig.birth_year
    for bracket, low, high in (
        ("13-17", 13, 17),
        ("18-25", 18, 25),
        ("26-39", 26, 39),
        ("40-64", 40, 64),
    ):
        if low <= age <= high:
            return bracket
    return "65+"


# --- The hot path's statements (see hotpath.py) -------------------------------------------

_EMAIL_MARK, _MOBILE_MARK = "\x00email-mark", "\x00mobile-mark"


def _match_by_email() -> tuple[Any, list[Any]]:
    qs = Person.objects.filter(email=_EMAIL_MARK).order_by().values_list("id", "email", "mobile")
    return qs[:2], [_EMAIL_MARK]


def _match_by_email_or_mobile() -> tuple[Any, list[Any]]:
    q = Q(email=_EMAIL_MARK) | Q(mobile=_MOBILE_MARK)
    qs = Person.objects.filter(q).order_by().values_list("id", "email", "mobile")
    return qs[:2], [_EMAIL_MARK, _MOBILE_MARK]


def match_or_create_person(sig: SignatureInput, *, source_label: str) -> tuple[Person, bool]:
    """The person a public form's signer is: created as a non-member in the unit covering
    the postcode when nobody holds the email or mobile, else matched by normalised email,
    then mobile. A matched person is never changed. Call inside a transaction; an
    IntegrityError means the match vanished in between (erased or merged): retry.

    Most signers are new, so the insert comes first and the match is read only when it
    meets a unique email or mobile (one statement for a new signer instead of two)."""
    person = Person(
        first_name=sig.first_name,
        last_name=sig.last_name,
        email=sig.email,
        mobile=sig.mobile,
        postcode=sig.postcode,
        birth_year=sig.birth_year,
        language=sig.language,
        membership_status=Person.MembershipStatus.NON_MEMBER,
        home_unit_id=_home_unit_id(sig.postcode),
        source=source_label[:200],
    )
    person.normalise()  # what Person.save() does before it writes
    if hotpath.insert_unless_conflict(person):
        return person, True
    if sig.mobile:
        rows = hotpath.fetch(
            hotpath.select_sql("match", _match_by_email_or_mobile), [sig.email, sig.mobile]
        )
    else:
        rows = hotpath.fetch(hotpath.select_sql("match_email", _match_by_email), [sig.email])
    row = next((r for r in rows if r[1] == sig.email), rows[0] if rows else None)
    if row is None:
        raise IntegrityError("the person holding this email or mobile is gone: retry")
    # Only the id and the identity keys are needed: nothing about the person changes.
    return Person(pk=row[0], email=row[1], mobile=row[2]), False


def request_consents(
    sig: SignatureInput, *, person: Person, created: bool, source_label: str
) -> list[Any]:
    """Record the ticked consent choices of a public form as pending and send their
    confirmations after commit. Call inside the signature's transaction.

    The SMS code goes to the mobile typed in the form; that mobile becomes the person's only
    when the code is confirmed and the person had none (a stranger's typing never does)."""
    from aktivist.people.consents import consents_request
    from aktivist.people.tasks import send_consent_confirmations

    if not sig.consents:
        return []
    own_mobile = sig.mobile is not None and (created or person.mobile == sig.mobile)
    adoptable = sig.mobile is not None and not person.mobile
    pending = consents_request(
        person=person,
        choices=sorted(sig.consents),
        language=sig.language,
        source=source_label,
        has_mobile=own_mobile or adoptable,
        pending_mobile=(sig.mobile or "") if (adoptable and not created) else "",
    )
    if pending:
        ids = [c.pk for c in pending]
        language = sig.language
        transaction.on_commit(lambda: send_consent_confirmations.enqueue(ids, language))
    return pending


def sign(
    *,
    action: Action,
    signature: SignatureInput,
    source: str,
    channel_id: int | None = None,
    tracking_token: str = "",
    in_transaction: Callable[[], None] | None = None,
) -> SignResult:
    """Record a signature. Raises ActionClosed; never reveals whether the person or the
    participation existed. Confirmation messages are sent after commit.

    ``in_transaction`` runs first inside the signature's transaction (the JSON endpoint
    stores its idempotency key there); whatever it raises rolls the signature back and
    reaches the caller (an IntegrityError it lets through is taken for a racing signer)."""
    if not action.is_open():
        raise ActionClosed(_("This action is closed and accepts no more signatures."))
    # An opaque reference from a link: kept short and free of characters a database refuses.
    token = "".join(ch for ch in tracking_token[:TOKEN_MAX] if ch.isprintable())
    for attempt in range(3):
        try:
            result = _sign_once(action, signature, source, channel_id, token, in_transaction)
        except IntegrityError:
            # A parallel signature created the same person: match again.
            if attempt == 2:
                raise
            continue
        if token and result.new_participation:
            tracking.responded(token)
        return result
    raise AssertionError("unreachable")


def _sign_once(
    action: Action,
    sig: SignatureInput,
    source: str,
    channel_id: int | None,
    tracking_token: str,
    in_transaction: Callable[[], None] | None,
) -> SignResult:
    with transaction.atomic():
        if in_transaction is not None:
            in_transaction()
        person, created = match_or_create_person(sig, source_label=f"action:{action.slug}")
        # A repeat is one participation: the unique (person, action) constraint turns the
        # insert into nothing, also for two racing repeats.
        participation = Participation(
            person_id=person.pk,
            action_id=action.pk,
            source=source,
            channel_id=channel_id,
            tracking_token=tracking_token,
            age_bracket=_age_bracket_for(sig),
            letter_text=sig.letter_text if action.is_letter else "",
            named=sig.named,
        )
        new_participation = hotpath.insert_unless_conflict(participation)
        pending = request_consents(
            sig, person=person, created=created, source_label=f"action:{action.slug}"
        )
    return SignResult(
        action_id=action.pk,
        postcode=sig.postcode,
        sms_consent_ids=tuple(c.pk for c in pending if c.channel == "sms"),
        person_id=person.pk,
        new_participation=new_participation,
    )
