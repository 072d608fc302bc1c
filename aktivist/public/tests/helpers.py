"""Shared helpers for the public pages' tests: a valid form post and the thank-you token."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aktivist.campaigns.models import Action
from aktivist.public.forms import form_token


def form_data(action: Action, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "form_token": form_token(action.pk),
        "first_name": "Amir",
        "last_name": "Haddad",
        "email": "amir.haddad@example.org",
        "mobile": "",
        "postcode": "211 45",
        "birth_year": str(timezone.localdate().year - 17),
        "age_bracket": "",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_signature(
    client: Client, action: Action, *, embed: bool = False, query: str = "", **overrides: Any
) -> Any:
    name = "public:action_embed" if embed else "public:action"
    url = reverse(name, args=[action.slug]) + (f"?{query}" if query else "")
    return client.post(url, form_data(action, **overrides), REMOTE_ADDR="198.51.100.7")


def thanks_token_of(response: Any) -> str:
    return parse_qs(urlparse(response["Location"]).query)["t"][0]
