"""``{% open_requests_for person as requests %}``: a person's open data-subject requests, for
the person page's privacy panel (``privacy/requests/_person_requests.html``)."""

from __future__ import annotations

from typing import Any

from django import template

from aktivist.privacy.requests import open_requests_about

register = template.Library()


@register.simple_tag
def open_requests_for(person: Any) -> list[Any]:
    return list(open_requests_about(person)) if person is not None else []
