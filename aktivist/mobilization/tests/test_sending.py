"""A mobilization sent end to end through a real SMTP server on loopback: what arrives is
parsed back with Python's email package."""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from email.message import Message as EmailMessage
from pathlib import Path

import pytest
from django.utils import timezone

from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.mobilization import services
from aktivist.mobilization.models import Delivery, Mobilization, Suppression, address_hash
from aktivist.mobilization.tests.factories import MessageFactory, SegmentFactory
from aktivist.mobilization.tokens import link_delivery_id, unsubscribe_link_from
from aktivist.people.models import Consent
from aktivist.people.tests.factories import ConsentFactory, PersonFactory, TagFactory

pytestmark = pytest.mark.django_db(transaction=True)

TAG = "Upprop"


def audience() -> dict:
    """The segment: everyone with the test's tag (not the personas' world)."""
    return {"condition": "tag", "value": {"tags": [TagFactory(name=TAG).pk]}}


def tagged(**fields):
    person = PersonFactory(**fields)
    person.tags.add(TagFactory(name=TAG))
    return person


def consenting(**fields):
    person = tagged(**fields)
    ConsentFactory(person=person, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now())
    return person


def send(staff, *, message=None, tree=None) -> Mobilization:
    """Create a mobilization as staff and send it now (the immediate task backend runs
    the snapshot and the dispatch when the request commits)."""
    message = message or MessageFactory(action=ActionFactory(slug="frige-journalisten"))
    segment = SegmentFactory(tree=tree or audience())
    mobilization = services.mobilization_create(
        actor=staff, name="Höstens upprop", message=message, segment=segment
    )
    services.mobilization_request_send(actor=staff, mobilization=mobilization)
    mobilization.refresh_from_db()
    return mobilization


def body_of(message: EmailMessage, subtype: str) -> str:
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text/{subtype} part")


def test_a_sent_email_parses_back_with_unsubscribe_headers_both_parts_and_no_merge_field(
    sink, personas
):
    amir = consenting(first_name="Åsa", email="asa@example.org", language="sv")
    mobilization = send(personas.staff)

    assert sink.wait_for(1) == 1
    (message,) = sink.messages()
    assert message["To"] == "asa@example.org"
    assert "Åsa" in str(make_header(decode_header(message["Subject"])))
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(https?://[^>]+/u/([^/]+)/)>", message["List-Unsubscribe"])
    assert unsubscribe is not None
    assert message.get_content_type() == "multipart/alternative"
    text, html = body_of(message, "plain"), body_of(message, "html")
    for part in (text, html, str(message["Subject"])):
        assert "{{" not in part and "}}" not in part and "MRGFLD" not in part
    assert "Hej Åsa" in text and "<strong>Åsa</strong>" in html
    # The unsubscribe link in the footer is this delivery's own.
    delivery = Delivery.objects.get(mobilization=mobilization, person=amir)
    link = unsubscribe_link_from(unsubscribe.group(2))
    assert link is not None and not link.legacy and link.delivery_id == delivery.pk
    assert unsubscribe.group(1) in text and unsubscribe.group(1) in html
    assert delivery.status == Delivery.Status.SENT and delivery.sent_at is not None
    mobilization.refresh_from_db()
    assert mobilization.status == Mobilization.Status.DONE
    assert mobilization.first_sent_at is not None


def test_each_recipient_gets_their_own_language_name_and_personal_link(sink, personas):
    consenting(first_name="Amir", email="amir@example.org", language="en")
    consenting(first_name="", email="noname@example.org", language="sv")
    message = MessageFactory(
        action=ActionFactory(slug="skriv-under"),
        body_sv="Hej {{ first_name | vän }}! [Skriv under]({{ action_link }})",
        body_en="Hello {{ first_name | friend }}! [Sign]({{ action_link }})",
    )
    send(personas.staff, message=message)

    assert sink.wait_for(2) == 2
    by_to = {m["To"]: m for m in sink.messages()}
    english = body_of(by_to["amir@example.org"], "plain")
    swedish = body_of(by_to["noname@example.org"], "plain")
    assert "Hello Amir!" in english
    assert "Hej vän!" in swedish  # the fallback, never the raw field
    links = {
        to: re.search(r"\((https?://\S+/r/(\S+)/)\)", body_of(m, "plain"))
        for to, m in by_to.items()
    }
    assert all(links.values())
    tokens = {to: match.group(2) for to, match in links.items() if match}
    assert tokens["amir@example.org"] != tokens["noname@example.org"]
    for to, token in tokens.items():
        delivery = Delivery.objects.get(pk=link_delivery_id(token))
        assert delivery.person.email == to


def test_people_who_may_not_be_contacted_are_skipped_with_the_reason(sink, personas):
    consenting(email="yes@example.org")
    tagged(email="no-consent@example.org")
    consenting(email=None)
    consenting(email="real@gmail.com")  # outside production: never beyond this machine
    bounced = consenting(email="bounced@example.org")
    Suppression.objects.create(
        address=bounced.email,
        address_hash=address_hash(bounced.email),
        reason=Suppression.Reason.BOUNCED,
    )

    mobilization = send(personas.staff)

    assert sink.wait_for(1) == 1
    assert set(sink.recipients()) == {"yes@example.org"}
    reasons = dict(
        Delivery.objects.filter(mobilization=mobilization).values_list("person__email", "reason")
    )
    assert reasons == {
        "yes@example.org": "",
        "no-consent@example.org": Delivery.Reason.NO_CONSENT,
        None: Delivery.Reason.NO_ADDRESS,
        "real@gmail.com": Delivery.Reason.NOT_HERE,
        "bounced@example.org": Delivery.Reason.BOUNCED,
    }


def test_a_permanent_refusal_fails_the_delivery_and_suppresses_the_address(sink, personas):
    consenting(email="bounce-me@example.org")
    consenting(email="fine@example.org")
    mobilization = send(personas.staff)

    assert sink.wait_for(1) == 1
    refused = Delivery.objects.get(mobilization=mobilization, person__email="bounce-me@example.org")
    assert refused.status == Delivery.Status.FAILED
    assert refused.reason == Delivery.Reason.REFUSED
    assert refused.error.startswith("550")
    assert "bounce-me" not in refused.error  # the server's text never keeps the address
    assert Suppression.objects.filter(
        address="bounce-me@example.org", reason=Suppression.Reason.BOUNCED
    ).exists()


def test_a_temporary_refusal_is_retried_later_with_back_off(sink, personas):
    consenting(email="tempfail@example.org")
    mobilization = send(personas.staff)

    delivery = Delivery.objects.get(mobilization=mobilization)
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts == 1
    assert delivery.error.startswith("451")
    assert delivery.due_at > timezone.now() + timezone.timedelta(seconds=30)
    mobilization.refresh_from_db()
    assert mobilization.status == Mobilization.Status.SENDING  # not done: a retry is due


@pytest.fixture
def sample_templates(settings):
    extra = Path(__file__).resolve().parents[2] / "core" / "tests" / "templates"
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], extra]}
    ]


def test_the_transactional_helper_holds_back_mail_to_a_bounced_address(sink, sample_templates):
    from aktivist.core.emails import send_transactional

    Suppression.objects.create(
        address="gone@example.org",
        address_hash=address_hash("gone@example.org"),
        reason=Suppression.Reason.BOUNCED,
    )
    assert not send_transactional("core/sample", to="gone@example.org", context={"name": "X"})
    assert send_transactional("core/sample", to="here@example.org", context={"name": "X"})
    assert sink.wait_for(1) == 1
    assert set(sink.recipients()) == {"here@example.org"}
