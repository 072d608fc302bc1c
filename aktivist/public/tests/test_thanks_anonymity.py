"""What a visitor gets back from a public form says nothing about whom they typed: the same
redirect, thank-you page and JSON answer for a new signer, a known email, a known mobile
and a repeat; thank-you tokens carry no postcode and no record's id, and the code form
finds its consents by a random ticket (issue 13)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import signing
from django.test import TestCase
from django.urls import reverse
from icalendar import Calendar

from aktivist.campaigns.channels import channel_create
from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.people.models import Consent, Person
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes.models import Registration
from aktivist.programmes.tests.factories import EventFactory
from aktivist.public.tests.event_helpers import post_sign_up
from aktivist.public.tests.helpers import post_signature, thanks_token_of

pytestmark = pytest.mark.django_db

HOLDER_MOBILE = "+46709990001"
# Every kind of visitor ticks SMS with a mobile: the code form is part of the answer.
CASES = {
    "new": {"email": "new@example.org", "mobile": "070-111 11 11"},
    "repeat": {"email": "new@example.org", "mobile": "070-111 11 11"},
    "known_email": {"email": "karin@example.org", "mobile": "070-222 22 22"},
    "known_mobile": {"email": "other@example.org", "mobile": "070-999 00 01"},
}
TOKEN = re.compile(r"([?;&])t=[^&\"]+")
FIGURE = re.compile(r"<strong>[\d\s\u00a0,.]+</strong>")


@pytest.fixture
def people(world: Any) -> dict[str, Any]:
    return {
        "holder": PersonFactory(
            first_name="Petra", email="petra@example.org", mobile=HOLDER_MOBILE
        ),
        "karin": PersonFactory(first_name="Karin", email="karin@example.org", mobile=None),
    }


def _sign(client: Any, action: Any, case: str) -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = post_signature(client, action, query="lang=en", consents=["sms"], **CASES[case])
    assert response.status_code == 303
    return response


def _page(client: Any, response: Any, slug: str = "") -> str:
    html = client.get(response["Location"]).content.decode()
    html = FIGURE.sub("<strong>N</strong>", TOKEN.sub(r"\1t=T", html))
    return html.replace(slug, "SLUG") if slug else html


def test_the_redirect_is_the_same_for_new_known_email_known_mobile_and_repeat(
    client, world, people
):
    action = ActionFactory()
    answers = {case: _sign(client, action, case) for case in CASES}
    shapes = {case: TOKEN.sub(r"\1t=T", r["Location"]) for case, r in answers.items()}
    assert len(set(shapes.values())) == 1
    lengths = {case: len(r["Location"]) for case, r in answers.items()}
    assert len(set(lengths.values())) == 1
    payloads = {
        case: signing.loads(thanks_token_of(r), salt="aktivist.public.thanks")
        for case, r in answers.items()
    }
    assert {tuple(sorted(p)) for p in payloads.values()} == {("a", "k", "u")}
    # The action and the unit covering the typed postcode, the same for everyone.
    assert {(p["a"], p["u"]) for p in payloads.values()} == {(action.pk, world.group_a1.pk)}
    assert len({p["k"] for p in payloads.values()}) == 4  # a fresh random ticket each time


def test_the_thank_you_page_is_the_same_for_new_known_email_known_mobile_and_repeat(client, people):
    pages = {}
    for case in CASES:
        twin = ActionFactory(title_en="Same", slug=f"twin-{case.replace('_', '-')}")
        if case == "repeat":
            _sign(client, twin, "new")  # the first signature; the repeat's answer counts
        pages[case] = _page(client, _sign(client, twin, case), twin.slug)
    assert 'name="code"' in pages["new"]
    assert len(set(pages.values())) == 1


def test_the_thank_you_token_holds_no_postcode_and_no_record_id(client, people):
    action = ActionFactory()
    response = _sign(client, action, "known_email")
    payload = signing.loads(thanks_token_of(response), salt="aktivist.public.thanks")
    karin = people["karin"]
    consent = Consent.objects.get(person=karin, channel=Consent.Channel.SMS)
    assert set(payload) == {"a", "u", "k"}
    assert "21145" not in json.dumps(payload) and "211 45" not in json.dumps(payload)
    assert payload["a"] == action.pk  # the page's own action; the unit is a unit's id
    assert payload["k"] not in (str(karin.pk), str(consent.pk))
    assert consent.code_ticket and consent.code_ticket != payload["k"]  # only its hash


def _code(sms_outbox: list[tuple[str, str]], to: str) -> str:
    body = [b for number, b in sms_outbox if number == to][-1]
    return re.search(r"\d{6}", body).group(0)


def test_the_code_form_confirms_by_the_ticket_and_a_wrong_ticket_confirms_nothing(
    client, people, sms_outbox
):
    action = ActionFactory()
    url = _sign(client, action, "new")["Location"]
    code = _code(sms_outbox, "+46701111111")
    token = thanks_token_of(_sign(client, action, "known_mobile"))  # another signer's ticket
    forged = TOKEN.sub(lambda m: f"{m.group(1)}t={token}", url)
    wrong = client.post(forged, {"code": code})
    assert "That code is wrong or has expired." in wrong.content.decode()
    consent = Consent.objects.get(person__email="new@example.org", channel=Consent.Channel.SMS)
    assert consent.status == Consent.Status.PENDING
    right = client.post(url, {"code": code})
    assert "Thank you, your mobile number is confirmed." in right.content.decode()
    consent.refresh_from_db()
    assert consent.status == Consent.Status.CONFIRMED


def test_a_right_code_that_waits_for_the_inbox_answers_like_a_confirmed_one(
    client, people, sms_outbox
):
    new_twin = ActionFactory(title_en="Same", slug="twin-new")
    known_twin = ActionFactory(title_en="Same", slug="twin-known")
    new_url = _sign(client, new_twin, "new")["Location"]
    known_url = _sign(client, known_twin, "known_email")["Location"]
    new = client.post(new_url, {"code": _code(sms_outbox, "+46701111111")})
    known = client.post(known_url, {"code": _code(sms_outbox, "+46702222222")})

    def page(response: Any, slug: str) -> str:
        html = TOKEN.sub(r"\1t=T", response.content.decode()).replace(slug, "SLUG")
        return FIGURE.sub("<strong>N</strong>", html)

    assert "Thank you, your mobile number is confirmed." in known.content.decode()
    assert page(new, new_twin.slug) == page(known, known_twin.slug)
    people["karin"].refresh_from_db()
    assert people["karin"].mobile is None  # proved, but not theirs until the inbox says so


def test_the_channels_json_answer_is_the_same_for_new_known_email_known_mobile_and_repeat(
    client, people
):
    from aktivist.public.api import forget_action_cache

    forget_action_cache()
    action = ActionFactory()
    _channel, key = channel_create(actor=None, name="Webbplatsen")
    url = reverse("public:api_sign", args=[action.slug])
    answers = []
    for case in CASES:
        body = {
            "first_name": "Amir",
            "email": CASES[case]["email"],
            "mobile": CASES[case]["mobile"],
            "postcode": "21145",
            "birth_year": 1990,
            "consents": ["sms"],
        }
        response = client.post(
            url,
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        answers.append((response.status_code, response.content, response.get("Location")))
    assert len(set(answers)) == 1
    assert answers[0][0] == 201
    assert not Person.objects.filter(pk=people["holder"].pk, participations__isnull=False).exists()


# --- Events -------------------------------------------------------------------------------


def test_the_event_thanks_token_holds_the_status_and_a_ticket_only(client, world, sms_outbox):
    event = EventFactory(capacity=10)
    response = post_sign_up(
        client, event, mobile="070-333 33 33", consents=["sms"], postcode="211 45"
    )
    payload = signing.loads(thanks_token_of(response), salt="aktivist.public.event-thanks")
    assert set(payload) == {"e", "st", "k"}
    registration = Registration.objects.get(event=event)
    consent = Consent.objects.get(person=registration.person, channel=Consent.Channel.SMS)
    assert payload["st"] == "registered"
    assert "21145" not in json.dumps(payload)
    assert payload["k"] not in {str(registration.pk), str(registration.person_id), str(consent.pk)}
    url = response["Location"]
    right = client.post(url, {"code": _code(sms_outbox, "+46703333333")})
    assert "your mobile number is confirmed" in right.content.decode()
    consent.refresh_from_db()
    assert consent.status == Consent.Status.CONFIRMED


def test_the_calendar_files_of_the_email_and_the_thank_you_page_are_one_entry(client, mailoutbox):
    event = EventFactory(capacity=10)
    response = post_sign_up(client, event)
    token = parse_qs(urlparse(response["Location"]).query)["t"][0]
    download = client.get(reverse("public:event_ics", args=[event.slug]), {"t": token})
    page_uid = str(Calendar.from_ical(download.content).walk("VEVENT")[0]["UID"])
    [confirmation] = [m for m in mailoutbox if m.attachments]
    _name, content, _type = confirmation.attachments[0]
    raw = content.encode() if isinstance(content, str) else content
    assert str(Calendar.from_ical(raw).walk("VEVENT")[0]["UID"]) == page_uid
