"""The channels' JSON signing endpoint: keys, idempotency, per-key limits and answers that
never reveal whether a signer was known."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aktivist.campaigns.channels import channel_create, channel_deactivate
from aktivist.campaigns.models import IdempotencyKey, Participation
from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.people.models import Consent, Person
from aktivist.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


FAST_LANE = "aktivist.public.api.ApiFastLaneMiddleware"


@pytest.fixture(autouse=True, params=["full_stack", "fast_lane"])
def _fresh_endpoint(request, settings):
    """The endpoint remembers actions and keys per process; each test has its own. Every
    test runs through the whole middleware stack and through the API fast lane."""
    from aktivist.campaigns.channels import forget_channel_cache
    from aktivist.public.api import forget_action_cache

    forget_action_cache()
    forget_channel_cache()
    if request.param == "fast_lane":
        settings.MIDDLEWARE = [settings.MIDDLEWARE[0], FAST_LANE, *settings.MIDDLEWARE[1:]]


@pytest.fixture
def action(world):
    return ActionFactory(slug="frige-journalisten")


@pytest.fixture
def channel_key():
    _channel, key = channel_create(actor=None, name="Webbplatsen")
    return key


def signer(**overrides):
    data = {
        "first_name": "Amir",
        "last_name": "Haddad",
        "email": "amir.haddad@example.org",
        "mobile": "070-123 45 67",
        "postcode": "21145",
        "birth_year": timezone.localdate().year - 17,
        "consents": [],
        "named": True,
        "language": "en",
    }
    data.update(overrides)
    return data


def post(key, slug="frige-journalisten", body=None, *, idempotency_key=None, raw=None, **extra):
    headers = {}
    if key is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    if idempotency_key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = idempotency_key
    content = raw if raw is not None else json.dumps(signer() if body is None else body)
    return Client().post(
        reverse("public:api_sign", args=[slug]),
        content,
        content_type="application/json",
        **headers,
        **extra,
    )


def test_a_channel_signs_for_a_new_person(action, channel_key, world):
    response = post(channel_key, idempotency_key="req-1", body=signer(tracking_token="t-42"))
    assert response.status_code == 201
    assert response.json() == {"status": "accepted", "action": "frige-journalisten"}
    assert response["Content-Type"] == "application/json"
    assert "Set-Cookie" not in response
    person = Person.objects.get(email="amir.haddad@example.org")
    assert person.home_unit == world.group_a1
    participation = Participation.objects.get(person=person, action=action)
    assert participation.source == Participation.Source.API
    assert participation.channel.name == "Webbplatsen"
    assert participation.tracking_token == "t-42"
    assert participation.named is True


def test_without_a_valid_key_nothing_is_signed(action, channel_key):
    channel, other_key = channel_create(actor=None, name="Partner")
    channel_deactivate(actor=None, channel=channel)
    for key in [None, "", "wrong", channel_key + "x", other_key]:
        response = post(key)
        assert response.status_code == 401, key
        assert response.json() == {"error": "unauthorized"}
        assert response["WWW-Authenticate"].startswith("Bearer")
    basic = Client().post(
        reverse("public:api_sign", args=["frige-journalisten"]),
        json.dumps(signer()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {channel_key}",
    )
    assert basic.status_code == 401
    assert not Person.objects.filter(email="amir.haddad@example.org").exists()


def test_only_post_is_allowed(action, channel_key):
    response = Client().get(
        reverse("public:api_sign", args=["frige-journalisten"]),
        HTTP_AUTHORIZATION=f"Bearer {channel_key}",
    )
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_a_retry_with_the_same_idempotency_key_never_signs_twice(action, channel_key):
    first = post(channel_key, idempotency_key="order-7")
    # The retry may even carry a changed body: the key decides.
    retry = post(channel_key, idempotency_key="order-7", body=signer(email="other@example.org"))
    assert (retry.status_code, retry.json()) == (first.status_code, first.json())
    assert retry["Idempotent-Replayed"] == "true"
    assert Participation.objects.filter(action=action).count() == 1
    assert not Person.objects.filter(email="other@example.org").exists()
    assert IdempotencyKey.objects.get(key="order-7").status_code == 201


def test_a_retry_of_an_accepted_key_replays_even_when_the_body_is_now_broken(action, channel_key):
    first = post(channel_key, idempotency_key="order-8")
    retry = post(channel_key, idempotency_key="order-8", raw="{not json")
    assert (retry.status_code, retry.json()) == (first.status_code, first.json())


def test_idempotency_keys_belong_to_their_channel(action, channel_key):
    _other, other_key = channel_create(actor=None, name="Partner")
    post(channel_key, idempotency_key="same")
    response = post(
        other_key, idempotency_key="same", body=signer(email="b@example.org", mobile=None)
    )
    assert response.status_code == 201
    assert Participation.objects.filter(action=action).count() == 2


def test_a_refusal_is_not_stored_so_a_corrected_retry_goes_through(action, channel_key):
    refused = post(channel_key, idempotency_key="k1", body=signer(email="nope"))
    assert refused.status_code == 400
    accepted = post(channel_key, idempotency_key="k1")
    assert accepted.status_code == 201
    assert Participation.objects.filter(action=action).count() == 1


def test_an_unusable_idempotency_key_is_refused(action, channel_key):
    response = post(channel_key, idempotency_key="x" * 101)
    assert response.status_code == 400
    assert "idempotency_key" in response.json()["errors"]
    assert not Participation.objects.exists()


def test_distinct_keys_for_the_same_signer_give_one_participation_and_the_same_answer(
    action, channel_key
):
    first = post(channel_key, idempotency_key="a")
    second = post(channel_key, idempotency_key="b", body=signer(email="AMIR.haddad@example.org"))
    third = post(channel_key)  # no idempotency key at all
    assert first.content == second.content == third.content
    assert first.status_code == second.status_code == third.status_code == 201
    assert Participation.objects.filter(action=action).count() == 1
    assert Person.objects.filter(email="amir.haddad@example.org").count() == 1


def test_a_known_address_answers_exactly_like_a_new_one_and_changes_nobody(action, channel_key):
    owner = PersonFactory(
        first_name="Karin", last_name="Lund", email="karin@example.org", postcode="90325"
    )
    known = post(channel_key, body=signer(first_name="Someone", email="karin@example.org"))
    unknown = post(channel_key, body=signer(first_name="Someone", email="new@example.org"))
    assert known.content == unknown.content and known.status_code == unknown.status_code
    owner.refresh_from_db()
    assert (owner.first_name, owner.last_name, owner.postcode) == ("Karin", "Lund", "90325")


def test_validation_errors_are_named_by_field(action, channel_key):
    response = post(channel_key, body=signer(email="not-an-email", postcode="ABC"))
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "postcode"}
    assert not Participation.objects.exists()


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("{not json", "body"),
        ("[]", "body"),
        ('"text"', "body"),
        ("", "body"),
        ('{"first_name": 5, "email": "a@example.org", "birth_year": 1990}', "first_name"),
        ('{"first_name": "A", "email": "a@example.org", "birth_year": true}', "birth_year"),
        ('{"first_name": "A", "email": "a@example.org", "birth_year": 1990, "named": 1}', "named"),
        ('{"first_name": "A", "email": ["a@example.org"], "birth_year": 1990}', "email"),
        (
            '{"first_name": "A", "email": "a@example.org", "birth_year": 1990, "consents": [1]}',
            "consents",
        ),
        (
            '{"first_name": "A", "email": "a@example.org", "birth_year": 1990, "consents": "x"}',
            "consents",
        ),
        ('{"first_name": {"x": 1}, "email": "a@example.org", "birth_year": 1990}', "first_name"),
    ],
)
def test_malformed_bodies_and_wrong_types_are_400_not_500(action, channel_key, raw, field):
    response = post(channel_key, raw=raw)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_body_too_large_is_refused(action, channel_key):
    response = post(channel_key, body=signer(letter_text="x" * 70_000))
    assert response.status_code == 413
    assert response.json() == {"error": "too_large"}


def test_under_13_is_answered_and_nothing_is_stored(action, channel_key):
    response = post(
        channel_key, idempotency_key="child", body=signer(birth_year=timezone.localdate().year - 11)
    )
    assert response.status_code == 422
    assert response.json()["error"] == "under_13"
    assert "13" in response.json()["message"]
    assert not Person.objects.filter(email="amir.haddad@example.org").exists()
    assert not IdempotencyKey.objects.exists()


def test_a_closed_action_accepts_nothing(channel_key):
    ActionFactory(slug="stangd", closes_at=timezone.now() - timezone.timedelta(minutes=1))
    response = post(channel_key, slug="stangd")
    assert response.status_code == 409
    assert response.json()["error"] == "closed"
    assert not Person.objects.filter(email="amir.haddad@example.org").exists()


def test_an_unknown_or_unpublished_action_is_404(channel_key):
    ActionFactory(slug="utkast", is_published=False)
    for slug in ["finns-inte", "utkast"]:
        response = post(channel_key, slug=slug)
        assert response.status_code == 404
        assert response.json() == {"error": "not_found"}
    assert not Person.objects.filter(email="amir.haddad@example.org").exists()


def test_consents_from_a_channel_are_pending_until_confirmed(
    action, channel_key, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(channel_key, body=signer(consents=["email_news"]))
    assert response.status_code == 201
    consent = Consent.objects.get(person__email="amir.haddad@example.org")
    assert consent.status == Consent.Status.PENDING


def test_the_limit_is_per_key_not_per_ip(action, settings):
    settings.RATELIMIT_ENABLE = True
    slow_channel, slow = channel_create(actor=None, name="Slow", rate_limit_per_minute=3)
    _fast_channel, fast = channel_create(actor=None, name="Fast", rate_limit_per_minute=1000)
    answers = [
        post(
            slow, body=signer(email=f"s{n}@example.org", mobile=None), REMOTE_ADDR=f"10.0.0.{n}"
        ).status_code
        for n in range(5)
    ]
    assert answers == [201, 201, 201, 429, 429]
    limited = post(slow, body=signer(email="late@example.org", mobile=None))
    assert limited.json() == {"error": "rate_limited"}
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert not Person.objects.filter(email="late@example.org").exists()
    # One address signing a lot through another key is not limited by the first key's count.
    burst = [
        post(
            fast, body=signer(email=f"f{n}@example.org", mobile=None), REMOTE_ADDR="10.9.9.9"
        ).status_code
        for n in range(70)
    ]
    assert set(burst) == {201}
    assert Participation.objects.filter(channel=slow_channel).count() == 3


def test_letters_keep_the_signers_text(channel_key):
    ActionFactory(slug="brev", kind="letter", letter_text_sv="Kära minister")
    response = post(channel_key, slug="brev", body=signer(letter_text="Kära minister, frige"))
    assert response.status_code == 201
    assert Participation.objects.get().letter_text == "Kära minister, frige"


def test_errors_are_in_the_language_the_body_names(action, channel_key):
    english = post(channel_key, body=signer(email="nope", language="en"))
    assert english.json()["errors"]["email"] == ["Enter a valid email address."]


def _statements(captured):
    skip = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")
    return [q["sql"].split()[0] for q in captured if not q["sql"].startswith(skip)]


def test_a_signature_costs_three_statements_and_a_repeat_four(action, channel_key):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    post(channel_key, body=signer(email="warm@example.org", mobile=None))  # key and action known
    with CaptureQueriesContext(connection) as new:
        assert post(channel_key, idempotency_key="n1").status_code == 201
    # the idempotency key, the person, the participation — no match read, no audit row
    assert _statements(new.captured_queries) == ["INSERT", "INSERT", "INSERT"]
    with CaptureQueriesContext(connection) as repeat:
        assert post(channel_key, idempotency_key="n2").status_code == 201
    # the key, the person (meets the email), the match, the participation (meets the first)
    assert _statements(repeat.captured_queries) == ["INSERT", "INSERT", "SELECT", "INSERT"]


def test_the_fast_lane_answers_like_the_full_stack_and_leaves_pages_alone(
    action, channel_key, settings
):
    if FAST_LANE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [settings.MIDDLEWARE[0], FAST_LANE, *settings.MIDDLEWARE[1:]]
    response = post(channel_key, HTTP_ACCEPT_LANGUAGE="en", raw="{broken")
    assert response.status_code == 400
    assert response.json() == {"errors": {"body": ["Send the signature as JSON."]}}
    assert response["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still runs
    assert "Set-Cookie" not in response and "Vary" not in response
    assert post(channel_key).status_code == 201
    page = Client().get(reverse("public:privacy"))
    assert "Content-Security-Policy" in page  # pages still pass the whole stack
    unknown = Client().post("/api/v1/nothing-here", "{}", content_type="application/json")
    assert unknown.status_code == 404
