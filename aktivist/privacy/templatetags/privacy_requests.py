"""``{% person_requests panel person as found %}``: the person a page shows (the person
page's panel passes ``panel.person``, other pages ``person``) and their open data-subject
requests, for ``privacy/requests/_person_requests.html``."""

from __future__ import annotations

from typing import Any

from django import template

from aktivist.privacy.requests import open_requests_about

register = template.Library()


@register.simple_tag
def person_requests(panel: Any = None, person: Any = None) -> dict[str, Any]:
    subject = getattr(panel, "person", None) or (
        panel.get("person") if isinstance(panel, dict) else None
    )
    subject = subject or person or None
    return {
        "person": subject,
        "requests": list(open_requests_about(subject)) if subject else [],
    }
