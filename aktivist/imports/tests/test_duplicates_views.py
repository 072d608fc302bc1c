"""The duplicate review queue: national roles only (everyone else the 404 page, anonymous
to the login), the pair side by side with a choice per differing field, merge into either
person, dismiss, and the admins' "Find duplicates now"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aktivist.imports.models import DuplicateCandidate, PersonMerge
from aktivist.people.models import Person
from aktivist.people.tests.factories import InteractionFactory, PersonFactory


@pytest.fixture
def candidate(world):
    a = PersonFactory(
        first_name="Sara",
        last_name="Nilsson",
        email="sara.nilsson@hotmail.com",
        mobile=None,
        city="Malmö",
    )
    b = PersonFactory(
        first_name="Sarah",
        last_name="Nilsson",
        email="sara.nilsson@hotmial.com",
        mobile="+46705550101",
        city="Malmö",
    )
    InteractionFactory(person=b)
    low, high = sorted((a, b), key=lambda p: p.pk)
    return DuplicateCandidate.objects.create(
        person_a=low, person_b=high, reason="email_variant,similar_name", score=92
    )


def _urls(candidate):
    return {
        "list": ("get", reverse("imports:duplicate_list")),
        "detail": ("get", reverse("imports:duplicate_detail", args=[candidate.pk])),
        "merge": ("post", reverse("imports:duplicate_merge", args=[candidate.pk])),
        "dismiss": ("post", reverse("imports:duplicate_dismiss", args=[candidate.pk])),
        "run": ("post", reverse("imports:duplicate_run")),
    }


@pytest.mark.parametrize("persona", ["district_a", "coordinator_a1", "coordinator_b1", "board"])
def test_only_national_roles_see_the_duplicate_pages(client_for, personas, candidate, persona):
    client = client_for(getattr(personas, persona))
    for name, (method, url) in _urls(candidate).items():
        data = {"keep": "a"} if name == "merge" else {}
        assert getattr(client, method)(url, data).status_code == 404, name
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.OPEN


def test_anonymous_is_sent_to_the_login(client_for, personas, candidate):
    client = client_for(None)
    for method, url in _urls(candidate).values():
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_queue_lists_open_pairs_by_score_with_their_reasons(
    client_for, personas, candidate, django_assert_max_num_queries
):
    other = DuplicateCandidate.objects.create(
        person_a=PersonFactory(first_name="Olle"),
        person_b=PersonFactory(first_name="Olof"),
        reason="landline",
        score=60,
    )
    dismissed = DuplicateCandidate.objects.create(
        person_a=PersonFactory(first_name="Greta"),
        person_b=PersonFactory(first_name="Gretha"),
        reason="similar_name",
        score=99,
        status=DuplicateCandidate.Status.DISMISSED,
    )
    client = client_for(personas.staff)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("imports:duplicate_list")).content.decode()
    assert html.index("Sara Nilsson") < html.index("Olle")
    assert "Email variant, Similar name" in html and "Same landline" in html
    assert reverse("imports:duplicate_detail", args=[candidate.pk]) in html
    assert reverse("imports:duplicate_detail", args=[other.pk]) in html
    assert reverse("imports:duplicate_detail", args=[dismissed.pk]) not in html
    assert "Find duplicates now" not in html  # admins only


def test_the_detail_shows_both_people_and_a_choice_for_each_differing_field(
    client_for, personas, candidate
):
    html = (
        client_for(personas.admin)
        .get(reverse("imports:duplicate_detail", args=[candidate.pk]))
        .content.decode()
    )
    assert "Sara" in html and "Sarah" in html
    assert 'name="choice_first_name"' in html and 'name="choice_email"' in html
    assert 'name="choice_city"' not in html  # the same on both: nothing to choose
    assert "<legend>" in html and 'for="choice_email_a"' in html
    assert "Interactions" in html
    assert "Merge into A" in html and "Merge into B" in html and "Not the same person" in html


def test_merge_keeps_the_chosen_values_and_moves_the_rest(client_for, personas, candidate):
    a, b = candidate.person_a, candidate.person_b
    assert b.interactions.count() == 1 and a.interactions.count() == 0
    response = client_for(personas.staff).post(
        reverse("imports:duplicate_merge", args=[candidate.pk]),
        {"keep": "a", "choice_first_name": "b", "choice_email": "a"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:duplicate_list")
    assert not Person.objects.filter(pk=b.pk).exists()
    kept = Person.objects.get(pk=a.pk)
    assert kept.first_name == b.first_name
    assert kept.email == a.email
    assert kept.interactions.count() == 1  # B's note moved to A
    assert kept.mobile in (a.mobile, b.mobile) and kept.mobile  # the empty one was filled
    assert PersonMerge.objects.get().dropped_person_id == b.pk
    assert not DuplicateCandidate.objects.filter(pk=candidate.pk).exists()


def test_merge_into_b(client_for, personas, candidate):
    a, b = candidate.person_a, candidate.person_b
    client_for(personas.staff).post(
        reverse("imports:duplicate_merge", args=[candidate.pk]), {"keep": "b"}
    )
    assert not Person.objects.filter(pk=a.pk).exists()
    assert Person.objects.filter(pk=b.pk).exists()


def test_dismiss_marks_the_pair_not_the_same_person(client_for, personas, candidate):
    response = client_for(personas.staff).post(
        reverse("imports:duplicate_dismiss", args=[candidate.pk]), follow=True
    )
    assert "Marked as not the same person." in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.DISMISSED
    assert candidate.decided_by == personas.staff
    assert Person.objects.filter(pk__in=[candidate.person_a_id, candidate.person_b_id]).count() == 2
    # A decided pair offers no actions any more.
    html = (
        client_for(personas.staff)
        .get(reverse("imports:duplicate_detail", args=[candidate.pk]))
        .content.decode()
    )
    assert "already been decided" in html and "Merge into A" not in html


def test_a_pair_with_an_erased_person_is_not_found(client_for, personas, candidate):
    Person.objects.filter(pk=candidate.person_b_id).update(is_active=False)
    client = client_for(personas.admin)
    assert client.get(reverse("imports:duplicate_detail", args=[candidate.pk])).status_code == 404
    response = client.post(reverse("imports:duplicate_merge", args=[candidate.pk]), {"keep": "a"})
    assert response.status_code == 404


def test_admins_can_run_the_finder_now_staff_cannot(
    client_for, personas, world, django_capture_on_commit_callbacks
):
    PersonFactory(first_name="Erik", last_name="Lund", email="erik.lund@hotmail.com")
    PersonFactory(first_name="Erik", last_name="Lund", email="erik.lund@hotmial.com")
    url = reverse("imports:duplicate_run")
    assert client_for(personas.staff).post(url).status_code == 404
    assert not DuplicateCandidate.objects.exists()
    admin = client_for(personas.admin)
    assert "Find duplicates now" in admin.get(reverse("imports:duplicate_list")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url, follow=True)
    assert "The duplicate finder has started" in response.content.decode()
    assert DuplicateCandidate.objects.count() == 1  # the immediate backend ran it
