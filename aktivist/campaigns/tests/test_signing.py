"""The public signing service: matching, one participation, consents, the age rule."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from aktivist.campaigns.models import Participation
from aktivist.campaigns.signing import ActionClosed, UnderAge, clean_signature, sign
from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.people.consents import CHOICES, ticket_hash
from aktivist.people.models import Consent, ConsentWording, Person
from aktivist.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _data(**overrides):
    data = {
        "first_name": "Amir",
        "last_name": "Haddad",
        "email": "Amir.Haddad@Example.org",
        "mobile": "070-123 45 67",
        "postcode": "211 45",
        "birth_year": str(timezone.localdate().year - 17),
    }
    data.update(overrides)
    return data


def _sign(action, **overrides):
    return sign(action=action, signature=clean_signature(_data(**overrides)), source="web")


def test_a_new_signer_becomes_a_non_member_in_the_unit_covering_the_postcode(world):
    action = ActionFactory()
    _sign(action)
    person = Person.objects.get(email="amir.haddad@example.org")
    assert person.mobile == "+46701234567"
    assert person.membership_status == Person.MembershipStatus.NON_MEMBER
    assert person.home_unit == world.group_a1  # 211 is more specific than 21
    participation = Participation.objects.get(person=person, action=action)
    assert participation.age_bracket == "13-17"


def test_signing_twice_is_one_participation_and_the_same_answer():
    action = ActionFactory()
    first = _sign(action)
    second = _sign(action, email="amir.haddad@example.org", mobile="")
    assert Participation.objects.filter(action=action).count() == 1
    assert (first.action_id, first.unit_id, first.ticket) == (
        second.action_id,
        second.unit_id,
        second.ticket,
    )
    assert second.new_participation is False


def test_a_known_email_never_overwrites_the_person():
    owner = PersonFactory(
        first_name="Karin", last_name="Lund", email="karin@example.org", postcode="90325"
    )
    action = ActionFactory()
    _sign(action, first_name="Someone", last_name="Else", email="karin@example.org")
    owner.refresh_from_db()
    assert (owner.first_name, owner.last_name, owner.postcode) == ("Karin", "Lund", "90325")
    assert owner.participations.filter(action=action).exists()
    assert Person.objects.count() == 1


def test_a_known_mobile_selects_nobody_the_email_becomes_a_new_person_without_it():
    owner = PersonFactory(email=None, mobile="+46701234567")
    action = ActionFactory()
    _sign(action, email="new-address@example.org")
    assert Person.objects.count() == 2
    assert owner.participations.count() == 0
    owner.refresh_from_db()
    assert owner.email is None  # a typed email does not become anyone's address
    new = Person.objects.get(email="new-address@example.org")
    assert new.mobile is None and new.participations.filter(action=action).exists()


def test_consents_are_pending_with_the_wording_shown_and_confirmations_are_sent(
    sms_outbox, django_capture_on_commit_callbacks
):
    action = ActionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        result = _sign(action, consents=["email_news", "rapid_response"])
    person = Person.objects.get(email="amir.haddad@example.org")
    consents = {(c.channel, c.purpose): c for c in person.consents.all()}
    assert set(consents) == {
        ("email", "campaigns"),
        ("email", "rapid_response"),
        ("sms", "rapid_response"),
    }
    assert all(c.status == Consent.Status.PENDING for c in consents.values())
    wording = ConsentWording.objects.get(text_hash=consents[("email", "campaigns")].wording_hash)
    with translation.override("sv"):  # the signer's language: the words they saw
        assert wording.text == str(CHOICES["email_news"].label)
    assert wording.language == "sv"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["amir.haddad@example.org"]
    assert len(sms_outbox) == 1 and sms_outbox[0][0] == "+46701234567"
    assert result.ticket  # names the SMS consent by a random value, never by its id
    assert consents[("sms", "rapid_response")].code_ticket == ticket_hash(result.ticket)
    assert consents[("email", "rapid_response")].code_ticket == ""


def test_under_13_stores_nothing():
    action = ActionFactory()
    with pytest.raises(UnderAge):
        clean_signature(_data(birth_year=str(timezone.localdate().year - 11)))
    with pytest.raises(UnderAge):
        clean_signature(_data(birth_year="", age_bracket="under-13"))
    assert not Person.objects.exists() and not action.participations.exists()


def test_a_closed_action_accepts_nothing():
    action = ActionFactory(closes_at=timezone.now() - timezone.timedelta(minutes=1))
    with pytest.raises(ActionClosed):
        _sign(action)
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("mobile", "12"),
        ("postcode", "ABC"),
        ("first_name", ""),
        ("first_name", "x" * 101),
        ("first_name", "nul\x00byte"),
        ("birth_year", "nineteen"),
    ],
)
def test_bad_fields_are_refused_by_name(field, value):
    with pytest.raises(ValidationError) as err:
        clean_signature(_data(**{field: value}))
    assert field in err.value.message_dict


def test_emoji_and_right_to_left_names_are_accepted():
    sig = clean_signature(_data(first_name="✊🏽 Amir", last_name="حداد"))
    assert sig.last_name == "حداد"


def test_a_hook_runs_inside_the_signature_and_its_refusal_rolls_everything_back():
    action = ActionFactory()

    class Refused(Exception):
        pass

    def refuse():
        raise Refused

    with pytest.raises(Refused):
        sign(action=action, signature=clean_signature(_data()), source="api", in_transaction=refuse)
    assert not Person.objects.exists() and not action.participations.exists()

    seen = []
    sign(
        action=action,
        signature=clean_signature(_data()),
        source="api",
        in_transaction=lambda: seen.append(Person.objects.count()),
    )
    assert seen == [0]  # ran first, before the person was written
    assert action.participations.count() == 1


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("070-123 45 67", "+46701234567"),
        ("+46 70 123 45 67", "+46701234567"),
        ("0046701234567", "+46701234567"),
        ("701234567", "+46701234567"),
        ("+358 40 1234567", "+358401234567"),
    ],
)
def test_mobiles_are_stored_in_e164_however_they_are_typed(typed, stored):
    assert clean_signature(_data(mobile=typed)).mobile == stored


def test_a_landline_is_not_a_mobile():
    with pytest.raises(ValidationError) as err:
        clean_signature(_data(mobile="08-123 456 78"))
    assert "mobile" in err.value.message_dict


@pytest.mark.parametrize("postcode", ["٢١١٤٥", "２１１４５", "2114", "211456"])
def test_a_postcode_is_five_ascii_digits(postcode):
    with pytest.raises(ValidationError) as err:
        clean_signature(_data(postcode=postcode))
    assert "postcode" in err.value.message_dict


def test_a_tracking_token_is_kept_short_and_printable():
    action = ActionFactory()
    sign(
        action=action,
        signature=clean_signature(_data()),
        source="web",
        tracking_token="ab\x00c\n" + "x" * 300,
    )
    token = action.participations.get().tracking_token
    assert token.startswith("abc") and len(token) <= 200 and token.isprintable()


def test_the_hot_path_insert_stores_what_save_stores(world):
    from aktivist.campaigns import hotpath

    def make(email):
        return Person(
            first_name="  Åsa  Li ",
            last_name="Öberg",
            email=email,
            mobile=None,
            postcode="211 45",
            birth_year=1990,
            home_unit=world.group_a1,
            source="action:x",
        )

    fast = make("Fast@Example.org")
    fast.normalise()
    hotpath.insert(fast)
    slow = make("slow@example.org")
    slow.save()
    ignore = {"id", "email", "created_at", "updated_at"}
    stored = {p["email"]: p for p in Person.objects.values()}
    assert fast.pk and not fast._state.adding
    assert {k: v for k, v in stored["fast@example.org"].items() if k not in ignore} == {
        k: v for k, v in stored["slow@example.org"].items() if k not in ignore
    }
    assert stored["fast@example.org"]["created_at"] is not None
