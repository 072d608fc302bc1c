"""manage.py demo_data and demo_logins: a believable, deterministic demo section."""

from __future__ import annotations

import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from aktivist.accounts.models import AccessScope, User
from aktivist.demo import lists as demo_lists
from aktivist.demo.accounts import (
    DEMO_ACCOUNTS,
    DEMO_EMAILS,
    DEMO_PASSWORD,
    demo_account,
    totp_key,
)
from aktivist.lib.normalise import is_mobile, normalise_name, normalise_phone
from aktivist.organisation.models import PostcodePrefix, Role, RoleType, Unit, UnitMembership
from aktivist.organisation.selectors import home_unit_id_from_map, prefix_map
from aktivist.people.models import Consent, Interaction, Person, Tag
from aktivist.people.selectors import people_visible_to

RESERVED_EMAIL = re.compile(r"^[a-z0-9._-]+@example\.(org|com|net)$")


def load(people: int = 300, seed: int = 3) -> str:
    out = io.StringIO()
    call_command("demo_data", people=people, seed=seed, if_empty=True, stdout=out)
    return out.getvalue()


def people_snapshot() -> list[tuple]:
    return list(
        Person.objects.order_by("id").values_list(
            "first_name", "last_name", "email", "mobile", "postcode", "birth_year"
        )
    )


def wipe() -> None:
    """Back to an empty database (within the test's transaction)."""
    from aktivist.campaigns.models import Action, Campaign, Channel, Participation, Priority
    from aktivist.mobilization.models import Delivery, Message, Mobilization
    from aktivist.programmes.models import Event, Programme, ProgrammeCompletion, Registration
    from aktivist.segments.models import Segment
    from aktivist.urgent.models import UrgentCase, UrgentTemplate

    UrgentCase.objects.all().delete()
    UrgentTemplate.objects.all().delete()
    Delivery.objects.all().delete()
    Mobilization.objects.all().delete()
    Message.objects.all().delete()
    Segment.objects.all().delete()
    ProgrammeCompletion.objects.all().delete()
    Registration.objects.all().delete()
    Event.objects.all().delete()
    Programme.objects.all().delete()
    Participation.objects.all().delete()
    Action.objects.all().delete()
    Campaign.objects.all().delete()
    Priority.objects.all().delete()
    Channel.objects.all().delete()
    Person.objects.all().delete()
    AccessScope.objects.all().delete()
    User.objects.filter(email__in=DEMO_EMAILS).delete()
    PostcodePrefix.objects.all().delete()
    for depth in sorted(set(Unit.objects.values_list("depth", flat=True)), reverse=True):
        Unit.objects.filter(depth=depth).delete()
    RoleType.objects.all().delete()
    Tag.objects.all().delete()


@pytest.fixture
def demo(db):
    load()


def test_district_lists_cover_every_postcode_area_once():
    areas = Counter(p for d in demo_lists.DISTRICTS for p in d.prefixes)
    assert set(areas) == {str(n) for n in range(10, 99)}
    assert max(areas.values()) == 1
    group_prefixes = [p3 for d in demo_lists.DISTRICTS for _, p3 in d.groups]
    assert len(group_prefixes) == len(set(group_prefixes))
    for district in demo_lists.DISTRICTS:
        assert all(p3[:2] in district.prefixes for _, p3 in district.groups), district.region
    assert 18 <= len(demo_lists.DISTRICTS) <= 22
    assert 140 <= len(group_prefixes) <= 170
    assert sum(len(d.schools) for d in demo_lists.DISTRICTS) == 40


def test_if_empty_loads_only_once(db):
    load()
    counts = (Person.objects.count(), Unit.objects.count(), Role.objects.count())
    second = load()
    assert "already exist" in second
    assert (Person.objects.count(), Unit.objects.count(), Role.objects.count()) == counts
    assert counts[0] == 300


def test_an_older_demo_database_gets_two_factor_for_its_district_and_coordinator_accounts(db):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    load()
    for key in ("district", "coordinator", "coordinator_other"):
        TOTPDevice.objects.filter(user__email=demo_account(key).email).delete()
    second = load()
    assert "Two-factor set up for 3 demo account(s)." in second
    for key in ("district", "coordinator", "coordinator_other"):
        email = demo_account(key).email
        devices = TOTPDevice.objects.filter(user__email=email, confirmed=True)
        assert [d.key for d in devices] == [totp_key(email)]
    assert not TOTPDevice.objects.filter(user__email=demo_account("board").email).exists()
    assert "Two-factor set up" not in load()


