"""Shared helpers for the public event pages' tests: a valid sign-up post and its answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from django.test import Client, TestCase
from django.urls import reverse

from aktivist.public.forms import form_token
from aktivist.public.forms_events import EventThanks, event_form_key, read_event_thanks_token


def sign_up_data(event: Any, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "form_token": form_token(event_form_key(event.pk)),
        "first_name": "Amir",
        "last_name": "Haddad",
        "email": "amir.haddad@example.org",
        "mobile": "",
        "postcode": "211 45",
        "birth_year": "1990",
        "age_bracket": "",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_sign_up(client: Client, event: Any, *, lang: str = "en", **overrides: Any) -> Any:
    """Post the form; what the sign-up does after commit (its emails) runs as it would
    outside a test's transaction."""
    url = reverse("public:event", args=[event.slug]) + f"?lang={lang}"
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, sign_up_data(event, **overrides), REMOTE_ADDR="198.51.100.9")


def thanks_token_of(response: Any) -> str:
    return parse_qs(urlparse(response["Location"]).query)["t"][0]


def answer_of(response: Any, event: Any) -> EventThanks | None:
    return read_event_thanks_token(thanks_token_of(response), event.pk)
