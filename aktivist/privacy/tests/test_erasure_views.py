"""The erase button on the person page and its confirmation page (privacy/views_erasure.py):
the secretariat only, a reason required, what is kept and what goes stated before."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from aktivist.campaigns.tests.factories import ParticipationFactory
from aktivist.core.models import AuditEvent
from aktivist.people.models import Person
from aktivist.people.tests.factories import ConsentFactory
from aktivist.privacy import erasure
from aktivist.privacy.models import DataSubjectRequest


def _url(person: Person) -> str:
    return reverse("privacy:person_erase", args=[person.pk])


@pytest.mark.parametrize("persona", ["admin", "staff"])
def test_the_secretariat_sees_what_is_kept_and_what_goes(client_for, personas, world, persona):
    person = world.member_a1
    ParticipationFactory(person=person)
    ConsentFactory(person=person)

    response = client_for(getattr(personas, persona)).get(_url(person))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Erase Märta Malm?" in page
    kept = dict(response.context["preview"].kept)
    removed = dict(response.context["preview"].removed)
    assert kept["Actions taken"] == 1 and removed["Consents"] == 1
    assert removed["Group memberships"] == 1
    # Looking at the page is a read of her record, and audited as one.
    assert AuditEvent.objects.filter(verb="person.read", person_id=person.pk).exists()


@pytest.mark.parametrize("persona", ["district_a", "coordinator_a1", "board", "dpo"])
def test_everyone_else_gets_a_404_even_for_someone_they_see(client_for, personas, world, persona):
    for method in ("get", "post"):
        response = getattr(client_for(getattr(personas, persona)), method)(
            _url(world.member_a1), {"reason": "request"}
        )
        assert response.status_code == 404
    assert Person.objects.get(pk=world.member_a1.pk).is_active


def test_an_anonymous_visitor_is_sent_to_log_in(client_for, world):
    response = client_for(None).post(_url(world.member_a1), {"reason": "request"})
    assert response.status_code == 302 and "/login" in response["Location"]
    assert Person.objects.get(pk=world.member_a1.pk).is_active


def test_erasing_needs_a_reason(client_for, personas, world):
    response = client_for(personas.staff).post(_url(world.member_a1), {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert Person.objects.get(pk=world.member_a1.pk).is_active


def test_erasing_leads_back_to_the_people_list_and_the_person_is_gone(client_for, personas, world):
    client = client_for(personas.staff)
    response = client.post(_url(world.member_a1), {"reason": "not_needed"})

    assert response.status_code == 302 and response["Location"] == reverse("people:list")
    [message] = list(get_messages(response.wsgi_request))
    assert "erased" in str(message)
    tombstone = Person.objects.get(pk=world.member_a1.pk)
    assert not tombstone.is_active and tombstone.first_name == ""
    assert client.get(reverse("people:detail", args=[tombstone.pk])).status_code == 404
    assert client.get(_url(tombstone)).status_code == 404  # nothing left to erase
    event = AuditEvent.objects.get(verb="person.erase")
    assert event.details == {"reason": "not_needed"}


def test_the_erasure_request_of_the_person_is_offered_and_fulfilled(client_for, personas, world):
    today = timezone.localdate()
    request = DataSubjectRequest.objects.create(
        kind=DataSubjectRequest.Kind.ERASURE,
        channel=DataSubjectRequest.Channel.EMAIL,
        status=DataSubjectRequest.Status.IDENTITY_CHECKED,
        received_on=today,
        due_on=today + dt.timedelta(days=30),
        person=world.member_a1,
    )
    DataSubjectRequest.objects.create(  # not checked yet: not offered
        kind=DataSubjectRequest.Kind.ERASURE,
        channel=DataSubjectRequest.Channel.PHONE,
        received_on=today,
        due_on=today + dt.timedelta(days=30),
        person=world.member_a1,
    )
    client = client_for(personas.admin)
    form = client.get(_url(world.member_a1)).context["form"]
    assert list(form.fields["request"].queryset) == [request]
    assert form.initial == {"request": request.pk, "reason": "request"}

    client.post(_url(world.member_a1), {"reason": "request", "request": request.pk})

    request.refresh_from_db()
    assert request.status == DataSubjectRequest.Status.FULFILLED
    assert AuditEvent.objects.get(verb="person.erase").details == {
        "reason": "request",
        "request": request.pk,
    }


def test_the_person_page_offers_the_button_to_the_secretariat_only(client_for, personas, world):
    detail = reverse("people:detail", args=[world.member_a1.pk])
    staff_page = client_for(personas.staff).get(detail).content.decode()
    district_page = client_for(personas.district_a).get(detail).content.decode()
    assert _url(world.member_a1) in staff_page
    assert _url(world.member_a1) not in district_page


@pytest.mark.parametrize(
    ("persona", "told"),
    [
        ("staff", "Erased on {day}: held for review"),
        ("district_a", "Held for review by the secretariat."),
    ],
)
def test_the_people_form_tells_the_secretariat_the_day_and_others_only_the_hold(
    client_for, personas, world, persona, told
):
    email = world.member_a1.email
    erasure.person_erase(actor=personas.admin, person=world.member_a1, reason="request")

    response = client_for(getattr(personas, persona)).post(
        reverse("people:create"),
        {
            "first_name": "Märta",
            "email": email,
            "language": "sv",
            "membership_status": "non_member",
            "unit": world.group_a1.pk,
        },
    )

    assert response.status_code == 302 and response["Location"] == reverse("people:list")
    [message] = list(get_messages(response.wsgi_request))
    assert str(message) == told.format(day=timezone.localdate().isoformat())
    assert not Person.objects.filter(email=email).exists()


def test_the_request_the_page_was_opened_from_is_chosen_among_several(client_for, personas, world):
    today = timezone.localdate()
    first, second = (
        DataSubjectRequest.objects.create(
            kind=DataSubjectRequest.Kind.ERASURE,
            channel=DataSubjectRequest.Channel.EMAIL,
            status=DataSubjectRequest.Status.IDENTITY_CHECKED,
            received_on=today,
            due_on=today + dt.timedelta(days=30),
            person=world.member_a1,
        )
        for _ in range(2)
    )
    client = client_for(personas.admin)
    assert "request" not in client.get(_url(world.member_a1)).context["form"].initial
    form = client.get(_url(world.member_a1) + f"?request={second.pk}").context["form"]
    assert form.initial == {"request": second.pk, "reason": "request"}
    # A request of someone else's is never preselected.
    other = client.get(_url(world.member_a1) + "?request=999999").context["form"]
    assert "request" not in other.initial
    assert first.pk != second.pk
