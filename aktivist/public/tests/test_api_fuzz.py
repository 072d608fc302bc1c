"""Bad input on the JSON endpoint (hypothesis): every field of the body, and the body itself,
fuzzed with wrong types, nesting, huge, empty, emoji, right-to-left and control characters,
and bytes that are no JSON at all. Never a 500, never a half-created person, and an email
or mobile that already belongs to someone never changes that person."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from aktivist.campaigns.channels import channel_create
from aktivist.campaigns.models import IdempotencyKey, Participation
from aktivist.campaigns.signing import AGE_BRACKETS
from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.people.models import Person
from aktivist.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_endpoint_caches():
    """The endpoint remembers actions and keys per process; each test has its own."""
    from aktivist.campaigns.channels import forget_channel_cache
    from aktivist.public.api import forget_action_cache

    forget_action_cache()
    forget_channel_cache()


EMAIL_OWNER = "karin@example.org"
MOBILE_OWNER = "+46701112233"
THIS_YEAR = timezone.localdate().year

STRANGE = [
    "",
    " ",
    "✊🏽 Amir",
    "حداد",
    "\u202eevil\u202c",
    "\u200f\u200e",
    "\x00",
    "a\x00b",
    "\ud800",
    "\x1b[31m",
    "𝕬𝖒𝖎𝖗",
    "x" * 101,
    "Åsa-Märta Öberg",
    "null",
    "<script>alert(1)</script>",
]

junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(STRANGE),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _field(*specific: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(*specific, st.sampled_from(STRANGE), st.text(max_size=300), junk)


FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "first_name": _field(st.sampled_from(["Amir", "Kim"])),
    "last_name": _field(st.just("Haddad")),
    "email": _field(
        st.emails(),
        st.sampled_from([EMAIL_OWNER, EMAIL_OWNER.upper(), " karin@example.org ", "a@b", "@"]),
    ),
    "mobile": _field(
        st.sampled_from(["070-111 22 33", MOBILE_OWNER, "0046701112233", "0701234567", "12"]),
        st.from_regex(r"\A\+?[0-9 -]{0,20}\Z"),
    ),
    "postcode": _field(
        st.sampled_from(["21145", "211 45", "٢١١٤٥", "ABCDE", "90325"]),
        st.integers(-1, 10**7),
    ),
    "birth_year": _field(
        st.integers(THIS_YEAR - 130, THIS_YEAR + 5),
        st.sampled_from(["1990", " 2000 ", "nineteen", str(THIS_YEAR - 12), "٢٠٠٠"]),
    ),
    "age_bracket": _field(st.sampled_from(AGE_BRACKETS)),
    "consents": _field(
        st.lists(st.sampled_from(["email_news", "sms", "rapid_response", "fax"]), max_size=4)
    ),
    "named": _field(st.booleans()),
    "letter_text": _field(st.text(max_size=6000)),
    "language": _field(st.sampled_from(["sv", "en", "en-GB", "fi"])),
    "tracking_token": _field(st.text(max_size=250)),
}


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """A valid signature with some fields fuzzed or left out, or any mix of fields at all."""
    if draw(st.integers(0, 3)) == 0:
        data = draw(st.fixed_dictionaries({}, optional=FIELDS))
    else:
        n = draw(st.integers(0, 10**6))
        data = {
            "first_name": "Amir",
            "last_name": "Haddad",
            "email": f"signer-{n}@example.net",
            "mobile": None,
            "postcode": "21145",
            "birth_year": THIS_YEAR - 20,
            "consents": [],
            "named": False,
            "letter_text": "",
            "language": "sv",
            "tracking_token": "",
        }
        for name in draw(st.sets(st.sampled_from(sorted(FIELDS)), max_size=2)):
            if draw(st.integers(0, 4)) == 0:
                data.pop(name, None)
            else:
                data[name] = draw(FIELDS[name])
    return json.dumps(data).encode()


raw_bytes = st.one_of(
    st.binary(max_size=300),
    st.binary(max_size=100).map(lambda b: b'{"first_name": "' + b + b'"}'),
    st.sampled_from(
        [
            b"",
            b"{",
            b"[" * 5000 + b"]" * 5000,
            b'{"email": "\xff\xfe"}',
            b'{"first_name": "\\ud800", "email": "a@example.org", "birth_year": 1990}',
            b'{"first_name": "A\\u0000", "email": "a@example.org", "birth_year": 1990}',
            b'{"birth_year": 1' + b"0" * 5000 + b"}",
            b'{"birth_year": NaN, "first_name": "A", "email": "a@example.org"}',
            "\ufeff{}".encode(),
            json.dumps({"first_name": "x" * 100_000}).encode(),
        ]
    ),
)


@pytest.fixture
def endpoint(db: Any) -> dict[str, Any]:
    action = ActionFactory(slug="fuzz", kind="letter")
    _channel, key = channel_create(actor=None, name="Fuzz")
    owners = [
        PersonFactory(
            first_name="Karin", last_name="Lund", email=EMAIL_OWNER, mobile=None, postcode="90325"
        ),
        PersonFactory(
            first_name="Mobil", last_name="Ägare", email="m@example.org", mobile=MOBILE_OWNER
        ),
    ]
    return {"action": action, "key": key, "owners": owners}


def _snapshot(person: Person) -> dict[str, Any]:
    return {
        k: v
        for k, v in Person.objects.filter(pk=person.pk).values().get().items()
        if k not in {"updated_at"}
    }


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(bodies(), bodies(), raw_bytes),
    idempotency_key=st.one_of(st.none(), st.text(max_size=110)),
)
@example(
    body=json.dumps(
        {"first_name": "Ny", "email": "ny@example.org", "mobile": MOBILE_OWNER, "birth_year": 1990}
    ).encode(),
    idempotency_key=None,
)
@example(
    body=json.dumps(
        {"first_name": "Ny", "email": EMAIL_OWNER, "mobile": "0701234567", "birth_year": 1990}
    ).encode(),
    idempotency_key="k",
)
def test_any_body_is_answered_cleanly_and_stores_all_or_nothing(
    endpoint: dict[str, Any], body: bytes, idempotency_key: str | None
) -> None:
    owners = [_snapshot(p) for p in endpoint["owners"]]
    people_before = set(Person.objects.values_list("pk", flat=True))
    participations_before = Participation.objects.count()
    keys_before = IdempotencyKey.objects.count()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {endpoint['key']}"}
    if idempotency_key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = idempotency_key
    try:
        response = Client().post(
            reverse("public:api_sign", args=["fuzz"]),
            body,
            content_type="application/json",
            **headers,
        )
    except ValueError as e:
        # The test client itself refuses header values HTTP cannot carry (e.g. newlines).
        assert "header" in str(e).lower()
        return
    assert response.status_code in {201, 400, 413, 422}, response.content
    event(f"HTTP {response.status_code}")
    assert isinstance(response.json(), dict)
    new_people = set(Person.objects.values_list("pk", flat=True)) - people_before
    new_participations = Participation.objects.count() - participations_before
    if response.status_code == 201:
        assert len(new_people) <= 1 and new_participations <= 1
        # A new person is never left without the participation that created them.
        for pk in new_people:
            assert Participation.objects.filter(person_id=pk, action=endpoint["action"]).exists()
    elif not response.has_header("Idempotent-Replayed"):
        assert not new_people and new_participations == 0
        assert IdempotencyKey.objects.count() == keys_before
    assert [_snapshot(p) for p in endpoint["owners"]] == owners
