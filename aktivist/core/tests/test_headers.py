"""Headers on pages with personal data (aktivist/core/middleware.py): ``Cache-Control:
no-store`` on everything a logged-in account gets outside the public pages and on the public
pages that show a person their own data, not on plain public pages; the Content Security
Policy on the Django admin too, which still works with it (nothing inline)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.core.middleware import CSP
from aktivist.mobilization.tokens import preference_token
from aktivist.people.models import Consent
from aktivist.people.tests.factories import ConsentFactory, PersonFactory
from aktivist.programmes.tests.factories import EventFactory
from aktivist.public.tests.helpers import post_signature

pytestmark = pytest.mark.django_db


def no_store(response: Any) -> bool:
    return "no-store" in response.get("Cache-Control", "")


# --- Cache-Control -------------------------------------------------------------------


def test_staff_pages_with_personal_data_are_never_stored(
    client_for: Any, personas: Any, world: Any
) -> None:
    staff = client_for(personas.staff)
    event = EventFactory(unit=world.group_a1)
    pages = {
        "person page": staff.get(reverse("people:detail", args=[world.member_a1.pk])),
        "people list": staff.get("/people/?q=Malm"),
        "htmx partial": staff.get("/people/?q=Malm", HTTP_HX_REQUEST="true"),
        "registrations CSV": staff.get(reverse("programmes:registrations_csv", args=[event.pk])),
        "red thread CSV": staff.get(
            "/programmes/reports/red-thread.csv", {"start": "2024-09-01", "end": "2024-12-31"}
        ),
        "start page": staff.get("/"),
        "a redirect after a form": staff.post(reverse("people:create"), {}),
    }
    for name, response in pages.items():
        assert response.status_code in {200, 302}, (name, response.status_code)
        assert no_store(response), (name, response.get("Cache-Control"))
        assert "private" in response["Cache-Control"], name
    assert pages["htmx partial"]["Content-Type"].startswith("text/html")
    assert pages["red thread CSV"]["Content-Type"].startswith("text/csv")


def test_the_thank_you_page_and_the_preference_centre_are_never_stored(client: Client) -> None:
    action = ActionFactory()
    signed = post_signature(client, action)
    assert signed.status_code == 303
    thanks = client.get(signed["Location"])
    assert thanks.status_code == 200
    assert no_store(thanks), thanks.get("Cache-Control")

    person = PersonFactory(email="amir@example.org")
    ConsentFactory(
        person=person,
        channel=Consent.Channel.EMAIL,
        purpose=Consent.Purpose.CAMPAIGNS,
        status=Consent.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    preferences = client.get(reverse("public:preferences", args=[preference_token(person.pk)]))
    assert preferences.status_code == 200
    assert no_store(preferences), preferences.get("Cache-Control")


def test_plain_public_pages_keep_their_own_caching(client: Client, client_for: Any) -> None:
    action = ActionFactory()
    anonymous = client.get(reverse("public:action", args=[action.slug]))
    assert anonymous.status_code == 200
    assert not no_store(anonymous)
    count = client.get(reverse("public:action_count", args=[action.slug]))
    assert count["Cache-Control"].startswith("public, max-age=")
    # A member of staff opening the public page gets the same public page.
    from aktivist.accounts.models import User
    from aktivist.accounts.tests.factories import UserFactory

    viewer = client_for(UserFactory(access_role=User.AccessRole.BOARD))
    assert not no_store(viewer.get(reverse("public:action", args=[action.slug])))


# --- The Django admin under the Content Security Policy ----------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+=\"", re.I)
JAVASCRIPT_URL = re.compile(r"href=\"javascript:", re.I)


def inline_code(html: str) -> list[str]:
    found: list[str] = []
    for pattern in (INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER, JAVASCRIPT_URL):
        found += [m.group(0) for m in pattern.finditer(html)]
    return found


# django-rq's dashboard keeps a few inline snippets the policy blocks, harmlessly: its
# ``<style>`` blocks only set column widths, and its inline ``$(...).actions()`` calls are
# left over from older Django (admin/js/actions.js initialises itself since Django 4.1).
THIRD_PARTY_INLINE = ("/admin/django_rq/",)


def admin_pages() -> list[str]:
    pages = ["/admin/", "/admin/password_change/"]
    for model in admin.site._registry:
        meta = model._meta
        for view in ("changelist", "add"):
            try:
                pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}"))
            except NoReverseMatch:
                pass
    return pages


def test_every_admin_page_carries_the_csp_and_needs_nothing_inline(
    client_for: Any, personas: Any
) -> None:
    admin_client = client_for(personas.admin)
    pages = admin_pages()
    assert len(pages) > 10
    checked = 0
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code in {200, 403}, (url, response.status_code)
        assert response["Content-Security-Policy"] == CSP, url
        assert no_store(response), url
        if response.status_code == 200 and not url.startswith(THIRD_PARTY_INLINE):
            checked += 1
            html = response.content.decode()
            assert inline_code(html) == [], url
    assert checked > 10


def test_an_admin_change_page_renders_under_the_csp_with_its_scripts_as_files(
    client_for: Any, personas: Any
) -> None:
    admin_client = client_for(personas.admin)
    url = reverse("admin:accounts_user_change", args=[personas.staff.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CSP
    html = response.content.decode()
    assert inline_code(html) == []
    # The admin's scripts read their settings from data attributes of files it loads.
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html)
    assert scripts and all(
        src.startswith("/static/") or src.startswith("/admin/") for src in scripts
    )
    assert all(static_ok(admin_client, src) for src in scripts if src.startswith("/static/"))


def static_ok(client: Client, src: str) -> bool:
    return client.get(src).status_code == 200
