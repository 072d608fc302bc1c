"""School groups: a school name and a contact person chosen within the editor's scope, the
units list filtered to schools, and the youth share on unit pages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from aktivist.core.models import AuditEvent
from aktivist.organisation.models import Unit
from aktivist.organisation.selectors import unit_youth_share
from aktivist.organisation.services import unit_school_update
from aktivist.organisation.tests.factories import UnitFactory, UnitMembershipFactory
from aktivist.people.tests.factories import PersonFactory

SCHOOLS = reverse("organisation:unit_list") + "?kind=school_group"
YEAR = timezone.localdate().year


def unit_url(unit):
    return reverse("organisation:unit_detail", args=[unit.pk])


def school_url(unit):
    return reverse("organisation:unit_school", args=[unit.pk])


def section(html, id_):
    return html.split(f'id="{id_}"', 1)[1].split("</section>", 1)[0]


@pytest.fixture
def schools(world):
    """A school group in each district; Lund's has a teacher (Hanna, district A) as contact."""
    lund = UnitFactory(
        name="Skolgrupp Katedralskolan",
        kind=Unit.Kind.SCHOOL_GROUP,
        parent=world.district_a,
        school_name="Katedralskolan",
        contact_person=world.home_a,
    )
    umea = UnitFactory(
        name="Skolgrupp Dragonskolan",
        kind=Unit.Kind.SCHOOL_GROUP,
        parent=world.district_b,
        school_name="Dragonskolan",
        contact_person=world.home_b,
    )
    return lund, umea


def test_the_units_list_filters_to_school_groups_with_school_district_and_contact(
    client_for, personas, schools
):
    lund, umea = schools
    html = client_for(personas.staff).get(SCHOOLS).content.decode()
    assert "Skolgrupp Katedralskolan" in html and "Skolgrupp Dragonskolan" in html
    assert "Grupp Malmö" not in html  # a local group, not a school
    row = html.split("Skolgrupp Katedralskolan", 1)[1].split("</tr>", 1)[0]
    assert "Katedralskolan" in row and "Distrikt Skåne" in row and "Hanna Holm" in row
    assert reverse("people:detail", args=[lund.contact_person_id]) in row
    assert 'aria-current="page"' in html.split("School groups</a>", 1)[0].rsplit("<a", 1)[1]


def test_a_district_sees_only_its_own_schools(client_for, personas, schools):
    html = client_for(personas.district_a).get(SCHOOLS).content.decode()
    assert "Skolgrupp Katedralskolan" in html
    assert "Dragonskolan" not in html and "Ylva" not in html


def test_a_contact_the_viewer_may_not_see_is_not_named(client_for, personas, world, schools):
    lund, _ = schools
    # Coordinators of the school group see its members; Hanna is only a district contact.
    coordinator = personas.coordinator_a1
    coordinator.scopes.create(unit=lund)
    html = client_for(coordinator).get(SCHOOLS).content.decode()
    row = html.split("Skolgrupp Katedralskolan", 1)[1].split("</tr>", 1)[0]
    assert "Hanna" not in row and "Someone outside your scope" in row
    page = client_for(coordinator).get(unit_url(lund)).content.decode()
    assert "Hanna" not in section(page, "school")


def test_the_school_list_reads_in_few_queries(
    client_for, personas, world, django_assert_max_num_queries
):
    for n in range(12):
        UnitFactory(
            name=f"Skolgrupp {n}",
            kind=Unit.Kind.SCHOOL_GROUP,
            parent=world.district_a,
            contact_person=PersonFactory(home_unit=world.district_a),
        )
    client = client_for(personas.district_a)
    with django_assert_max_num_queries(8):
        assert client.get(SCHOOLS).status_code == 200


def test_the_unit_page_shows_the_school_and_its_contact(client_for, personas, world, schools):
    lund, _ = schools
    html = client_for(personas.district_a).get(unit_url(lund)).content.decode()
    card = section(html, "school")
    assert "Katedralskolan" in card
    assert "Hanna Holm" in card and reverse("people:detail", args=[world.home_a.pk]) in card
    assert school_url(lund) in card  # the district may edit it


