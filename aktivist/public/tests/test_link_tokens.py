"""Issue 15, item 2: one signed token per purpose. The reference a personal link forwards
with (``?ref=``, in any address someone shares) never unsubscribes nor opens the
preference centre; preference-centre links expire, and a fresh one is sent by email with
the same answer for every address; a token that is not ours — non-ASCII, NUL, very long,
percent-encoded bytes — is a 404 on every token address, never a 500."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.mobilization.composing import message_snapshot
from aktivist.mobilization.models import Delivery, Purpose, Suppression
from aktivist.mobilization.suppressions import is_unsubscribed
from aktivist.mobilization.tests.factories import (
    DeliveryFactory,
    MessageFactory,
    MobilizationFactory,
)
from aktivist.mobilization.tokens import (
    delivery_token,
    link_token,
    preference_token,
    ref_token,
    unsubscribe_token,
)
from aktivist.people.consents import email_confirmation_token
from aktivist.people.models import Consent
from aktivist.people.tests.factories import ConsentFactory, PersonFactory
from aktivist.programmes.notifications import cancel_token
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory
from aktivist.public.forms import PREFERENCE_LINK_FORM_KEY, form_token
from aktivist.public.limits import (
    PREFERENCE_LINKS_PER_EMAIL_PER_HOUR,
    PREFERENCE_LINKS_PER_IP_PER_HOUR,
)

pytestmark = pytest.mark.django_db

DAY = 24 * 60 * 60


def subscribed_delivery(*, email: str = "amir@example.org", sent_days_ago: float = 0):
    person = PersonFactory(email=email, language="en")
    ConsentFactory(
        person=person,
        channel=Consent.Channel.EMAIL,
        purpose=Consent.Purpose.CAMPAIGNS,
        status=Consent.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    message = MessageFactory(purpose=Purpose.CAMPAIGNS, action=ActionFactory())
    mobilization = MobilizationFactory(message=message, message_snapshot=message_snapshot(message))
    sent = timezone.now() - timedelta(days=sent_days_ago)
    return DeliveryFactory(mobilization=mobilization, person=person, sent_at=sent, due_at=sent)


def consent_status(delivery: Delivery) -> str:
    return delivery.person.consents.get(purpose=Consent.Purpose.CAMPAIGNS).status


def one_click(client, token: str):
    return client.post(
        reverse("public:unsubscribe", args=[token]),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )


# --- One token per purpose ---------------------------------------------------------------


def test_the_reference_in_a_shared_address_neither_unsubscribes_nor_opens_the_preference_centre(
    client,
):
    """Someone shares the action page they reached through their personal link; whoever
    copies its ``ref`` into /u/ or /p/ finds a page that does not exist."""
    delivery = subscribed_delivery()
    forwarded = client.get(reverse("public:personal_link", args=[link_token(delivery.pk)]))
    shared = forwarded["Location"]
    ref = parse_qs(urlparse(shared).query)["ref"][0]

    for response in (
        client.get(reverse("public:unsubscribe", args=[ref])),
        one_click(client, ref),
        client.post(reverse("public:unsubscribe", args=[ref])),
        client.get(reverse("public:preferences", args=[ref])),
        client.post(reverse("public:preferences", args=[ref]), {"leave": "everything"}),
    ):
        assert response.status_code == 404
    assert consent_status(delivery) == Consent.Status.CONFIRMED
    assert not Suppression.objects.exists()


def test_each_token_opens_only_its_own_page(client):
    delivery = subscribed_delivery()
    person = delivery.person
    tokens = {
        "link": link_token(delivery.pk),
        "ref": ref_token(delivery.pk),
        "unsubscribe": unsubscribe_token(delivery.pk),
        "preferences": preference_token(person.pk),
    }
    opens = {
        "public:personal_link": {"link"},
        "public:unsubscribe": {"unsubscribe"},
        "public:preferences": {"preferences"},
    }
    assert len(set(tokens.values())) == len(tokens)
    for name, own in opens.items():
        for kind, token in tokens.items():
            status = client.get(reverse(name, args=[token])).status_code
            assert (status != 404) == (kind in own), (name, kind, status)
    # The same purpose's token with another prefix is not ours either.
    for swapped in ("f" + tokens["unsubscribe"][1:], "u" + tokens["ref"][1:]):
        assert client.get(reverse("public:unsubscribe", args=[swapped])).status_code == 404


def test_the_links_a_message_carries_are_each_their_own_purposes_token(client, settings):
    from aktivist.mobilization.personalising import Recipient, personal_values

    delivery = subscribed_delivery()
    values = personal_values(
        Recipient(
            delivery_id=delivery.pk,
            mobilization_id=delivery.mobilization_id,
            person_id=delivery.person_id,
            attempts=0,
            email="amir@example.org",
            mobile="",
            first_name="Amir",
            last_name="",
            language="en",
            is_active=True,
        ),
        delivery.mobilization.message_snapshot,
    )
    site = settings.SITE_URL.rstrip("/")
    assert values["action_link"] == f"{site}/r/{link_token(delivery.pk)}/"
    assert values["unsubscribe_link"] == f"{site}/u/{unsubscribe_token(delivery.pk)}/"
    assert values["preferences_link"].startswith(f"{site}/p/p")


# --- Links in messages sent before the change ---------------------------------------------


def test_an_unsubscribe_link_sent_before_the_change_still_unsubscribes_but_opens_no_preferences(
    client,
):
    """Its token was also the shared reference, so its page never leads to the preference
    centre; the law's duty to the sent message keeps it unsubscribing."""
    delivery = subscribed_delivery(sent_days_ago=10)
    old = delivery_token(delivery.pk)
    page = client.get(reverse("public:unsubscribe", args=[old]) + "?lang=en").content.decode()
    assert "<form" in page
    assert "/p/p" not in page and 'href="/p/?lang=en"' in page
    assert one_click(client, old).status_code == 200
    assert consent_status(delivery) == Consent.Status.WITHDRAWN
    # Its personal link still forwards, now with the reference token.
    forwarded = client.get(reverse("public:personal_link", args=[old]))
    assert forwarded.status_code == 302
    assert f"ref={ref_token(delivery.pk)}" in forwarded["Location"]


