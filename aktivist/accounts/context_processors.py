from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from aktivist.accounts.access import scope_for


def access(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    # The sent-messages page exists only outside production (staff.views.sent_messages).
    return {"viewer_scope": scope_for(user), "has_sent_messages_page": not settings.PRODUCTION}
