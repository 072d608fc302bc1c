"""The alumni programme: the alumni list (its filter, within the viewer's scope) invited to
an upcoming event by email, after commit, in chunks, audited once; former roles on the
person page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from aktivist.core.models import AuditEvent
from aktivist.mobilization import alumni as alumni_module
from aktivist.mobilization.alumni import AlumniFilter, alumni_invite
from aktivist.mobilization.models import Delivery, Mobilization, Suppression, address_hash
from aktivist.mobilization.tests.factories import (
    DeliveryFactory,
    MessageFactory,
    MobilizationFactory,
    SuppressionFactory,
)
from aktivist.organisation.tests.factories import RoleFactory, RoleTypeFactory
from aktivist.people.models import Consent
from aktivist.people.tests.factories import ConsentFactory, PersonFactory
from aktivist.programmes.models import Programme, Registration
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

LIST = reverse("alumni:list")
INVITE = reverse("alumni:invite")


@pytest.fixture
def alumni(world):
    """Former group contacts in A1 (two), A2 (a treasurer; no email) and B1; an erased one
    in A1; Rut's current role makes no alumna. Those with an email agreed to campaign
    email (the invitation is a mobilization: consent decides)."""
    contact = RoleTypeFactory(slug="group-contact")
    treasurer = RoleTypeFactory(slug="treasurer", name="Kassör", name_en="Treasurer")
    people = {}
    for key, unit, role_type, extra in (
        ("a1", world.group_a1, contact, {"language": "sv"}),
        ("a1_en", world.group_a1, contact, {"language": "en"}),
        ("a2", world.group_a2, treasurer, {"email": None}),
        ("b1", world.group_b1, contact, {}),
        ("erased", world.group_a1, contact, {"is_active": False}),
    ):
        person = PersonFactory(first_name=f"Alumn-{key}", last_name="Alm", **extra)
        RoleFactory(
            person=person,
            unit=unit,
            role_type=role_type,
            started_on=dt.date(2016, 1, 1),
            ended_on=dt.date(2022, 6, 30),
        )
        if person.email:
            ConsentFactory(
                person=person, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now()
            )
        people[key] = person
    return people, contact, treasurer


@pytest.fixture
def gathering(world):
    programme = ProgrammeFactory(name="Alumnprogrammet", kind=Programme.Kind.ALUMNI_PROGRAMME)
    return EventFactory(
        programme=programme,
        unit=world.national,
        title="Alumnträff i Stockholm",
        slug="alumntraff-stockholm",
        place="Föreningarnas hus",
    )


def recipients():
    return sorted(m.to[0] for m in mail.outbox)


def post_invite(client, event, **filters):
    return client.post(INVITE, {"event": event.pk, **filters}, follow=True)


def test_the_list_offers_upcoming_events_the_viewer_can_see_alumni_events_first(
    client_for, personas, world, alumni, gathering
):
    other = EventFactory(unit=world.group_a1, title="Kampanjutbildning Malmö")
    EventFactory(unit=world.group_b1, title="Umeåträffen")  # another district's
    EventFactory(
        unit=world.national,
        title="Förra årets träff",
        starts_at=timezone.now() - dt.timedelta(days=30),
    )
    EventFactory(unit=world.national, title="Inställd träff", cancelled_at=timezone.now())
    EventFactory(
        unit=world.national,
        title="Stängd träff",
        registration_deadline=timezone.now() - dt.timedelta(hours=1),
    )
    html = client_for(personas.district_a).get(LIST).content.decode()
    card = html.split('id="alumni-invite"', 1)[1].split("</section>", 1)[0]
    assert "Invite to an alumni event" in card
    assert card.index("Alumnträff i Stockholm") < card.index("Kampanjutbildning Malmö")
    assert f'value="{other.pk}"' in card
    for hidden in ("Umeåträffen", "Förra årets träff", "Inställd träff", "Stängd träff"):
        assert hidden not in card
    assert "The list below holds 3 people" in card  # a1, a1_en, a2 (district A)


def test_the_listed_alumni_with_an_email_are_invited_and_told_how_many(
    client_for, personas, world, alumni, gathering, django_capture_on_commit_callbacks, settings
):
    people, _, _ = alumni
    settings.SITE_URL = "https://aktivist.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        response = post_invite(client_for(personas.district_a), gathering)
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 alumni were invited to Alumnträff i Stockholm. 1 has no email address." in html
    # District A's alumni only: never B1's, never the erased one, never the one without email.
    assert recipients() == sorted([people["a1"].email, people["a1_en"].email])
    message = next(m for m in mail.outbox if m.to == [people["a1_en"].email])
    assert "Alumnträff i Stockholm" in message.subject
    assert "Hello Alumn-a1_en," in message.body and "Föreningarnas hus" in message.body
    swedish = next(m for m in mail.outbox if m.to == [people["a1"].email])
    assert "Hej Alumn-a1!" in swedish.body and "Arrangeras av" in swedish.body
    # A personal (tracked) link that leads to the event's public page.
    link = message.body.split("Read more and sign up (", 1)[1].split(")", 1)[0]
    assert link.startswith("https://aktivist.example.org/")
    html_part = message.alternatives[0][0]
    assert f'href="{link}"' in html_part
    landing = client_for(None).get(link.removeprefix("https://aktivist.example.org"))
    assert landing.status_code == 302 and "/e/alumntraff-stockholm/" in landing["Location"]

    event = AuditEvent.objects.get(verb="alumni.invite")
    assert event.actor == personas.district_a
    assert (event.object_type, event.object_id) == ("programmes.event", str(gathering.pk))
    assert event.details["invited"] == 2 and event.details["without_email"] == 1
    assert "Alm" not in str(event.details) and "@" not in str(event.details)


def test_the_filter_decides_who_is_invited(
    client_for, personas, world, alumni, gathering, django_capture_on_commit_callbacks
):
    people, _, treasurer = alumni
    people["a2"].email = "kassor@example.org"
    people["a2"].save(update_fields=["email"])
    ConsentFactory(
        person=people["a2"], status=Consent.Status.CONFIRMED, confirmed_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_invite(
            client_for(personas.staff), gathering, role_type=treasurer.pk, ended_from=2022
        )
    assert recipients() == ["kassor@example.org"]
    # The page comes back to the same list.
    assert response.redirect_chain[-1][0] == f"{LIST}?role_type={treasurer.pk}&ended_from=2022"


def test_people_already_signed_up_are_not_invited_again(
    client_for, personas, alumni, gathering, django_capture_on_commit_callbacks
):
    people, _, _ = alumni
    RegistrationFactory(person=people["a1"], event=gathering)
    with django_capture_on_commit_callbacks(execute=True):
        html = post_invite(client_for(personas.district_a), gathering).content.decode()
    assert recipients() == [people["a1_en"].email]
    assert "1 alumnus was invited" in html and "1 is already signed up." in html


def test_the_same_invitation_again_within_minutes_is_refused(
    client_for, personas, alumni, gathering, django_capture_on_commit_callbacks
):
    client = client_for(personas.district_a)
    with django_capture_on_commit_callbacks(execute=True):
        post_invite(client, gathering)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(INVITE, {"event": gathering.pk})
    assert response.status_code == 400
    assert "invited to this event a few minutes ago" in response.content.decode()
    assert len(mail.outbox) == sent
    assert AuditEvent.objects.filter(verb="alumni.invite").count() == 1


def test_an_event_outside_the_scope_cannot_be_chosen(
    client_for, personas, world, alumni, gathering, django_capture_on_commit_callbacks
):
    elsewhere = EventFactory(unit=world.group_b1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(personas.district_a).post(INVITE, {"event": elsewhere.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not mail.outbox and not AuditEvent.objects.filter(verb="alumni.invite").exists()


def test_the_service_refuses_a_closed_or_hidden_event(personas, world, alumni):
    from aktivist.core.exceptions import ApplicationError

    past = EventFactory(unit=world.national, starts_at=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(ApplicationError, match="takes no sign-ups"):
        alumni_invite(actor=personas.staff, event=past, filters=AlumniFilter())
    hidden = EventFactory(unit=world.group_b1)
    with pytest.raises(ApplicationError, match="Unknown event"):
        alumni_invite(actor=personas.district_a, event=hidden, filters=AlumniFilter())


def test_nothing_goes_before_commit_and_the_snapshot_skips_who_signed_up_since(
    personas, world, gathering, alumni, django_capture_on_commit_callbacks
):
    people, _, _ = alumni
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = alumni_invite(actor=personas.staff, event=gathering, filters=AlumniFilter())
    assert result.invited == 3 and not mail.outbox  # a1, a1_en, b1: nothing before commit
    RegistrationFactory(
        person=people["a1_en"], event=gathering, status=Registration.Status.WAITLISTED
    )
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert recipients() == sorted([people["a1"].email, people["b1"].email])


def test_an_unsubscribed_or_suppressed_alumnus_gets_nothing_the_others_one_email_each(
    client_for, personas, world, alumni, gathering, django_capture_on_commit_callbacks
):
    """The invitation is a mobilization: suppressions and consent hold, as for any bulk
    email, and what goes out carries the unsubscribe link and List-Unsubscribe."""
    people, _, _ = alumni
    SuppressionFactory(
        address=people["a1"].email,
        address_hash=address_hash(people["a1"].email),
        reason=Suppression.Reason.UNSUBSCRIBED,
        purpose="",
    )
    bounced = PersonFactory(email="studsad@example.org")
    ConsentFactory(person=bounced, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now())
    SuppressionFactory(
        address=bounced.email,
        address_hash=address_hash(bounced.email),
        reason=Suppression.Reason.BOUNCED,
    )
    never_agreed = PersonFactory(email="aldrig@example.org")
    for person in (bounced, never_agreed):
        RoleFactory(
            person=person,
            unit=world.group_a2,
            started_on=dt.date(2015, 1, 1),
            ended_on=dt.date(2019, 1, 1),
        )
    with django_capture_on_commit_callbacks(execute=True):
        html = post_invite(client_for(personas.district_a), gathering).content.decode()
    assert recipients() == [people["a1_en"].email]
    assert "1 alumnus was invited" in html
    assert "3 have not agreed to email from us, or unsubscribed." in html
    (message,) = mail.outbox
    headers = message.message()
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/u/" in headers["List-Unsubscribe"]
    assert "/u/" in message.body  # the unsubscribe link in the footer
    mobilization = Mobilization.objects.get()
    assert mobilization.message.event == gathering
    skipped = dict(
        Delivery.objects.filter(mobilization=mobilization).values_list("person_id", "reason")
    )
    assert skipped[people["a1"].pk] == Delivery.Reason.UNSUBSCRIBED
    assert skipped[bounced.pk] == Delivery.Reason.BOUNCED
    assert skipped[never_agreed.pk] == Delivery.Reason.NO_CONSENT


def test_inviting_twice_sends_once_whatever_the_filter(
    client_for, personas, world, alumni, gathering, django_capture_on_commit_callbacks
):
    people, contact, treasurer = alumni
    people["a2"].email = "kassor@example.org"
    people["a2"].save(update_fields=["email"])
    ConsentFactory(
        person=people["a2"], status=Consent.Status.CONFIRMED, confirmed_at=timezone.now()
    )
    client = client_for(personas.district_a)
    with django_capture_on_commit_callbacks(execute=True):
        post_invite(client, gathering, role_type=contact.pk)
    assert recipients() == sorted([people["a1"].email, people["a1_en"].email])
    # The whole list (another filter, so not refused as a repeat): only the one not
    # invited yet gets it.
    with django_capture_on_commit_callbacks(execute=True):
        html = post_invite(client, gathering).content.decode()
    assert "1 alumnus was invited" in html and "2 were invited to this event before." in html
    assert recipients() == sorted([people["a1"].email, people["a1_en"].email, "kassor@example.org"])
    # The same invitation once the repeat window is over: nobody gets a second one.
    later = timezone.now() + alumni_module.REPEAT_WINDOW + dt.timedelta(minutes=1)
    with freeze_time(later), django_capture_on_commit_callbacks(execute=True):
        html = post_invite(client, gathering).content.decode()
    assert "0 alumni were invited" in html and "3 were invited to this event before." in html
    assert len(mail.outbox) == 3


def test_someone_a_mobilization_about_the_event_reached_is_not_invited_again(
    personas, world, alumni, gathering, django_capture_on_commit_callbacks
):
    people, _, _ = alumni
    earlier = MobilizationFactory(
        message=MessageFactory(event=gathering), status=Mobilization.Status.DONE
    )
    DeliveryFactory(
        mobilization=earlier,
        person=people["a1"],
        status=Delivery.Status.SENT,
        sent_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = alumni_invite(
            actor=personas.staff, event=gathering, filters=AlumniFilter(unit=world.group_a1)
        )
    assert result.invited == 1 and result.already_invited == 1
    assert recipients() == [people["a1_en"].email]


def test_without_alumni_or_events_the_card_says_so(client_for, personas, world, alumni):
    html = client_for(personas.staff).get(LIST).content.decode()
    assert "There is no upcoming event you can invite to." in html
    empty = client_for(personas.staff).get(LIST, {"ended_from": 2030}).content.decode()
    assert 'id="alumni-invite"' not in empty


def test_the_alumni_list_stays_within_its_query_budget(
    client_for, personas, world, alumni, gathering, django_assert_max_num_queries
):
    for _ in range(5):
        EventFactory(unit=world.group_a1)
    client = client_for(personas.district_a)
    with django_assert_max_num_queries(12):
        assert client.get(LIST).status_code == 200


def test_former_roles_show_on_the_person_page_with_their_years(client_for, personas, world, alumni):
    people, _, _ = alumni
    html = (
        client_for(personas.staff)
        .get(reverse("people:detail", args=[people["a1"].pk]))
        .content.decode()
    )
    former = html.split('id="former-roles-heading"', 1)[1].split("</ul>", 1)[0]
    assert "Group contact" in former or "group-contact" in former.lower()
    assert "Grupp Malmö" in former and "2016-01-01 – 2022-06-30" in former