def test_an_old_unsubscribe_link_past_its_window_asks_for_the_address_and_changes_nothing(
    client, settings
):
    delivery = subscribed_delivery(sent_days_ago=settings.LEGACY_UNSUBSCRIBE_LINK_DAYS + 1)
    old = delivery_token(delivery.pk)
    response = one_click(client, old)
    assert response.status_code == 200
    assert 'action="/p/' in response.content.decode()
    assert consent_status(delivery) == Consent.Status.CONFIRMED
    assert not Suppression.objects.exists()
    # The new unsubscribe link of as old a message never expires.
    assert one_click(client, unsubscribe_token(delivery.pk)).status_code == 200
    assert is_unsubscribed(delivery.person, Purpose.CAMPAIGNS)


def test_the_unsubscribe_page_opens_the_preference_centre_only_while_the_messages_own_link_would(
    client, settings
):
    fresh = subscribed_delivery()
    page = client.get(reverse("public:unsubscribe", args=[unsubscribe_token(fresh.pk)]))
    link = re.search(r'href="(/p/p[^"]+)"', page.content.decode())
    assert link is not None
    assert client.get(link.group(1)).status_code == 200

    old = subscribed_delivery(
        email="old@example.org", sent_days_ago=settings.PREFERENCE_LINK_MAX_AGE_DAYS + 1
    )
    page = client.get(reverse("public:unsubscribe", args=[unsubscribe_token(old.pk)]) + "?lang=en")
    assert page.status_code == 200
    assert "/p/p" not in page.content.decode()
    assert 'href="/p/?lang=en"' in page.content.decode()


# --- Preference-centre links expire -------------------------------------------------------


