"""django-axes counts failed logins per (email, IP address).

Our login form posts the email as ``username``; axes would look for the model's
USERNAME_FIELD (``email``) and count every failure under an empty name. This callable
(settings.AXES_USERNAME_CALLABLE) finds the email either way and lower-cases it, so
"Maja@Example.org" and "maja@example.org" share one counter on every login form,
including the Django admin's.
"""

from __future__ import annotations

from typing import Any


def axes_username(request: Any, credentials: dict[str, Any] | None = None) -> str | None:
    value: Any = None
    if credentials:
        value = credentials.get("username") or credentials.get("email")
    if value is None and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get("username") or data.get("email")
    if not value:
        return None
    return str(value).strip().lower()
