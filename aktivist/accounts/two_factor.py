"""Two-factor state of an account: its authenticator app (TOTP) and its recovery codes
(django-otp's static device: each code works once)."""

from __future__ import annotations

import re
from typing import Any

from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "Recovery codes"
# StaticToken.random_token(): eight lower-case base32 characters.
RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")


def has_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def recovery_device(user: Any) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def normalise_recovery_code(value: str) -> str:
    """ "ABCD-EFGH", "abcd efgh" → "abcdefgh"."""
    return re.sub(r"[\s\-]+", "", value or "").lower()


def display_recovery_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"