def test_an_expired_preference_link_asks_for_the_address_and_changes_nothing(client, settings):
    delivery = subscribed_delivery()
    person = delivery.person
    issued = time.time() - (settings.PREFERENCE_LINK_MAX_AGE_DAYS * DAY + 60)
    expired = reverse("public:preferences", args=[preference_token(person.pk, issued_at=issued)])

    page = client.get(expired + "?lang=en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "has expired" in html
    assert 'action="/p/?lang=en"' in html and 'name="email"' in html
    assert 'name="topic"' not in html  # none of the person's choices

    assert client.post(expired, {"leave": "everything"}).status_code == 200
    assert consent_status(delivery) == Consent.Status.CONFIRMED

    issued = time.time() - (settings.PREFERENCE_LINK_MAX_AGE_DAYS * DAY - 60)
    fresh = reverse("public:preferences", args=[preference_token(person.pk, issued_at=issued)])
    assert 'name="topic"' in client.get(fresh).content.decode()


def test_a_preference_link_of_the_old_form_has_expired(client):
    from aktivist.mobilization.tokens import _make

    person = PersonFactory()
    old = _make("p", "preferences", person.pk)  # p<id>.<mac>, as sent before the change
    page = client.get(reverse("public:preferences", args=[old]) + "?lang=en")
    assert page.status_code == 200
    assert "has expired" in page.content.decode()


def ask(client, email: str, *, ip: str = "198.51.100.20"):
    return client.post(
        reverse("public:preferences_request") + "?lang=en",
        {"email": email, "form_token": form_token(PREFERENCE_LINK_FORM_KEY), "website": ""},
        REMOTE_ADDR=ip,
    )


def test_asking_for_a_new_link_answers_the_same_for_known_and_unknown_addresses(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    person = PersonFactory(email="known@example.org", language="en", first_name="Amir")
    with django_capture_on_commit_callbacks(execute=True) as known_tasks:
        known = ask(client, "Known@Example.org ")
    with django_capture_on_commit_callbacks(execute=True) as unknown_tasks:
        unknown = ask(client, "nobody@example.org")

    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert "If we have this address" in known.content.decode()
    assert len(known_tasks) == len(unknown_tasks) == 1  # the same work in the request
    assert len(mailoutbox) == 1
    (message,) = mailoutbox
    assert message.to == ["known@example.org"]
    assert f"Hello {person.first_name}," in message.body
    link = re.search(r"https?://[^/\s]+(/p/p[^\s?]+)\?lang=en", message.body)
    assert link is not None
    page = client.get(link.group(1) + "?lang=en")
    assert page.status_code == 200 and 'name="topic"' in page.content.decode()


def test_new_links_are_limited_per_typed_address_and_per_client(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    PersonFactory(email="known@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            ask(client, "known@example.org", ip=f"198.51.100.{i}")
            for i in range(PREFERENCE_LINKS_PER_EMAIL_PER_HOUR + 2)
        ]
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1  # over the limit: the same answer
    assert len(mailoutbox) == PREFERENCE_LINKS_PER_EMAIL_PER_HOUR

    for i in range(PREFERENCE_LINKS_PER_IP_PER_HOUR):
        assert ask(client, f"someone{i}@example.org", ip="203.0.113.9").status_code == 200
    over = ask(client, "one-more@example.org", ip="203.0.113.9")
    assert over.status_code == 429
    assert int(over["Retry-After"]) > 0


def test_the_link_form_ignores_robots_and_stale_pages(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    PersonFactory(email="known@example.org")
    url = reverse("public:preferences_request") + "?lang=en"
    assert 'name="email"' in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        robot = client.post(
            url,
            {
                "email": "known@example.org",
                "form_token": form_token(PREFERENCE_LINK_FORM_KEY),
                "website": "https://spam.example.com",
            },
        )
        stale = client.post(url, {"email": "known@example.org", "form_token": "x"})
        wrong = client.post(
            url, {"email": "not an address", "form_token": form_token(PREFERENCE_LINK_FORM_KEY)}
        )
    assert robot.status_code == stale.status_code == wrong.status_code == 200
    assert "If we have this address" in robot.content.decode()
    assert 'value="known@example.org"' in stale.content.decode()  # kept: send again
    assert "field--error" in wrong.content.decode()
    assert mailoutbox == []


# --- Not our token: 404, never 500 --------------------------------------------------------

BAD_TOKENS = [
    "d1.%C3%A9",  # a non-ASCII character where the MAC goes
    "u1.%C3%A9",
    "p1.%C3%A9",
    "%C3%A5%C3%A4%C3%B6",  # only non-ASCII
    "l1.%E2%9C%8A%F0%9F%8F%BD",  # emoji
    "u1.abc%00def",  # NUL
    "p1.%FF%FE",  # bytes that are not UTF-8
    "x" * 3000,  # very long
    "u" + "1" * 200 + ".AAAAAAAAAAAAAAAA",
    "WzFd:1xaZTn:%C3%A9",  # a signed value's shape, another character
]
# The personal link takes GET only (a POST is a 405 whatever the token).
TOKEN_ADDRESSES = [
    ("/r/{}/", ("get", "head")),
    ("/r/{}/event/", ("get", "head")),
    ("/u/{}/", ("get", "post")),
    ("/p/{}/", ("get", "post")),
    ("/confirm/{}/", ("get", "post")),
    ("/e/alumnkvall/cancel/{}/", ("get", "post")),
]


@pytest.mark.parametrize(("path", "methods"), TOKEN_ADDRESSES)
@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_a_token_that_is_not_ours_is_a_404_on_every_token_address(client, path, methods, bad):
    delivery = subscribed_delivery()
    RegistrationFactory(event=EventFactory(slug="alumnkvall"), person=delivery.person)
    for method in methods:
        response = getattr(client, method)(path.format(bad))
        assert response.status_code == 404, (method, response.status_code)
    assert not Suppression.objects.exists()
    assert not Delivery.objects.filter(clicked_at__isnull=False).exists()


def test_the_real_tokens_of_those_addresses_do_open_their_pages(client):
    """The check above proves something: the same addresses with real tokens answer."""
    delivery = subscribed_delivery()
    event = EventFactory(slug="alumnkvall")
    registration = RegistrationFactory(event=event, person=delivery.person)
    consent = ConsentFactory(
        person=delivery.person,
        channel=Consent.Channel.EMAIL,
        purpose=Consent.Purpose.RAPID_RESPONSE,
        status=Consent.Status.PENDING,
    )
    assert client.get(f"/r/{link_token(delivery.pk)}/").status_code == 302
    for path in (
        f"/u/{unsubscribe_token(delivery.pk)}/",
        f"/p/{preference_token(delivery.person_id)}/",
        f"/confirm/{email_confirmation_token([consent.pk])}/",
        f"/e/alumnkvall/cancel/{cancel_token(registration.pk)}/",
    ):
        assert client.get(path).status_code == 200, path
