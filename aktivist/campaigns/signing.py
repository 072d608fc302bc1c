"""Public signing: the bulk path behind action pages, embeds and channels' JSON endpoint.

A signature is validated with the same normalisers as everywhere else, matched to an
existing person by normalised email only (a typed mobile never selects anyone), or creates
a non-member whose home unit follows from the postcode. A person is never changed by a
public form (an email or mobile typed by a stranger must not overwrite anyone's data);
only new pending consents are added, and those wait for the owner of the address to
confirm them.

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
    clean_utm,
    is_mobile,
    is_valid_email,
    normalise_email,
    normalise_postcode,
    se_mobile_fast,
)
from aktivist.organisation.selectors import home_unit_id_from_map, prefix_map
from aktivist.people.consents import CHOICES as CONSENT_CHOICES
from aktivist.people.consents import consents_request, new_code_ticket
from aktivist.people.models import Person
from aktivist.people.tasks import send_consent_confirmations

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
    unit_id: int | None  # the unit covering the typed postcode (the thank-you page's group)
    ticket: str  # the SMS code form's ticket ("" without an SMS choice and a mobile)
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


def _clean_email(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError(_("Enter your email address."))
    if len(raw) > 254:
        raise ValidationError(_("Enter a valid email address."))
    # clean_email's verdict, with the domain check cached (signers share few domains).
    cleaned = normalise_email(raw)
    if not cleaned or not is_valid_email(cleaned):
        raise ValidationError(_("Enter a valid email address."))
    return cleaned


def _clean_mobile(raw: Any) -> str | None:
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


def _clean_postcode(raw: Any) -> str:
    if raw in (None, ""):
        return ""
    if not isinstance(raw, str | int) or len(str(raw)) > 12:
        raise ValidationError(_("Enter a postcode of five digits."))
    cleaned = normalise_postcode(str(raw))
    if not (len(cleaned) == 5 and cleaned.isascii() and cleaned.isdigit()):
        raise ValidationError(_("Enter a postcode of five digits."))
    return cleaned


def _clean_birth_year(raw: Any, this_year: int) -> int | None:
    if raw in (None, ""):
        return None
    try:
        year = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationError(_("Enter a year such as 2004.")) from None
    if not this_year - 120 <= year <= this_year:
        raise ValidationError(_("Enter a year such as 2004."))
    return year


def _clean_age_bracket(raw: Any) -> str:
    if raw in (None, ""):
        return ""
    if raw not in AGE_BRACKETS:
        raise ValidationError(_("Choose an age group from the list."))
    return str(raw)


def _clean_consents(raw: Any) -> frozenset[str]:
    chosen = raw or []
    if isinstance(chosen, str):
        chosen = [chosen]
    if not isinstance(chosen, list | tuple) or not all(
        isinstance(c, str) and c in CONSENT_CHOICES for c in chosen
    ):
        raise ValidationError(_("Unknown consent choice."))
    return frozenset(chosen)


def _refuse_under_13(year: int | None, bracket: str, this_year: int) -> None:
    if bracket == UNDER_13 or (year is not None and this_year - year < MIN_CONSENT_AGE):
        raise UnderAge(
            _(
                "Thank you for wanting to act! People under 13 cannot sign up on their own in "
                "Sweden, so we have not saved anything. Ask a parent or teacher to help you "
                "take part in another way."
            )
        )


def clean_signature(data: Mapping[str, Any], *, language: str = "sv") -> SignatureInput:
    """Validate a signature from a form or JSON. Raises ValidationError keyed by field, or
    UnderAge (which must be answered without storing anything)."""
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
    run("email", lambda: _clean_email(data.get("email")))
    run("mobile", lambda: _clean_mobile(data.get("mobile")))
    run("postcode", lambda: _clean_postcode(data.get("postcode")))
    this_year = timezone.localdate().year
    run("birth_year", lambda: _clean_birth_year(data.get("birth_year"), this_year))
    run("age_bracket", lambda: _clean_age_bracket(data.get("age_bracket")))
    run("consents", lambda: _clean_consents(data.get("consents")))
    chosen: frozenset[str] = values.get("consents", frozenset())
    run("letter_text", lambda: _clean_letter(data.get("letter_text")))

    # The age rule comes before any other complaint about the form: under 13 stores nothing.
    year, bracket = values.get("birth_year"), values.get("age_bracket", "")
    _refuse_under_13(year, bracket, this_year)
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


# How the mobile typed on a public form may be used for the signer's SMS consents.
MOBILE_OWN = "own"  # the person's own mobile (a new person's, or equal to the stored one)
MOBILE_ADOPTABLE = "adoptable"  # a known person without a mobile; nobody holds this one
MOBILE_UNUSABLE = ""  # none typed, or someone else's: never used for this person


@dataclass(frozen=True)
class Signer:
    """The person a public form's signer is taken for, and what their typed mobile may do."""

    person: Person
    created: bool
    mobile_use: str  # MOBILE_OWN, MOBILE_ADOPTABLE or MOBILE_UNUSABLE


