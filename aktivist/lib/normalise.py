"""Normalisers shared by forms, services, imports and search: one definition of sameness."""

from __future__ import annotations

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
