from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aktivist.core.models import AuditEvent
from aktivist.organisation.models import Role, UnitMembership
from aktivist.organisation.tests.factories import RoleFactory, RoleTypeFactory
from aktivist.people.models import Consent, Interaction
from aktivist.people.tests.factories import ConsentFactory, InteractionFactory, TagFactory

HTMX = {"HX-Request": "true"}


def detail(person):
    return reverse("people:detail", args=[person.pk])


def test_person_page_shows_profile_units_roles_tags_consents_and_timeline(
    client_for, personas, world
):
    person = world.role_a1
    person.tags.add(TagFactory(name="talare"))
    ConsentFactory(
        person=person,
        channel=Consent.Channel.SMS,
        purpose=Consent.Purpose.RAPID_RESPONSE,
        status=Consent.Status.CONFIRMED,
        confirmed_at=timezone.now(),
        source="petition",
    )
    InteractionFactory(person=person, text="Pratade om sommarkampanjen", author=personas.staff)
    html = client_for(personas.coordinator_a1).get(detail(person)).content.decode()
    assert "Rut Roos" in html
    assert "Group contact" in html and "Grupp Malmö" in html
    assert "talare" in html
    assert "SMS" in html and "Rapid-response network" in html and "Confirmed" in html
    assert "petition" in html
    assert "Pratade om sommarkampanjen" in html


def test_coordinator_cannot_open_a_person_of_another_group(client_for, personas, world):
    client = client_for(personas.coordinator_a1)
    assert client.get(detail(world.member_b1)).status_code == 404
    assert client.get(reverse("people:edit", args=[world.member_b1.pk])).status_code == 404
    response = client.post(
        reverse("people:interaction_add", args=[world.member_b1.pk]),
        {"interaction-kind": "note", "interaction-text": "hej"},
    )
    assert response.status_code == 404
    assert not Interaction.objects.filter(person=world.member_b1).exists()


def test_unknown_and_non_numeric_ids_are_not_found(client_for, personas, world):
    client = client_for(personas.staff)
    assert client.get("/people/999999/").status_code == 404
    assert client.get("/people/abc/").status_code == 404
    assert client.get("/people/1.5/edit/").status_code == 404


def test_board_viewer_cannot_open_a_person(client_for, personas, world):
    assert client_for(personas.board).get(detail(world.member_a1)).status_code == 404


