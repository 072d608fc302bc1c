from __future__ import annotations

from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice


def has_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()