def test_same_seed_gives_the_same_people_on_a_fresh_database(db):
    load(seed=3)
    first = people_snapshot()
    wipe()
    assert not Person.objects.exists()
    load(seed=3)
    assert people_snapshot() == first
    wipe()
    load(seed=4)
    assert people_snapshot() != first


def test_people_are_believable_and_only_reserved_contact_details(demo):
    people = list(Person.objects.all())
    assert len(people) == 300
    emails = [p.email for p in people if p.email]
    assert len(emails) > 240 and len(emails) == len(set(emails))
    assert all(RESERVED_EMAIL.match(e) for e in emails), "emails only at reserved domains"
    mobiles = [p.mobile for p in people if p.mobile]
    assert len(mobiles) > 220 and len(mobiles) == len(set(mobiles))
    assert all(normalise_phone(m) == m and is_mobile(m) for m in mobiles)
    landlines = [p.other_phone for p in people if p.other_phone]
    assert landlines and all(normalise_phone(n) == n for n in landlines)
    prefixes = prefix_map()
    this_year = timezone.localdate().year
    for p in people:
        assert p.first_name_key == normalise_name(p.first_name)
        assert p.last_name_key == normalise_name(p.last_name)
        assert re.fullmatch(r"\d{5}", p.postcode)
        assert p.home_unit_id == home_unit_id_from_map(p.postcode, prefixes)
        assert p.source == "demo"
    with_age = [this_year - p.birth_year for p in people if p.birth_year]
    young = sum(1 for age in with_age if 15 <= age <= 25)
    assert 0.2 < young / len(with_age) < 0.4
    statuses = Counter(p.membership_status for p in people)
    assert statuses["member"] > 100 and statuses["non_member"] > 50 and statuses["former"] > 5
    numbers = [p.member_number for p in people if p.membership_status != "non_member"]
    assert all(numbers) and len(numbers) == len(set(numbers))
    assert all(p.member_since for p in people if p.membership_status == "member")
    assert Counter(p.language for p in people).most_common(1)[0][0] == "sv"


def test_alumni_memberships_tags_consents_and_follow_ups(demo):
    assert Role.objects.filter(ended_on__isnull=False).exists(), "alumni"
    assert Role.objects.filter(ended_on__isnull=True).exists()
    ended_years = set(
        Role.objects.filter(ended_on__isnull=False).values_list("ended_on__year", flat=True)
    )
    assert len(ended_years) >= 3
    assert UnitMembership.objects.filter(ended_on__isnull=False).exists()
    assert UnitMembership.objects.filter(unit__kind=Unit.Kind.SCHOOL_GROUP).exists()
    assert set(RoleType.objects.values_list("slug", flat=True)) >= {
        slug for slug, _, _ in demo_lists.ROLE_TYPES
    }
    assert Tag.objects.filter(name="Sommarkampanj 2026").exists()
    confirmed = Consent.objects.filter(status=Consent.Status.CONFIRMED)
    assert confirmed.filter(channel="email", purpose="campaigns").count() > 100
    assert confirmed.filter(channel="sms", purpose="rapid_response").exists()
    assert not confirmed.filter(Q(confirmed_at__isnull=True) | ~Q(wording_version="2026-01"))
    assert not Consent.objects.exclude(source="demo").exists()
    today = timezone.localdate()
    for key in ("admin", "staff", "district", "coordinator", "coordinator_other"):
        user = User.objects.get(email=demo_account(key).email)
        due = Interaction.objects.filter(
            follow_up_owner=user, follow_up_done_at__isnull=True, follow_up_due__gte=today
        )
        assert due.exists(), key
        # Scoped accounts own follow-ups only on people they may see.
        visible = people_visible_to(user)
        assert not due.exclude(person__in=visible).exists(), key