def _new_person(sig: SignatureInput, source_label: str, *, with_mobile: bool) -> Person:
    person = Person(
        first_name=sig.first_name,
        last_name=sig.last_name,
        email=sig.email,
        mobile=sig.mobile if with_mobile else None,
        postcode=sig.postcode,
        birth_year=sig.birth_year,
        language=sig.language,
        membership_status=Person.MembershipStatus.NON_MEMBER,
        home_unit_id=_home_unit_id(sig.postcode),
        source=source_label[:200],
    )
    person.normalise()  # what Person.save() does before it writes
    return person


def _known(row: tuple[Any, ...], sig: SignatureInput, mobile_held: bool) -> Signer:
    """The person holding the typed email: never changed by the form."""
    # Only the id and the identity keys are needed: nothing about the person changes.
    person = Person(pk=row[0], email=row[1], mobile=row[2])
    if not sig.mobile:
        use = MOBILE_UNUSABLE
    elif person.mobile == sig.mobile:
        use = MOBILE_OWN
    elif not person.mobile and not mobile_held:
        use = MOBILE_ADOPTABLE
    else:
        use = MOBILE_UNUSABLE
    return Signer(person=person, created=False, mobile_use=use)


def match_or_create_person(sig: SignatureInput, *, source_label: str) -> Signer:
    """The person a public form's signer is. A public form matches by normalised email
    only: the typed mobile never selects anyone.

    * Email and mobile unknown: a new non-member (in the unit covering the postcode) with
      both.
    * Email unknown, mobile held by someone: a new non-member with the email and no mobile
      (the typed email is never dropped, the mobile's holder is never touched).
    * Email known: that person, never changed. The typed mobile is theirs when it is
      their stored one, adoptable when they have none and nobody holds it (it becomes
      theirs only when both a code to it and their own inbox confirm it), else unusable.

    Call inside a transaction; an IntegrityError means the match vanished in between
    (erased or merged): retry. Most signers are new, so the insert comes first and the
    match is read only when it meets a unique email or mobile (one statement for a new
    signer; one SELECT more for a known one, and an INSERT more for a new email whose
    mobile is held)."""
    person = _new_person(sig, source_label, with_mobile=True)
    if hotpath.insert_unless_conflict(person):
        use = MOBILE_OWN if sig.mobile else MOBILE_UNUSABLE
        return Signer(person=person, created=True, mobile_use=use)
    if sig.mobile:
        rows = hotpath.fetch(
            hotpath.select_sql("match", _match_by_email_or_mobile), [sig.email, sig.mobile]
        )
    else:
        rows = hotpath.fetch(hotpath.select_sql("match_email", _match_by_email), [sig.email])
    by_email = next((r for r in rows if r[1] == sig.email), None)
    if by_email is not None:
        held = any(r[2] == sig.mobile for r in rows if r is not by_email)
        return _known(by_email, sig, held)
    if not rows:
        raise IntegrityError("the person holding this email or mobile is gone: retry")
    # Nobody holds the email, someone else the mobile: a new person without the mobile.
    person = _new_person(sig, source_label, with_mobile=False)
    if hotpath.insert_unless_conflict(person):
        return Signer(person=person, created=True, mobile_use=MOBILE_UNUSABLE)
    rows = hotpath.fetch(hotpath.select_sql("match_email", _match_by_email), [sig.email])
    if not rows:
        raise IntegrityError("the person holding this email is gone: retry")
    return _known(rows[0], sig, mobile_held=True)


