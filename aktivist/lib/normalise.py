"""Normalisers shared by forms, services, imports and search: one definition of sameness."""

from __future__ import annotations

import functools
import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _


def normalise_email(value: str | None) -> str | None:
    """Lower-case and trim; empty becomes None. Does not validate."""
    if value is None:
        return None
    cleaned = value.strip().lower()
    return cleaned or None


def clean_email(value: str | None) -> str | None:
    email = normalise_email(value)
    if email is None:
        return None
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("Enter a valid email address."), code="invalid_email") from None
    return email


_DIGITS = re.compile(r"\d")


def _parse_phone(raw: str) -> phonenumbers.PhoneNumber | None:
    text = raw.strip()
    if not text:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    region = getattr(settings, "PHONE_DEFAULT_REGION", "SE")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number):
        return number
    # Excel drops the leading 0 of a Swedish number stored as a number: 701234567.
    digits = "".join(_DIGITS.findall(text))
    if not text.startswith("+") and digits and not digits.startswith("0"):
        try:
            number = phonenumbers.parse("0" + digits, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            return number
    # An international number written without "+" or "00" (61407698210, as Action Network
    # exports them): taken only when it is a valid number of its country.
    if not text.startswith(("+", "0")) and len(digits) >= 10:
        try:
            number = phonenumbers.parse("+" + digits)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            return number
    return None


def normalise_phone(value: str | None) -> str | None:
    """E.164 for a valid number, None for empty or invalid input."""
    if value is None:
        return None
    number = _parse_phone(str(value))
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_phone(value: str | None) -> str | None:
    """E.164, None for empty input, ValidationError for a number that is not valid."""
    if value is None or not str(value).strip():
        return None
    normalised = normalise_phone(value)
    if normalised is None:
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    return normalised


def is_mobile(e164: str) -> bool:
    number = phonenumbers.parse(e164)
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def format_phone(e164: str | None) -> str:
    """Readable national format for Swedish numbers, international for others."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == settings.PHONE_DEFAULT_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


def normalise_postcode(value: str | None) -> str:
    """Swedish postcodes as five digits without the space: '211 45' -> '21145'."""
    if not value:
        return ""
    return "".join(ch for ch in value if ch.isalnum()).upper()


def normalise_name(value: str | None) -> str:
    return " ".join((value or "").split()).lower()


# Fast paths for the bulk paths (imports). Each gives exactly what the function above it in
# this module gives, only cheaper for the common case; the tests prove it on generated input.


# Swedish mobiles as people and spreadsheets write them: 0701234567, 070-123 45 67,
# +46 70 123 45 67, 0046701234567, 46701234567 and 701234567 (Excel dropped the 0). The
# national number pattern is phonenumbers' own, so a number it calls a mobile is one here.
def _se_mobile_pattern() -> str:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("SE")
    pattern = metadata.mobile.national_number_pattern if metadata and metadata.mobile else None
    return pattern or r"7[02369]\d{7}"


_SE_MOBILE_FAST = re.compile(r"(?:\+46|0046|46|0)?(" + _se_mobile_pattern() + ")", re.ASCII)
_PHONE_SEPARATORS = str.maketrans("", "", " -")
_PHONE_FIRST = frozenset("+0123456789")
_PHONE_LAST = frozenset("0123456789")


def swedish_mobile_e164(value: str) -> str | None:
    """E.164 of a Swedish mobile written in one of the common ways (with the default region
    SE), else None ("not decided here"). Equal to normalise_phone whenever it is not None."""
    text = value.strip()
    if not text or text[0] not in _PHONE_FIRST or text[-1] not in _PHONE_LAST:
        return None
    match = _SE_MOBILE_FAST.fullmatch(text.translate(_PHONE_SEPARATORS))
    return None if match is None else "+46" + match[1]


def se_mobile_fast(value: str) -> str | None:
    """swedish_mobile_e164 when the default region is Sweden, else None."""
    if getattr(settings, "PHONE_DEFAULT_REGION", "SE") != "SE":
        return None
    return swedish_mobile_e164(value)


def normalise_phone_fast(value: str | None) -> str | None:
    """normalise_phone, with a regex shortcut for the common Swedish mobile formats."""
    if value is None:
        return None
    return se_mobile_fast(str(value)) or normalise_phone(value)


@functools.lru_cache(maxsize=8192)
def _email_domain_is_valid(domain: str) -> bool:
    return domain in validate_email.domain_allowlist or bool(
        validate_email.validate_domain_part(domain)
    )


@functools.cache
def _email_user_regex() -> re.Pattern[str]:
    # validate_email's own pattern, compiled once instead of reached through a lazy object.
    lazy = validate_email.user_regex
    return re.compile(lazy.pattern, lazy.flags)


def is_valid_email(email: str) -> bool:
    """Django's validate_email verdict on an already normalised address, without the
    exception and with the (costly) domain check cached: bulk paths see few domains."""
    if not email or "@" not in email or len(email) > 320:
        return False
    user_part, domain_part = email.rsplit("@", 1)
    return bool(_email_user_regex().match(user_part)) and _email_domain_is_valid(domain_part)


# --- Campaign tags from a link (utm_source, utm_medium) -----------------------------------

UTM_MAX = 100
_FORMULA_START = "=+-@"


def clean_utm(value: object) -> str:
    """A link's ``utm_source``/``utm_medium`` as kept beside a signature: printable characters
    only (control, format and unassigned characters dropped), white space collapsed and
    trimmed, no leading formula characters (``= + - @``: the value reaches spreadsheets),
    at most ``UTM_MAX`` characters. Anything else, or nothing usable, becomes ""."""
    if not isinstance(value, str):
        return ""
    text = "".join(ch if ch.isprintable() else " " for ch in value[: UTM_MAX * 10])
    text = " ".join(text.split()).lstrip(_FORMULA_START + " ")
    return text[:UTM_MAX].rstrip()


def validate_printable(value: str) -> None:
    """Refuse characters that are not printable (control characters, line breaks)."""
    if any(not ch.isprintable() for ch in value):
        raise ValidationError(_("Use printable characters only."), code="not_printable")