def test_demo_accounts_roles_and_two_factor(demo):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for account in DEMO_ACCOUNTS:
        user = User.objects.get(email=account.email)
        assert user.check_password(DEMO_PASSWORD)
        assert user.access_role == account.access_role
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
        if account.needs_two_factor:
            assert [d.key for d in devices] == [totp_key(account.email)]
        else:
            assert not devices.exists()
    skane = Unit.objects.get(name="Distrikt Skåne")
    rep = User.objects.get(email=demo_account("district").email)
    assert list(rep.scopes.values_list("unit", flat=True)) == [skane.pk]
    assert Role.objects.filter(
        person=rep.person, unit=skane, role_type__slug="district-representative", ended_on=None
    ).exists()
    for key, group in (("coordinator", "Grupp Malmö"), ("coordinator_other", "Grupp Umeå")):
        user = User.objects.get(email=demo_account(key).email)
        unit = Unit.objects.get(name=group)
        assert list(user.scopes.values_list("unit", flat=True)) == [unit.pk]
        assert Role.objects.filter(
            person=user.person, unit=unit, role_type__slug="group-contact", ended_on=None
        ).exists()
    linked = list(User.objects.exclude(person=None).values_list("person", flat=True))
    assert len(linked) == len(set(linked)) == 3


def test_district_representative_sees_only_people_of_skane(demo):
    rep = User.objects.get(email=demo_account("district").email)
    skane = Unit.objects.get(name="Distrikt Skåne")
    units = list(skane.subtree().values_list("pk", flat=True))
    # Home unit, membership or role in the district: never a registration for its events.
    expected = (
        set(Person.objects.filter(home_unit__in=units).values_list("pk", flat=True))
        | set(UnitMembership.objects.filter(unit__in=units).values_list("person", flat=True))
        | set(Role.objects.filter(unit__in=units).values_list("person", flat=True))
    )
    seen = set(people_visible_to(rep).values_list("pk", flat=True))
    assert seen == expected
    assert 20 < len(seen) < 200
    outside = Person.objects.exclude(pk__in=seen)
    assert outside.exists()
    assert not outside.filter(home_unit__path__startswith=skane.path).exists()


def test_demo_logins_prints_accounts_and_codes_but_no_people(demo):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for account in DEMO_ACCOUNTS:
        assert account.email in text
    assert DEMO_PASSWORD in text
    assert "http://127.0.0.1:8000" in text
    # Every account but the board viewer uses two-factor: admin, staff, the district
    # representative and both coordinators.
    assert text.count("otpauth://totp/") == 5
    assert text.count("otpauth://totp/") == sum(a.needs_two_factor for a in DEMO_ACCOUNTS)
    assert re.search(r"current code: \d{6}", text)
    assert "█" in text  # the QR code
    for email in Person.objects.exclude(email=None).values_list("email", flat=True):
        assert str(email) not in text


def test_demo_logins_without_accounts_says_how_to_create_them(db):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "demo_data" in out.getvalue()


def test_demo_mobilizations_show_a_sent_call_and_a_draft_to_reserved_addresses_only(demo):
    from aktivist.mobilization.models import Delivery, Mobilization
    from aktivist.mobilization.selectors import progress
    from aktivist.segments.models import Segment

    assert Segment.objects.count() >= 3
    sent = Mobilization.objects.get(status=Mobilization.Status.DONE)
    assert Mobilization.objects.filter(status=Mobilization.Status.DRAFT).count() == 1
    figures = progress(sent)
    assert (
        figures.sent > 0
        and 0 < figures.clicked < figures.sent
        and 0 < figures.acted <= figures.clicked
    )
    emails = Delivery.objects.filter(mobilization=sent, status="sent").values_list(
        "person__email", flat=True
    )
    assert all(RESERVED_EMAIL.match(e) for e in emails)


def test_a_duty_officer_can_send_an_urgent_action_from_the_demo_at_once(demo):
    import datetime as dt

    from django.utils import timezone

    from aktivist.urgent.case_messages import CaseText
    from aktivist.urgent.models import UrgentTemplate
    from aktivist.urgent.services import case_open_and_send

    approved = UrgentTemplate.objects.get(status=UrgentTemplate.Status.APPROVED)
    assert UrgentTemplate.objects.filter(status=UrgentTemplate.Status.AWAITING_APPROVAL).exists()
    staff = User.objects.get(email=demo_account("staff").email)
    case = case_open_and_send(
        actor=staff,
        template=approved,
        case=CaseText(
            title_sv="Frige Leyla",
            title_en="",
            summary_sv="Leyla greps i natt.",
            summary_en="",
            deadline=timezone.now() + dt.timedelta(days=2),
        ),
    )
    assert case.email_mobilization is not None and case.email_mobilization.urgent
    assert case.email_mobilization.status != "awaiting_approval"
