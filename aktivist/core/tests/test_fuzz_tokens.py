"""The reliability suite's fuzz of every address that carries a token: the personal link
(/r/), one-click unsubscribe (/u/), the preference centre (/p/), the double opt-in link
(/confirm/), an event's cancel link, and the thank-you pages' ``t=`` with their SMS code
forms. Real tokens, real tokens bent (cut, lengthened, one character changed, another
purpose's), strangers' bytes: a 404 or a page, never a 5xx, and a bent token changes
nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from django.test import TestCase
from hypothesis import given
from hypothesis import strategies as st

from aktivist.core.tests import fuzz
from aktivist.mobilization.models import Delivery, Suppression
from aktivist.mobilization.tests.factories import DeliveryFactory, MessageFactory
from aktivist.mobilization.tokens import delivery_token, preference_token
from aktivist.people.consents import email_confirmation_token
from aktivist.people.models import Consent
from aktivist.people.tests.factories import ConsentFactory, PersonFactory
from aktivist.programmes.models import Registration
from aktivist.programmes.notifications import cancel_token
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@dataclass
class Tokens:
    delivery: str  # a delivery of a mobilization linking to an action: /r/, /u/
    preferences: str  # /p/
    confirm: str  # /confirm/: a pending email consent
    cancel: str  # an event's cancel link
    event_slug: str


@pytest.fixture
def tokens(world: Any, settings: Any) -> Tokens:
    settings.PUBLIC_SIGNATURES_PER_IP_PER_MINUTE = 1_000_000
    person = PersonFactory(email="lankad@example.org", mobile="+46701234567")
    message = MessageFactory()
    delivery = DeliveryFactory(
        person=person,
        mobilization__message=message,
        mobilization__message_snapshot={"action_slug": "fuzz", "has_english": True},
    )
    consent = ConsentFactory(person=person)
    event = EventFactory(slug="fuzz-event", unit=world.group_a1)
    registration = RegistrationFactory(event=event, person=person)
    return Tokens(
        delivery=delivery_token(delivery.pk),
        preferences=preference_token(person.pk),
        confirm=email_confirmation_token([consent.pk]),
        cancel=cancel_token(registration.pk),
        event_slug=event.slug,
    )


def _bend(draw: st.DrawFn, real: str, others: list[str], *, ascii_only: bool) -> str:
    """A real token, or one bent the ways a mail client, a forwarder or a prober bends it."""
    alphabet = st.characters(codec="ascii") if ascii_only else st.characters()
    how = draw(st.integers(0, 7))
    if how == 0:
        return real
    if how == 1:
        return real[: draw(st.integers(0, max(0, len(real) - 1)))]
    if how == 2:
        return real + draw(st.text(alphabet, min_size=1, max_size=20))
    if how == 3 and real:
        i = draw(st.integers(0, len(real) - 1))
        return real[:i] + draw(st.text(alphabet, min_size=1, max_size=1)) + real[i + 1 :]
    if how == 4:
        return draw(st.sampled_from(others))  # another purpose's token
    if how == 5:
        return real.upper() if draw(st.booleans()) else real.swapcase()
    if how == 6:
        return draw(st.text(alphabet, min_size=1, max_size=300))
    nasty = [t for t in fuzz.NASTY if t and (t.isascii() or not ascii_only)]
    return real[:2] + draw(st.sampled_from(nasty))[:200]


def _path_of(route: str, token: str | bytes, slug: str) -> str:
    raw = token if isinstance(token, bytes) else token.encode("utf-8", "surrogatepass")
    quoted = quote_from_bytes(raw, safe="")
    return {
        "r": f"/r/{quoted}/",
        "r-event": f"/r/{quoted}/event/",
        "u": f"/u/{quoted}/",
        "p": f"/p/{quoted}/",
        "confirm": f"/confirm/{quoted}/",
        "cancel": f"/e/{slug}/cancel/{quoted}/",
    }[route]


def _state() -> dict[str, Any]:
    return {
        "suppressions": Suppression.objects.count(),
        "clicked": Delivery.objects.filter(clicked_at__isnull=False).count(),
        "confirmed": Consent.objects.filter(status=Consent.Status.CONFIRMED).count(),
        "withdrawn": Consent.objects.filter(status=Consent.Status.WITHDRAWN).count(),
        "cancelled": Registration.objects.filter(status=Registration.Status.CANCELLED).count(),
    }


@st.composite
def bent(draw: st.DrawFn, real: str, others: list[str], *, ascii_only: bool) -> str:
    return _bend(draw, real, others, ascii_only=ascii_only)


BODIES = st.one_of(
    st.none(),
    st.just([("List-Unsubscribe", "One-Click")]),
    fuzz.form_body(
        base={"topic": "campaigns"},
        extra={
            "leave": st.just("everything"),
            "network": st.sampled_from(["join", "code", "x"]),
            "mobile": st.sampled_from(["070-123 45 67", "12", "+4670"]),
            "code": st.sampled_from(["123456", "", "x" * 20]),
        },
    ),
)
METHODS = st.sampled_from(["GET", "GET", "POST", "HEAD", "PUT"])
QUERIES = st.one_of(st.just(""), fuzz.query_string(["lang", "ref"]))


def _send(
    tokens: Tokens,
    data: st.DataObject,
    route: str,
    *,
    method: str,
    query: str,
    body: fuzz.Pairs | None,
    ascii_only: bool,
) -> None:
    real = {
        "r": tokens.delivery,
        "r-event": tokens.delivery,
        "u": tokens.delivery,
        "p": tokens.preferences,
        "confirm": tokens.confirm,
        "cancel": tokens.cancel,
    }[route]
    others = [tokens.delivery, tokens.preferences, tokens.confirm, tokens.cancel]
    token = data.draw(bent(real, others, ascii_only=ascii_only), label="token")
    if not token or "/" in token:
        token = "x" + token.replace("/", "")
    before = _state()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = fuzz.request(
            fuzz.client(), method, _path_of(route, token, tokens.event_slug), query=query, body=body
        )
    fuzz.assert_clean(response)
    if token != real and response is not None:
        # A bent token is a page that does not exist: it changes nothing.
        assert response.status_code in (301, 404, 405), (route, token, response.status_code)
        assert _state() == before, (route, token)


@fuzz.budget(100)
@given(data=st.data(), method=METHODS, query=QUERIES, body=BODIES)
def test_the_event_cancel_link_answers_any_token_without_a_server_error(
    tokens: Tokens, data: st.DataObject, method: str, query: str, body: Any
) -> None:
    _send(tokens, data, "cancel", method=method, query=query, body=body, ascii_only=False)


@fuzz.budget(100)
@given(data=st.data(), method=METHODS, query=QUERIES, body=BODIES)
def test_the_confirm_link_answers_any_token_without_a_server_error_and_a_bent_one_404(
    tokens: Tokens, data: st.DataObject, method: str, query: str, body: Any
) -> None:
    _send(tokens, data, "confirm", method=method, query=query, body=body, ascii_only=False)


@fuzz.budget(200)
@given(
    data=st.data(),
    route=st.sampled_from(["r", "r-event", "u", "p"]),
    method=METHODS,
    query=QUERIES,
    body=BODIES,
)
def test_mail_links_answer_any_token_without_a_server_error(
    tokens: Tokens, data: st.DataObject, route: str, method: str, query: str, body: Any
) -> None:
    """/r/, /u/ and /p/ with real, bent and strange tokens, of any characters."""
    _send(tokens, data, route, method=method, query=query, body=body, ascii_only=False)


@pytest.mark.parametrize(
    "path",
    [
        "/r/d1.%C3%A9/",
        "/r/d1.%C3%A9/event/",
        "/u/d1.%C3%A9/",
        "/p/p1.%C3%A9/",
        "/u/d1.%C3%A5%C3%A4%C3%B6%C3%A5%C3%A4%C3%B6%C3%A5%C3%A4%C3%B6%C3%A5%C3%A4%C3%B6/",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_mail_links_answer_a_token_with_non_ascii_characters_with_404(
    tokens: Tokens, path: str, method: str
) -> None:
    """Issue 15 item 2: a token with a non-ASCII character was a 500 (a TypeError in
    hmac.compare_digest). /r/ is a link to follow: a POST there is a 405."""
    response = fuzz.request(fuzz.client(), method, path)
    allowed = {404, 405} if method == "POST" and path.startswith("/r/") else {404}
    fuzz.assert_clean(response, statuses=allowed)


def test_the_real_tokens_the_fuzz_bends_do_work(tokens: Tokens) -> None:
    """The fuzz's own check: the real tokens it bends open their pages (else a bent one
    that answers 404 proves nothing)."""
    c = fuzz.client()
    for path in (
        f"/u/{tokens.delivery}/",
        f"/p/{tokens.preferences}/",
        f"/confirm/{tokens.confirm}/",
        f"/e/{tokens.event_slug}/cancel/{tokens.cancel}/",
    ):
        assert c.get(path).status_code == 200, path
    assert c.get(f"/r/{tokens.delivery}/").status_code == 302


# The routes this module's fuzz requests (see test_fuzz_coverage.py).
COVERS = frozenset(
    {
        "public:personal_link",
        "public:personal_link_event",
        "public:unsubscribe",
        "public:preferences",
        "public:confirm_email",
        "public:event_cancel",
    }
)
