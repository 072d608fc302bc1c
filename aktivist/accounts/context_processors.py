from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from aktivist.accounts.access import scope_for


def access(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"viewer_scope": scope_for(user)}
