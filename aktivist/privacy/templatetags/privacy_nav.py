"""``{% privacy_nav as entries %}``: the privacy section of the main navigation for the
viewer (``aktivist/privacy/nav.py``)."""

from __future__ import annotations

from typing import Any

from django import template

from aktivist.privacy.nav import entries_for

register = template.Library()


@register.simple_tag(takes_context=True)
def privacy_nav(context: Any) -> list[tuple[str, str, str]]:
    request = context.get("request")
    if request is None:
        return []
    return entries_for(request.user)
