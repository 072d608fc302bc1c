"""The segment builder page: add, nest and negate conditions with a live count and a
sample, save a named segment, open it again; always in the viewer's scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aktivist.core.models import AuditEvent
from aktivist.people.models import Person
from aktivist.people.tests.test_filter_people import statuses  # noqa: F401 - a fixture
from aktivist.segments.models import Segment

pytestmark = pytest.mark.django_db


def post_data(*nodes: tuple[str, dict], **extra) -> dict:
    """Form data for builder nodes given as (path, fields)."""
    data: dict = {"node": [path for path, _ in nodes], **extra}
    for path, fields in nodes:
        for name, value in fields.items():
            data[f"{path}-{name}"] = value
    return data


def members_in_english(op="all", negate_language=False):
    return post_data(
        ("r", {"type": "group", "op": op}),
        (
            "r.0",
            {
                "type": "condition",
                "key": "membership_status",
                "was": "membership_status",
                "v-statuses": ["member"],
            },
        ),
        (
            "r.1",
            {
                "type": "condition",
                "key": "language",
                "was": "language",
                "v-language": "en",
                **({"not": "1"} if negate_language else {}),
            },
        ),
    )


def test_the_builder_counts_in_the_viewers_scope_and_shows_a_sample(client_for, personas, statuses):  # noqa: F811
    staff = client_for(personas.staff)
    response = staff.post(reverse("segments:count"), members_in_english())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>2</strong>" in html  # Märta and Ylva
    assert "Märta" in html and "Ylva" in html

    coordinator = client_for(personas.coordinator_a1)
    html = coordinator.post(reverse("segments:count"), members_in_english()).content.decode()
    assert "<strong>1</strong>" in html and "Märta" in html and "Ylva" not in html


def test_any_and_not_change_the_count(client_for, personas, statuses):  # noqa: F811
    staff = client_for(personas.staff)
    anyone = staff.post(reverse("segments:count"), members_in_english(op="any")).content.decode()
    assert "<strong>5</strong>" in anyone
    not_english = staff.post(
        reverse("segments:count"), members_in_english(negate_language=True)
    ).content.decode()
    assert "<strong>2</strong>" in not_english  # Hanna and Åke


def test_the_builder_buttons_add_nest_and_remove_conditions(client_for, personas):
    staff = client_for(personas.staff)
    data = members_in_english()
    data["op"] = "group:r"
    html = staff.post(reverse("segments:builder"), data).content.decode()
    assert 'name="r.2-type" value="group"' in html
    assert 'name="r.2.0-type" value="condition"' in html
    data = members_in_english()
    data["op"] = "remove:r.0"
    html = staff.post(reverse("segments:builder"), data).content.decode()
    # The language condition moved up to r.0 and kept its value.
    assert 'name="r.0-key"' in html and 'value="language" selected' in html
    assert "r.1-type" not in html


def test_changing_a_conditions_kind_shows_its_fields_empty(client_for, personas):
    staff = client_for(personas.staff)
    data = post_data(
        ("r", {"type": "group"}),
        ("r.0", {"type": "condition", "key": "age", "was": "language", "v-language": "en"}),
    )
    data["op"] = "refresh"
    html = staff.post(reverse("segments:builder"), data).content.decode()
    assert 'name="r.0-v-min"' in html and 'name="r.0-v-max"' in html
    assert "errorlist" not in html


def test_saving_a_segment_and_opening_it_again_keeps_its_tree(client_for, personas, statuses):  # noqa: F811
    staff = client_for(personas.staff)
    data = members_in_english(negate_language=True)
    data.update(name="Svensktalande medlemmar", description="Till höstens utskick")
    response = staff.post(reverse("segments:create"), data)
    segment = Segment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("segments:detail", args=[segment.pk])
    assert segment.tree == {
        "all": [
            {"condition": "membership_status", "value": ["member"]},
            {"not": {"condition": "language", "value": "en"}},
        ]
    }
    assert AuditEvent.objects.filter(verb="segment.create", object_id=segment.pk).exists()
    detail = staff.get(reverse("segments:detail", args=[segment.pk])).content.decode()
    assert "<strong>2</strong>" in detail
    edit = staff.get(reverse("segments:edit", args=[segment.pk])).content.decode()
    assert 'value="membership_status" selected' in edit
    assert 'name="r.1-not" value="1" checked' in edit


def test_a_segment_naming_a_unit_outside_scope_is_refused(client_for, personas, world):
    district = client_for(personas.district_a)
    data = post_data(
        ("r", {"type": "group"}),
        (
            "r.0",
            {
                "type": "condition",
                "key": "unit_subtree",
                "was": "unit_subtree",
                "v-unit": str(world.district_b.pk),
                "v-via": ["home"],
            },
        ),
    )
    data["name"] = "Norr"
    response = district.post(reverse("segments:create"), data)
    assert response.status_code == 400
    assert not Segment.objects.exists()
    # The unit is not even offered.
    assert f'value="{world.district_b.pk}"' not in response.content.decode()


def test_others_segments_outside_scope_do_not_exist_for_them(client_for, personas, world):
    segment = Segment.objects.create(
        name="Norrs", tree={"condition": "language", "value": "sv"}, unit=world.district_b
    )
    assert (
        client_for(personas.district_a)
        .get(reverse("segments:detail", args=[segment.pk]))
        .status_code
        == 404
    )
    assert client_for(personas.board).get(reverse("segments:list")).status_code == 404
    assert (
        client_for(personas.staff).get(reverse("segments:detail", args=[segment.pk])).status_code
        == 200
    )


def test_a_person_changing_never_rebuilds_anything(client_for, personas, statuses, world):  # noqa: F811
    segment = Segment.objects.create(name="Engelska", tree={"condition": "language", "value": "en"})
    staff = client_for(personas.staff)
    assert (
        "<strong>3</strong>"
        in staff.get(reverse("segments:detail", args=[segment.pk])).content.decode()
    )
    Person.objects.filter(pk=world.home_a.pk).update(language="en")
    assert (
        "<strong>4</strong>"
        in staff.get(reverse("segments:detail", args=[segment.pk])).content.decode()
    )


def test_the_people_lists_filters_can_become_a_segment(client_for, personas, statuses):  # noqa: F811
    staff = client_for(personas.staff)
    listing = staff.get(reverse("people:list"), {"status": "member", "language": "en"})
    assert "Save the filters as a segment" in listing.content.decode()
    page = staff.get(reverse("segments:create"), {"status": "member", "language": "en"})
    html = page.content.decode()
    assert 'value="membership_status" selected' in html
    assert 'value="language" selected' in html
    count = staff.post(reverse("segments:count"), members_in_english()).content.decode()
    assert "<strong>2</strong>" in count
