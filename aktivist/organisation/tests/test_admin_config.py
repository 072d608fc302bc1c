from __future__ import annotations

from django.urls import reverse

from aktivist.organisation.models import PostcodePrefix, RoleType, Unit
from aktivist.people.tests.factories import PersonFactory


def test_admin_adds_a_postcode_prefix_and_home_units_follow(
    world, personas, client_for, django_capture_on_commit_callbacks
):
    person = PersonFactory(postcode="21455", home_unit=world.district_a)
    client = client_for(personas.admin)
    url = reverse("admin:organisation_unit_change", args=[world.group_a2.pk])
    existing = client.get(url)
    assert existing.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "name": world.group_a2.name,
                "kind": world.group_a2.kind,
                "parent": world.district_a.pk,
                "municipality": "",
                "email": "",
                "is_active": "on",
                "postcode_prefixes-TOTAL_FORMS": "1",
                "postcode_prefixes-INITIAL_FORMS": "0",
                "postcode_prefixes-MIN_NUM_FORMS": "0",
                "postcode_prefixes-MAX_NUM_FORMS": "1000",
                "postcode_prefixes-0-prefix": "214",
                "postcode_prefixes-0-unit": world.group_a2.pk,
            },
            follow=True,
        )
    assert response.status_code == 200
    assert PostcodePrefix.objects.filter(prefix="214", unit=world.group_a2).exists()
    person.refresh_from_db()
    assert person.home_unit == world.group_a2  # the longest prefix wins


def test_admin_configures_role_types_and_moves_a_unit_with_its_subtree(world, personas, client_for):
    client = client_for(personas.admin)
    response = client.post(
        reverse("admin:organisation_roletype_add"),
        {
            "name": "Pressansvarig",
            "name_en": "Press officer",
            "slug": "press-officer",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert RoleType.objects.filter(slug="press-officer").exists()

    # Moving group A1 under district B moves its path (and so its subtree) with it.
    world.group_a1.parent = world.district_b
    world.group_a1.save()
    moved = Unit.objects.get(pk=world.group_a1.pk)
    assert moved.path.startswith(world.district_b.path)
    assert moved in Unit.objects.get(pk=world.district_b.pk).subtree()


def test_staff_and_scoped_accounts_cannot_configure(world, personas, client_for):
    for persona in (personas.staff, personas.district_a, personas.coordinator_a1):
        response = client_for(persona).get(reverse("admin:organisation_unit_changelist"))
        assert response.status_code in (302, 404)
