from __future__ import annotations

from django.urls import reverse

from aktivist.core.models import AuditEvent
from aktivist.organisation.models import UnitMembership
from aktivist.people.models import Person, ReviewItem

CREATE = reverse("people:create")


def form_data(**overrides):
    data = {
        "first_name": "Nora",
        "last_name": "Nyström",
        "email": "",
        "mobile": "",
        "other_phone": "",
        "postcode": "",
        "birth_year": "",
        "language": "sv",
        "membership_status": "non_member",
        "member_number": "",
    }
    data.update(overrides)
    return data


def test_staff_creates_a_person_with_a_phone_in_any_format(client_for, personas, world):
    response = client_for(personas.staff).post(
        CREATE, form_data(mobile="070-123 45 67", email=" Nora@Example.org ", postcode="211 45")
    )
    nora = Person.objects.get(first_name="Nora")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[nora.pk])
    assert nora.mobile == "+46701234567"
    assert nora.email == "nora@example.org"
    assert nora.home_unit == world.group_a1
    assert AuditEvent.objects.filter(verb="person.create", person_id=nora.pk).exists()


def test_invalid_phone_email_and_birth_year_are_shown_on_their_fields(client_for, personas, world):
    client = client_for(personas.staff)
    response = client.post(CREATE, form_data(mobile="12", email="not-an-email"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid phone number." in html
    assert "Enter a valid email address." in html
    response = client.post(CREATE, form_data(birth_year="1700"))
    assert "Enter a birth year between" in response.content.decode()
    landline = client.post(CREATE, form_data(mobile="040-12 34 56"))
    assert "This is not a mobile number" in landline.content.decode()
    assert not Person.objects.filter(first_name="Nora").exists()


def test_scoped_accounts_must_choose_one_of_their_units(client_for, personas, world):
    client = client_for(personas.coordinator_a1)
    page = client.get(CREATE).content.decode()
    assert "Grupp Malmö" in page and "Grupp Umeå" not in page
    missing = client.post(CREATE, form_data())
    assert "This field is required." in missing.content.decode()
    outside = client.post(CREATE, form_data(unit=world.group_b1.pk))
    assert "Select a valid choice" in outside.content.decode()
    assert not Person.objects.filter(first_name="Nora").exists()
    response = client.post(CREATE, form_data(unit=world.group_a1.pk))
    nora = Person.objects.get(first_name="Nora")
    assert response["Location"] == reverse("people:detail", args=[nora.pk])
    assert UnitMembership.objects.filter(person=nora, unit=world.group_a1).exists()
    assert client.get(response["Location"]).status_code == 200


def test_email_of_someone_outside_my_scope_is_held_for_review_naming_no_one(
    client_for, personas, world
):
    client = client_for(personas.district_a)
    response = client.post(
        CREATE,
        form_data(email=world.member_b1.email.upper(), unit=world.district_a.pk),
        follow=True,
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("people:list")
    assert "Held for review by the secretariat." in html
    assert "Björn" not in html and "Berg" not in html and "Umeå" not in html
    assert not Person.objects.filter(first_name="Nora").exists()
    item = ReviewItem.objects.get()
    assert item.matched_person == world.member_b1
    assert item.submitted_by == personas.district_a
    assert item.unit == world.district_a
    assert item.kind == ReviewItem.Kind.PERSON_CREATE


def test_duplicate_email_of_someone_i_see_links_to_them_and_saves_nothing(
    client_for, personas, world
):
    client = client_for(personas.district_a)
    response = client.post(CREATE, form_data(email=world.member_a1.email, unit=world.group_a1.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone already has this value:" in html
    assert f'<a href="{reverse("people:detail", args=[world.member_a1.pk])}">Märta Malm</a>' in html
    assert not Person.objects.filter(first_name="Nora").exists()
    assert not ReviewItem.objects.exists()


def test_edit_saves_changes_and_keeps_the_form_for_errors(client_for, personas, world):
    client = client_for(personas.coordinator_a1)
    url = reverse("people:edit", args=[world.member_a1.pk])
    page = client.get(url).content.decode()
    assert 'value="Märta"' in page
    response = client.post(
        url,
        form_data(first_name="Märta", last_name="Malmberg", mobile="0701234599", birth_year="1999"),
    )
    assert response.status_code == 302
    world.member_a1.refresh_from_db()
    assert world.member_a1.last_name == "Malmberg"
    assert world.member_a1.mobile == "+46701234599"
    bad = client.post(url, form_data(first_name=""))
    assert "This field is required." in bad.content.decode()


def test_edit_with_the_mobile_of_someone_outside_scope_is_held(client_for, personas, world):
    world.home_b.mobile = "+46709876543"
    world.home_b.save(update_fields=["mobile"])
    client = client_for(personas.coordinator_a1)
    url = reverse("people:edit", args=[world.member_a1.pk])
    response = client.post(
        url,
        form_data(first_name="Märta", last_name="Malm", mobile="070-987 65 43"),
        follow=True,
    )
    html = response.content.decode()
    assert "Held for review by the secretariat." in html
    assert "Ylva" not in html
    world.member_a1.refresh_from_db()
    assert world.member_a1.mobile != "+46709876543"
    assert ReviewItem.objects.get().kind == ReviewItem.Kind.PERSON_UPDATE


def test_anonymous_and_board_cannot_create(client, client_for, personas, world):
    assert client.get(CREATE).status_code == 302
    assert client_for(personas.board).get(CREATE).status_code == 404
    assert client_for(personas.board).post(CREATE, form_data()).status_code == 404
    assert not Person.objects.filter(first_name="Nora").exists()
