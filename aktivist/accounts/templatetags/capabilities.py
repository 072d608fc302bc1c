"""``{% load capabilities %}{% if request.user|can:"urgent.send" %}``: the capability table
(``accounts/capabilities.py``) in templates, so that no template names an access role."""

from __future__ import annotations

from typing import Any

from django import template

from aktivist.accounts import capabilities

register = template.Library()


@register.filter(name="can")
def can(user: Any, capability: str) -> bool:
    return capabilities.can(user, capability)
