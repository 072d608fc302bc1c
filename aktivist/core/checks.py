"""System checks run at start-up (``manage.py check``, ``runserver``, workers)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from aktivist.core.email_addresses import from_address_problem


@register("email")
def check_email_addresses(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The From and Return-Path settings must hold a usable address. A display name with
    commas or any letters, unquoted, is fine: everything before ``<`` is the name."""
    errors = []
    for name, required in (("DEFAULT_FROM_EMAIL", True), ("EMAIL_RETURN_PATH", False)):
        value = getattr(settings, name, "") or ""
        if not value and not required:
            continue
        problem = from_address_problem(value)
        if problem:
            errors.append(
                Error(
                    f"{name} has no usable address ({problem}).",
                    hint=(
                        f"Set {name} to an address, alone or after a name: "
                        '"Organisation name <noreply@example.org>".'
                    ),
                    id="aktivist.E001" if name == "DEFAULT_FROM_EMAIL" else "aktivist.E002",
                )
            )
    return errors
