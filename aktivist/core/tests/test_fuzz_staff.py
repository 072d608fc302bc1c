"""The reliability suite's fuzz of the main staff forms, signed in as secretariat staff with a
verified second factor: a person (new and edited), a campaign and its action (new and
edited), an event, a mobilization and its message, the segment builder (and its htmx count)
and an import's column mapping. Each example reads the form the page really shows and posts
it with one to three fields hostile, repeated or left out: a form with its errors, a 4xx or
a redirect, never a 5xx."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from aktivist.campaigns.tests.factories import ActionFactory, CampaignFactory
from aktivist.conftest import Personas, World, login
from aktivist.core.tests import fuzz
from aktivist.imports.models import ImportBatch
from aktivist.mobilization.tests.factories import MobilizationFactory
from aktivist.programmes.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@dataclass
class Desk:
    client: Client
    objects: dict[str, int]  # the pk each page edits


@pytest.fixture
def desk(world: World, personas: Personas, settings: Any, tmp_path: Path) -> Desk:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    client = login(fuzz.client(), personas.staff)
    campaign = CampaignFactory(unit=world.national)
    action = ActionFactory(campaign=campaign, slug="fuzz-staff")
    event = EventFactory(unit=world.group_a1)
    mobilization = MobilizationFactory()
    csv = "Förnamn;Efternamn;E-post;Mobil;Postnr\r\nÅsa;Öberg;asa@example.org;0701112233;21145\r\n"
    with TestCase.captureOnCommitCallbacks(execute=True):  # the file is read in a task
        response = client.post(
            reverse("imports:upload"),
            {"file": SimpleUploadedFile("lista.csv", csv.encode("cp1252")), "kind": "people"},
        )
    assert response.status_code == 302, response.content[:2000]
    batch = ImportBatch.objects.order_by("-pk").first()
    assert batch is not None
    return Desk(
        client=client,
        objects={
            "person": world.member_a1.pk,
            "campaign": campaign.pk,
            "action": action.pk,
            "event": event.pk,
            "mobilization": mobilization.pk,
            "message": mobilization.message_id,
            "batch": batch.pk,
        },
    )


# (the page with the form, what it edits, where its form may post): the form of the page is
# posted to its own address or, for the segment builder, to its htmx addresses too.
FORMS: list[tuple[str, str | None, tuple[str, ...]]] = [
    ("people:create", None, ()),
    ("people:edit", "person", ()),
    ("campaigns:create", None, ()),
    ("campaigns:edit", "campaign", ()),
    ("campaigns:action_create", "campaign", ()),
    ("campaigns:action_edit", "action", ()),
    ("programmes:event_create", None, ()),
    ("programmes:event_edit", "event", ()),
    ("mobilization:create", None, ()),
    ("mobilization:edit", "mobilization", ()),
    ("mobilization:message_create", None, ("mobilization:message_preview",)),
    ("mobilization:message_edit", "message", ()),
    ("segments:create", None, ("segments:builder", "segments:count")),
    ("imports:mapping", "batch", ()),
]


def _url(desk: Desk, name: str, what: str | None) -> str:
    return reverse(name, args=[desk.objects[what]] if what else [])


def _main_form(html: bytes, path: str) -> fuzz.PageForm | None:
    """The page's own form: the posting form with the most fields (not the logout button)."""
    forms = [f for f in fuzz.forms_on(html) if f.method == "post" and f.action in ("", path)]
    return max(forms, key=lambda f: len(f.fields), default=None)


@fuzz.budget(150)
@given(data=st.data(), which=st.integers(0, len(FORMS) - 1), htmx=st.booleans())
def test_the_main_staff_forms_answer_any_input_without_a_server_error(
    desk: Desk, data: st.DataObject, which: int, htmx: bool
) -> None:
    name, what, also = FORMS[which]
    path = _url(desk, name, what)
    page = desk.client.get(path)
    assert page.status_code == 200, (name, page.status_code)
    form = _main_form(page.content, path)
    assert form is not None, f"no form on {name}"
    body = data.draw(fuzz.form_body(form), label="body")
    target = data.draw(st.sampled_from([path, *(reverse(n) for n in also)]), label="target")
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = fuzz.request(desk.client, "POST", target, body=body, headers=headers)
    fuzz.assert_clean(response)


def test_every_staff_form_of_the_fuzz_is_found_on_its_page(desk: Desk) -> None:
    """The fuzz's own check: each page shows the form the fuzz bends, with its fields."""
    for name, what, _also in FORMS:
        path = _url(desk, name, what)
        form = _main_form(desk.client.get(path).content, path)
        assert form is not None and len(form.fields) >= 2, name