SMS_CHOICES = frozenset(("sms", "rapid_response"))


def wants_sms(sig: SignatureInput) -> bool:
    """The signer gave a mobile and ticked an SMS choice: the thank-you page shows the
    code form (whatever was recorded: the answer never tells)."""
    return bool(sig.mobile) and bool(SMS_CHOICES & sig.consents)


def request_consents(sig: SignatureInput, *, signer: Signer, source_label: str) -> str:
    """Record the ticked consent choices of a public form as pending and send their
    confirmations after commit. Call inside the signature's transaction. Returns the
    code form's ticket: a random value for every signature that ticked an SMS choice with
    a mobile ("" otherwise), whose hash names the pending SMS consents it may confirm.

    SMS consents are recorded only for the person's own mobile (the code confirms them)
    or an adoptable one (pending_mobile: it becomes the person's only when both the code
    sent to it and a link sent to their own inbox confirm it; a stranger's typing never
    does)."""
    ticket, ticket_hash = new_code_ticket() if wants_sms(sig) else ("", "")
    if not sig.consents:
        return ticket
    pending = consents_request(
        person=signer.person,
        choices=sorted(sig.consents),
        language=sig.language,
        source=source_label,
        has_mobile=signer.mobile_use in (MOBILE_OWN, MOBILE_ADOPTABLE),
        pending_mobile=(sig.mobile or "") if signer.mobile_use == MOBILE_ADOPTABLE else "",
        code_ticket=ticket_hash,
    )
    if pending:
        ids = [c.pk for c in pending]
        language = sig.language
        transaction.on_commit(lambda: send_consent_confirmations.enqueue(ids, language))
    return ticket


def sign(
    *,
    action: Action,
    signature: SignatureInput,
    source: str,
    channel_id: int | None = None,
    tracking_token: str = "",
    in_transaction: Callable[[], None] | None = None,
    utm_source: str = "",
    utm_medium: str = "",
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
    utm = (clean_utm(utm_source), clean_utm(utm_medium))
    for attempt in range(3):
        try:
            result = _sign_once(action, signature, source, channel_id, token, in_transaction, utm)
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
    utm: tuple[str, str] = ("", ""),
) -> SignResult:
    with transaction.atomic():
        if in_transaction is not None:
            in_transaction()
        signer = match_or_create_person(sig, source_label=f"action:{action.slug}")
        # A repeat is one participation: the unique (person, action) constraint turns the
        # insert into nothing, also for two racing repeats.
        participation = Participation(
            person_id=signer.person.pk,
            action_id=action.pk,
            source=source,
            channel_id=channel_id,
            tracking_token=tracking_token,
            utm_source=utm[0],
            utm_medium=utm[1],
            age_bracket=_age_bracket_for(sig),
            letter_text=sig.letter_text if action.is_letter else "",
            named=sig.named,
        )
        new_participation = hotpath.insert_unless_conflict(participation)
        ticket = request_consents(sig, signer=signer, source_label=f"action:{action.slug}")
    return SignResult(
        action_id=action.pk,
        unit_id=_home_unit_id(sig.postcode),
        ticket=ticket,
        person_id=signer.person.pk,
        new_participation=new_participation,
    )