def test_an_editor_finds_a_contact_in_scope_and_saves_it(client_for, personas, world, schools):
    lund, _ = schools
    client = client_for(personas.district_a)
    found = client.get(unit_url(lund), {"contact_q": "Märta"}).content.decode()
    assert f'value="{world.member_a1.pk}"' in section(found, "school")
    # Someone outside the district is never offered.
    outside = client.get(unit_url(lund), {"contact_q": "Björn"}).content.decode()
    assert f'value="{world.member_b1.pk}"' not in outside
    assert "No one in your scope matches that search." in outside

    response = client.post(
        school_url(lund),
        {"school_name": " Katedralskolan i Lund ", "contact_person": str(world.member_a1.pk)},
    )
    assert response.status_code == 302
    lund.refresh_from_db()
    assert (lund.school_name, lund.contact_person) == ("Katedralskolan i Lund", world.member_a1)
    event = AuditEvent.objects.get(verb="unit.school_update")
    assert event.actor == personas.district_a and event.object_id == str(lund.pk)
    assert event.details == {
        "school_name_changed": True,
        "contact_person_from": world.home_a.pk,
        "contact_person_to": world.member_a1.pk,
    }
    page = client.get(unit_url(lund)).content.decode()
    assert "The school details are saved." in page
    assert "Märta Malm" in section(page, "school")


def test_a_contact_outside_the_scope_is_refused_and_nothing_changes(
    client_for, personas, world, schools
):
    lund, _ = schools
    response = client_for(personas.district_a).post(
        school_url(lund), {"school_name": "X", "contact_person": str(world.member_b1.pk)}
    )
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    lund.refresh_from_db()
    assert (lund.school_name, lund.contact_person) == ("Katedralskolan", world.home_a)
    assert not AuditEvent.objects.filter(verb="unit.school_update").exists()


def test_the_contact_can_be_kept_or_removed(client_for, personas, world, schools):
    lund, _ = schools
    client = client_for(personas.district_a)
    client.post(school_url(lund), {"school_name": "Katedral", "contact_person": "keep"})
    lund.refresh_from_db()
    assert (lund.school_name, lund.contact_person) == ("Katedral", world.home_a)
    client.post(school_url(lund), {"school_name": "Katedral", "contact_person": "none"})
    lund.refresh_from_db()
    assert lund.contact_person is None


def test_an_editor_may_keep_a_contact_they_cannot_see(personas, world, schools):
    lund, _ = schools
    coordinator = personas.coordinator_a1
    coordinator.scopes.create(unit=lund)
    unit_school_update(
        actor=coordinator, unit=lund, school_name="Katedralskolan", contact_person=world.home_a
    )
    lund.refresh_from_db()
    assert lund.contact_person == world.home_a


@pytest.mark.parametrize("persona", ["coordinator_b1", "coordinator_a1", "board"])
def test_who_may_not_edit_the_school_gets_not_found(client_for, personas, schools, persona):
    lund, _ = schools
    response = client_for(getattr(personas, persona)).post(
        school_url(lund), {"school_name": "Hacked", "contact_person": "none"}
    )
    assert response.status_code == 404
    lund.refresh_from_db()
    assert lund.school_name == "Katedralskolan"


def test_only_school_groups_have_the_form(client_for, personas, world):
    client = client_for(personas.staff)
    assert 'id="school"' not in client.get(unit_url(world.group_a1)).content.decode()
    response = client.post(
        school_url(world.group_a1), {"school_name": "X", "contact_person": "none"}
    )
    assert response.status_code == 404


def test_youth_share_counts_members_of_the_unit_and_below(client_for, personas, world, settings):
    for birth_year in (YEAR - 16, YEAR - 25, YEAR - 26, None):
        UnitMembershipFactory(unit=world.group_a2, person=PersonFactory(birth_year=birth_year))
    world.member_a2.birth_year = YEAR - 40  # Åke, a member of A2 too
    world.member_a2.save(update_fields=["birth_year"])
    share = unit_youth_share(world.district_a)
    assert share.young == 2  # aged 16 and 25: 25 and under is young
    html = client_for(personas.district_a).get(unit_url(world.district_a)).content.decode()
    youth = html.split('id="youth-share"', 1)[1].split("</p>", 1)[0]
    assert f"young (25 or younger): 2 of {share.age_known} with a known age" in youth

    settings.YOUTH_MAX_AGE = 18
    assert unit_youth_share(world.district_a).young == 1


def test_an_erased_member_is_not_counted(world):
    before = unit_youth_share(world.group_a2)
    UnitMembershipFactory(
        unit=world.group_a2, person=PersonFactory(birth_year=YEAR - 17, is_active=False)
    )
    assert unit_youth_share(world.group_a2) == before


def test_the_units_list_shows_young_members(client_for, personas, world):
    UnitMembershipFactory(unit=world.group_a2, person=PersonFactory(birth_year=YEAR - 19))
    html = client_for(personas.staff).get(reverse("organisation:unit_list")).content.decode()
    lund = html.split("Grupp Lund", 1)[1].split("</li>", 1)[0]
    assert "1 young" in lund
