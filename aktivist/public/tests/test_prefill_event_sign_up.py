"""A signer who goes on from an action's thank-you page to an event sign-up finds the form
filled in by the browser that signed (a short-lived signed cookie, aktivist.public.prefill),
never through an address: no name, email or mobile in any Location or link."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.programmes.models import Programme, Registration
from aktivist.programmes.tests.factories import EventFactory, ProgrammeFactory
from aktivist.public import prefill
from aktivist.public.tests.event_helpers import post_sign_up
from aktivist.public.tests.helpers import post_signature

pytestmark = pytest.mark.django_db

PERSONAL = ("amir", "haddad", "example.org", "070", "1234567", "211")
URL_ATTRS = re.compile(r'(?:href|src|action|formaction)="([^"]*)"', re.IGNORECASE)


def _no_personal_data(url: str) -> None:
    text = unquote(unquote(url)).lower().replace(" ", "").replace("-", "")
    for part in PERSONAL:
        assert part not in text, url


def _sign(client: Client, action, **overrides):
    response = post_signature(client, action, query="lang=en", mobile="070-123 45 67", **overrides)
    assert response.status_code == 303
    return response


@pytest.fixture
def event(world):
    return EventFactory(
        title="Introduction evening",
        slug="intro-evening",
        unit=world.national,
        programme=ProgrammeFactory(kind=Programme.Kind.RECRUITMENT_MEETING),
        starts_at=timezone.now() + dt.timedelta(days=5),
    )


def test_the_signing_browser_finds_the_event_form_filled_in(client, world, event):
    signed = _sign(client, ActionFactory())
    _no_personal_data(signed["Location"])
    cookie = signed.cookies[prefill.COOKIE]
    assert cookie["httponly"] and cookie["path"] == "/e/" and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == prefill.PREFILL_MAX_AGE
    thanks = client.get(signed["Location"])
    html = thanks.content.decode()
    links = URL_ATTRS.findall(html)
    event_links = [url for url in links if url.startswith("/e/intro-evening/")]
    assert event_links, "the thank-you page offers the event"
    for url in links:
        _no_personal_data(url)
    page = client.get(event_links[0].replace("&amp;", "&"))
    form = page.content.decode()
    assert 'name="first_name" value="Amir"' in form
    assert 'name="last_name" value="Haddad"' in form
    assert 'value="amir.haddad@example.org"' in form
    assert 'value="070-123 45 67"' in form
    assert 'value="211 45"' in form
    assert not re.search(r'<input[^>]*name="consents"[^>]*checked', form)  # asked again
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    for url in URL_ATTRS.findall(form):
        _no_personal_data(url)


def test_another_browser_gets_an_empty_form(client, world, event):
    _sign(client, ActionFactory())
    other = Client().get("/e/intro-evening/?lang=en")
    html = other.content.decode()
    assert 'name="first_name"' in html
    assert "Amir" not in html and "amir.haddad@example.org" not in html
    assert other.cookies == {}
    assert "private" not in other.get("Cache-Control", "")


def test_a_changed_or_old_cookie_fills_nothing(client, world, event):
    with freeze_time(timezone.now()) as frozen:
        _sign(client, ActionFactory())
        frozen.tick(dt.timedelta(seconds=prefill.PREFILL_MAX_AGE + 60))
        html = client.get("/e/intro-evening/?lang=en").content.decode()
        assert "amir.haddad@example.org" not in html
    forged = Client()
    forged.cookies[prefill.COOKIE] = '{"email":"mallory@example.net"}:forged:signature'
    assert "mallory@example.net" not in forged.get("/e/intro-evening/").content.decode()


def test_an_embedded_signature_sets_no_cookie(client, world, event):
    response = post_signature(client, ActionFactory(), embed=True)
    assert response.status_code == 303
    assert response.cookies == {}


def test_signing_up_for_the_event_forgets_what_was_typed(client, world, event):
    _sign(client, ActionFactory())
    done = post_sign_up(client, event)
    assert done.status_code == 303
    _no_personal_data(done["Location"])
    assert Registration.objects.filter(event=event).count() == 1
    assert done.cookies[prefill.COOKIE].value == ""
    assert done.cookies[prefill.COOKIE]["path"] == "/e/"
    assert "amir" not in client.get("/e/intro-evening/?lang=en").content.decode().lower()