def test_adding_a_note_puts_it_on_the_timeline_and_in_the_audit_log(client_for, personas, world):
    client = client_for(personas.coordinator_a1)
    url = reverse("people:interaction_add", args=[world.member_a1.pk])
    response = client.post(
        url,
        {
            "interaction-kind": "call",
            "interaction-text": "Vill hjälpa till på aktionsdagen",
            "interaction-outcome": "Ja",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#timeline")
    interaction = Interaction.objects.get(person=world.member_a1)
    assert interaction.kind == "call" and interaction.author == personas.coordinator_a1
    assert AuditEvent.objects.filter(
        verb="interaction.call", person_id=world.member_a1.pk, actor=personas.coordinator_a1
    ).exists()
    html = client.get(detail(world.member_a1)).content.decode()
    assert "Vill hjälpa till på aktionsdagen" in html
    assert "Added to the timeline." in html


def test_htmx_note_returns_the_timeline_section_that_the_page_includes(client_for, personas, world):
    client = client_for(personas.staff)
    response = client.post(
        reverse("people:interaction_add", args=[world.member_a1.pk]),
        {"interaction-kind": "note", "interaction-text": "Ny volontär"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<section class="card" id="timeline"')
    assert "Ny volontär" in html and "Added to the timeline." in html
    assert "<html" not in html


def test_a_follow_up_for_me_by_default_and_marking_it_done(client_for, personas, world):
    client = client_for(personas.district_a)
    due = timezone.localdate() + dt.timedelta(days=3)
    client.post(
        reverse("people:interaction_add", args=[world.member_a1.pk]),
        {"interaction-kind": "meeting", "interaction-follow_up_due": due.isoformat()},
    )
    interaction = Interaction.objects.get(person=world.member_a1)
    assert interaction.follow_up_owner == personas.district_a
    assert interaction.follow_up_due == due
    response = client.post(
        reverse("people:follow_up_done", args=[world.member_a1.pk, interaction.pk]),
        headers=HTMX,
    )
    assert "Follow-up marked as done." in response.content.decode()
    interaction.refresh_from_db()
    assert interaction.follow_up_done_at is not None


def test_follow_up_owner_can_be_another_account_that_sees_the_person(client_for, personas, world):
    client = client_for(personas.coordinator_a1)
    page = client.get(detail(world.member_a1)).content.decode()
    # The district and the secretariat see Märta; the other district's coordinator does not.
    assert personas.district_a.name in page and personas.staff.name in page
    assert personas.coordinator_b1.name not in page
    due = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    client.post(
        reverse("people:interaction_add", args=[world.member_a1.pk]),
        {
            "interaction-kind": "note",
            "interaction-text": "Ring henne",
            "interaction-follow_up_due": due,
            "interaction-follow_up_owner": personas.district_a.pk,
        },
    )
    assert Interaction.objects.get(person=world.member_a1).follow_up_owner == personas.district_a
    refused = client.post(
        reverse("people:interaction_add", args=[world.member_a1.pk]),
        {
            "interaction-kind": "note",
            "interaction-text": "Ring honom",
            "interaction-follow_up_due": due,
            "interaction-follow_up_owner": personas.coordinator_b1.pk,
        },
    )
    assert refused.status_code == 400
    assert Interaction.objects.filter(person=world.member_a1).count() == 1


def test_an_empty_note_is_refused_with_a_message_not_an_error_page(client_for, personas, world):
    client = client_for(personas.staff)
    url = reverse("people:interaction_add", args=[world.member_a1.pk])
    response = client.post(url, {"interaction-kind": "note"}, headers=HTMX)
    assert response.status_code == 200
    assert "Write something, an outcome or a follow-up." in response.content.decode()
    response = client.post(url, {"interaction-kind": "nonsense"})
    assert response.status_code == 400
    assert not Interaction.objects.exists()


def test_adding_and_removing_a_tag(client_for, personas, world):
    client = client_for(personas.coordinator_a1)
    response = client.post(
        reverse("people:tag_add", args=[world.member_a1.pk]), {"tag-name": " Talare  "}
    )
    assert response.status_code == 302
    tag = world.member_a1.tags.get()
    assert tag.name == "Talare"
    response = client.post(
        reverse("people:tag_remove", args=[world.member_a1.pk, tag.pk]), headers=HTMX
    )
    assert 'id="tags"' in response.content.decode()
    assert not world.member_a1.tags.exists()
    assert client.post(reverse("people:tag_remove", args=[world.member_a1.pk, 9999])).status_code
    assert AuditEvent.objects.filter(verb="tag.remove", person_id=world.member_a1.pk).exists()


def test_start_and_end_a_membership_within_my_scope(client_for, personas, world):
    client = client_for(personas.district_a)
    response = client.post(
        reverse("people:membership_start", args=[world.home_a.pk]),
        {"membership-unit": world.group_a2.pk},
        headers=HTMX,
    )
    assert "Now a member of Grupp Lund." in response.content.decode()
    membership = UnitMembership.objects.get(person=world.home_a, unit=world.group_a2)
    client.post(
        reverse("people:membership_end", args=[world.home_a.pk, membership.pk]),
        {"ended_on": timezone.localdate().isoformat()},
    )
    membership.refresh_from_db()
    assert membership.ended_on == timezone.localdate()
    html = client.get(detail(world.home_a)).content.decode()
    assert "Past memberships" in html


def test_a_unit_outside_my_scope_cannot_be_chosen(client_for, personas, world):
    client = client_for(personas.coordinator_a1)
    response = client.post(
        reverse("people:membership_start", args=[world.member_a1.pk]),
        {"membership-unit": world.group_b1.pk},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not UnitMembership.objects.filter(person=world.member_a1, unit=world.group_b1).exists()


def test_ending_a_role_lists_it_under_former_roles_and_the_units_former_holders(
    client_for, personas, world
):
    client = client_for(personas.district_a)
    role = Role.objects.get(person=world.role_a1)
    response = client.post(
        reverse("people:role_end", args=[world.role_a1.pk, role.pk]),
        {"ended_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.ended_on == timezone.localdate()
    assert AuditEvent.objects.filter(verb="role.end", person_id=world.role_a1.pk).exists()
    html = client.get(detail(world.role_a1)).content.decode()
    former = html.split("Former roles", 1)[1]
    assert "Group contact" in former
    unit_html = client.get(
        reverse("organisation:unit_detail", args=[world.group_a1.pk])
    ).content.decode()
    assert "Rut Roos" in unit_html.split("Former role holders", 1)[1]


def test_ending_a_role_twice_or_before_it_started_is_a_message(client_for, personas, world):
    client = client_for(personas.district_a)
    role = Role.objects.get(person=world.role_a1)
    early = client.post(
        reverse("people:role_end", args=[world.role_a1.pk, role.pk]),
        {"ended_on": "2000-01-01"},
        headers=HTMX,
    )
    assert "A role cannot end before it started." in early.content.decode()
    bad_date = client.post(
        reverse("people:role_end", args=[world.role_a1.pk, role.pk]),
        {"ended_on": "not a date"},
        headers=HTMX,
    )
    assert bad_date.status_code == 200 and "valid date" in bad_date.content.decode()
    client.post(reverse("people:role_end", args=[world.role_a1.pk, role.pk]), {})
    again = client.post(reverse("people:role_end", args=[world.role_a1.pk, role.pk]), {})
    assert again.status_code == 302
    page = client.get(detail(world.role_a1)).content.decode()
    assert "This role has already ended." in page


def test_start_a_role_in_my_unit(client_for, personas, world):
    speaker = RoleTypeFactory(slug="speaker", name="Talesperson", name_en="Speaker")
    inactive = RoleTypeFactory(slug="old", name="Gammal", name_en="Old", is_active=False)
    client = client_for(personas.coordinator_a1)
    page = client.get(detail(world.member_a1)).content.decode()
    assert "Speaker" in page and ">Old<" not in page
    client.post(
        reverse("people:role_start", args=[world.member_a1.pk]),
        {"role-role_type": speaker.pk, "role-unit": world.group_a1.pk},
    )
    assert Role.objects.filter(
        person=world.member_a1, role_type=speaker, ended_on__isnull=True
    ).exists()
    response = client.post(
        reverse("people:role_start", args=[world.member_a1.pk]),
        {"role-role_type": inactive.pk, "role-unit": world.group_a1.pk},
    )
    assert response.status_code == 400


def test_ending_the_last_reason_to_see_someone_goes_back_to_the_list(client_for, personas, world):
    client = client_for(personas.coordinator_a1)
    membership = UnitMembership.objects.get(person=world.member_a1)
    response = client.post(
        reverse("people:membership_end", args=[world.member_a1.pk, membership.pk]),
        {},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("people:list")
    assert client.get(detail(world.member_a1)).status_code == 404


def test_actions_need_post(client_for, personas, world):
    client = client_for(personas.staff)
    url = reverse("people:tag_add", args=[world.member_a1.pk])
    assert client.get(url).status_code == 405


@pytest.mark.parametrize("name", ["membership_end", "role_end", "follow_up_done"], ids=lambda n: n)
def test_rows_of_another_person_are_not_found(client_for, personas, world, name):
    other_role = RoleFactory(person=world.member_a2, unit=world.group_a2)
    other_membership = UnitMembership.objects.get(person=world.member_a2)
    other_interaction = InteractionFactory(person=world.member_a2)
    row = {
        "membership_end": other_membership,
        "role_end": other_role,
        "follow_up_done": other_interaction,
    }[name]
    response = client_for(personas.district_a).post(
        reverse(f"people:{name}", args=[world.member_a1.pk, row.pk])
    )
    assert response.status_code == 404
