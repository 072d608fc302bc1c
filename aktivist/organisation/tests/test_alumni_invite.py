"""The alumni programme: the alumni list (its filter, within the viewer's scope) invited to
an upcoming event by email, after commit, in chunks, audited once; former roles on the
person page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from aktivist.core.models import AuditEvent
from aktivist.organisation import alumni as alumni_module
from aktivist.organisation.alumni import AlumniFilter, alumni_invite, send_invitations
from aktivist.organisation.tests.factories import RoleFactory, RoleTypeFactory
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes.models import Programme, Registration
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

LIST = reverse("organisation:alumni")
INVITE = reverse("organisation:alumni_invite")


@pytest.fixture
def alumni(world):
    """Former group contacts in A1 (two), A2 (a treasurer; no email) and B1; an erased one
    in A1; Rut's current role makes no alumna."""
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
    assert "https://aktivist.example.org/e/alumntraff-stockholm/" in message.body
    assert "Hello Alumn-a1_en," in message.body and "Föreningarnas hus" in message.body
    html_part = message.alternatives[0][0]
    assert 'href="https://aktivist.example.org/e/alumntraff-stockholm/"' in html_part

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


def test_invitations_go_out_in_chunks_after_commit(
    personas, world, gathering, monkeypatch, django_capture_on_commit_callbacks
):
    contact = RoleTypeFactory(slug="group-contact")
    for _ in range(5):
        RoleFactory(
            person=PersonFactory(),
            unit=world.group_a2,
            role_type=contact,
            started_on=dt.date(2020, 1, 1),
            ended_on=dt.date(2021, 1, 1),
        )
    monkeypatch.setattr(alumni_module, "CHUNK", 2)
    calls: list[list[int]] = []
    real = alumni_module.send_invitations

    def counting(event_id: int, ids: list[int]) -> int:
        calls.append(ids)
        return real(event_id, ids)

    monkeypatch.setattr(alumni_module, "send_invitations", counting)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = alumni_invite(actor=personas.staff, event=gathering, filters=AlumniFilter())
    assert result.invited == 5 and not mail.outbox  # nothing before commit
    for callback in callbacks:
        callback()
    assert [len(c) for c in calls] == [2, 2, 1]
    assert len(mail.outbox) == 5


def test_the_task_skips_people_erased_or_signed_up_since(world, gathering, alumni):
    people, _, _ = alumni
    erased, signed_up, still = people["a1"], people["a1_en"], people["b1"]
    erased.is_active = False
    erased.save(update_fields=["is_active"])
    RegistrationFactory(person=signed_up, event=gathering, status=Registration.Status.WAITLISTED)
    assert send_invitations(gathering.pk, [erased.pk, signed_up.pk, still.pk]) == 1
    assert recipients() == [still.email]


def test_no_invitation_for_an_event_cancelled_since(world, gathering, alumni):
    people, _, _ = alumni
    gathering.cancelled_at = timezone.now()
    gathering.save(update_fields=["cancelled_at"])
    assert send_invitations(gathering.pk, [people["a1"].pk]) == 0
    assert not mail.outbox


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
