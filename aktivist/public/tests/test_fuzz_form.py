"""Every field of the public form fuzzed: never a 500; either one participation with exactly
one person, or nothing stored at all."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aktivist.campaigns.models import Action, Participation
from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.people.models import Consent, Person
from aktivist.public.forms import form_token

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    "   ",
    "😀✊🏽👩‍👩‍👧",
    "مرحبا بالعالم",
    "שלום עולם",
    "\u202eevil\u202c",
    "\x00",
    "a\x00b",
    "line\nbreak\r\n",
    "\t\x07\x1b[31m",
    "Åsa-Öberg d'Ärnö",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "x" * 10_000,
    "🙂" * 300,
    "\ufeff\u200b",
]

text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.text(min_size=100, max_size=400),
    st.integers().map(str),
)
# A form field posted several times is the closest a form comes to a wrong type.
value = st.one_of(text, st.lists(text, min_size=2, max_size=3))
email = st.one_of(
    value,
    st.emails().map(str),
    st.from_regex(r"[a-z0-9.]{1,20}@example\.org", fullmatch=True),
)
year = st.one_of(value, st.integers(1890, 2035).map(str))
bracket = st.one_of(value, st.sampled_from(["under-13", "13-17", "18-25", "26-39", "40-64", "65+"]))
consent_list = st.one_of(
    value, st.lists(st.sampled_from(["email_news", "sms", "rapid_response", "other"]), max_size=4)
)
mobile = st.one_of(value, st.sampled_from(["070-123 45 67", "+46 8 123 456", "0046701112233"]))
postcode = st.one_of(value, st.sampled_from(["211 45", "90325", "11122", "1"]))
maybe = st.one_of(st.none(), st.just("on"), value)

form = st.fixed_dictionaries(
    {},
    optional={
        "first_name": st.one_of(value, st.just("Amir")),
        "last_name": value,
        "email": email,
        "mobile": mobile,
        "postcode": postcode,
        "birth_year": year,
        "age_bracket": bracket,
        "consents": consent_list,
        "named": maybe,
        "letter_text": value,
        "ref": value,
        "website": st.one_of(st.just(""), value),
    },
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=form, letter=st.booleans(), token=st.one_of(st.just("valid"), value))
def test_the_public_form_never_fails_and_never_half_stores(data, letter, token):
    kind = Action.Kind.LETTER if letter else Action.Kind.PETITION
    action = ActionFactory(kind=kind)
    post = {k: v for k, v in data.items() if v is not None}
    post["form_token"] = form_token(action.pk) if token == "valid" else token
    people, consents = Person.objects.count(), Consent.objects.count()
    with override_settings(
        PUBLIC_SIGNATURES_PER_IP_PER_MINUTE=100_000, PUBLIC_SIGNATURES_PER_ADDRESS_PER_HOUR=100_000
    ):
        response = Client(raise_request_exception=True).post(
            reverse("public:action", args=[action.slug]), post
        )
    assert response.status_code in (200, 303)
    participations = list(Participation.objects.filter(action=action))
    if response.status_code == 303 and participations:
        assert len(participations) == 1
        assert participations[0].person_id is not None
        assert Person.objects.count() - people in (0, 1)
    else:
        assert participations == []
        assert Person.objects.count() == people
        assert Consent.objects.count() == consents
