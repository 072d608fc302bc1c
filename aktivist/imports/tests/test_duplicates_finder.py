"""The duplicate finder: email variants, shared landlines and similar names inside blocks;
namesakes with different everything are not proposed; a dismissed pair never returns."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from aktivist.core.models import AuditEvent
from aktivist.core.schedule import jobs
from aktivist.imports import duplicates
from aktivist.imports.duplicate_keys import canonical_email
from aktivist.imports.duplicates import find_duplicates
from aktivist.imports.models import DuplicateCandidate
from aktivist.imports.tasks import find_duplicates_task
from aktivist.people.tests.factories import PersonFactory


def person(first: str, last: str, **kwargs):
    """A person with only what the test names (no email, mobile or birth year otherwise)."""
    kwargs.setdefault("email", None)
    kwargs.setdefault("mobile", None)
    kwargs.setdefault("birth_year", None)
    return PersonFactory(first_name=first, last_name=last, **kwargs)


def pairs() -> dict[frozenset[int], DuplicateCandidate]:
    return {frozenset((c.person_a_id, c.person_b_id)): c for c in DuplicateCandidate.objects.all()}


def paired(a, b) -> DuplicateCandidate | None:
    return pairs().get(frozenset((a.pk, b.pk)))


@pytest.mark.parametrize(
    ("email", "canonical"),
    [
        ("anna.berg@gmail.com", "annaberg@gmail.com"),
        ("A.Nna.Berg+nyhetsbrev@GMail.com", "annaberg@gmail.com"),
        ("annaberg@googlemail.com", "annaberg@gmail.com"),
        ("anna.berg@gmial.com", "annaberg@gmail.com"),
        ("anna.berg@gmail.se", "annaberg@gmail.com"),
        ("kim+aktivist@telia.com", "kim@telia.com"),
        ("kim.ek@telia.com", "kim.ek@telia.com"),  # dots matter outside Gmail
        ("kim@hotmial.com", "kim@hotmail.com"),
        ("kim@hotmal.com", "kim@hotmail.com"),
        ("kim@yaho.com", "kim@yahoo.com"),
        ("kim@outlok.com", "kim@outlook.com"),
        ("kim@telia.con", "kim@telia.com"),
        ("kim@telia.se", "kim@telia.se"),  # a real domain is never mapped onto another
        ("not-an-address", None),
        ("", None),
    ],
)
def test_canonical_email(email, canonical):
    assert canonical_email(email) == canonical


def test_gmail_dots_and_tags_are_one_mailbox(db):
    a = person("Anna", "Berg", email="anna.berg@gmail.com", mobile="+46701234567")
    b = person("Anna", "Berg", email="annaberg+kampanj@gmail.com", postcode="90325")
    c = person("Anna", "Berg", email="a.nnaberg@googlemail.com", birth_year=1970)
    find_duplicates()
    for x, y in ((a, b), (a, c), (b, c)):
        candidate = paired(x, y)
        assert candidate is not None
        assert "email_variant" in candidate.reason
        assert candidate.score >= 85


def test_a_typo_in_the_domain_is_found(db):
    a = person("Erik", "Lund", email="erik.lund@hotmail.com")
    b = person("Erik", "Lund", email="erik.lund@hotmial.com")
    find_duplicates()
    assert paired(a, b).reason == "email_variant"


def test_a_tag_elsewhere_is_ignored_but_dots_are_not(db):
    a = person("Kim", "Ek", email="kim.ek@telia.com")
    b = person("Kim", "Ek", email="kim.ek+aktivist@telia.com")
    c = person("Kim", "Ek", email="kimek@telia.com", postcode="11122")
    find_duplicates()
    assert paired(a, b) is not None
    assert paired(a, c) is None and paired(b, c) is None


def test_namesakes_with_different_everything_are_not_paired(db):
    a = person(
        "Anna",
        "Andersson",
        email="anna1@example.org",
        mobile="+46701000001",
        birth_year=1960,
        postcode="21145",
    )
    b = person(
        "Anna",
        "Andersson",
        email="anna2@example.org",
        mobile="+46701000002",
        birth_year=1992,
        postcode="21145",
    )
    find_duplicates()
    assert paired(a, b) is None


def test_similar_names_in_the_same_postcode_are_paired(db):
    a = person(
        "Kristina",
        "Lindqvist",
        email="kristina@example.org",
        mobile="+46701000003",
        postcode="21145",
        birth_year=1985,
    )
    b = person("Kristin", "Lindqvist", postcode="21145")
    c = person("Lindqvist", "Kristina", postcode="21145")  # first and last swapped
    find_duplicates()
    assert paired(a, b).reason == "similar_name"
    assert paired(a, c) is not None


def test_no_pair_across_blocks(db):
    # Same name, but another postcode and another birth year: never compared.
    person("Kristina", "Lindqvist", postcode="21145", birth_year=1980)
    person("Kristina", "Lindqvist", postcode="90325", birth_year=1990)
    person("Kristina", "Lindqvist")  # no postcode, no birth year: in no name block
    find_duplicates()
    assert pairs() == {}


def test_a_rare_name_born_the_same_year_elsewhere_is_paired(db):
    a = person("Tuva", "Quarnström", postcode="21145", birth_year=1999, mobile="+46701000004")
    b = person("Tuva", "Quarnström", postcode="90325", birth_year=1999, email="tuva@example.org")
    find_duplicates()
    assert paired(a, b).reason == "similar_name"


def test_elsewhere_a_name_typo_needs_more_than_the_birth_year(db):
    a = person("Tuva", "Quarnström", postcode="21145", birth_year=1999, email="tuva.q@gmail.com")
    b = person("Tuva", "Qvarnström", postcode="90325", birth_year=1999)
    c = person("Tuva", "Qvarnström", postcode="11122", birth_year=1999, email="tuva.q@telia.com")
    find_duplicates()
    assert paired(a, b) is None  # a similar name and a birth year only
    assert paired(a, c).reason == "similar_name"  # … and the same address at another provider


def test_a_common_name_born_the_same_year_elsewhere_is_not(db):
    for n in range(5):
        person("Anna", "Karlsson", postcode=f"{21100 + n}", birth_year=1990)
    result = find_duplicates()
    assert pairs() == {}
    assert result.common_names_skipped >= 1


def test_a_shared_landline_pairs_alike_names_but_not_a_household(db):
    a = person("Anna", "Berg", other_phone="+4646123456")
    b = person("Ana", "Berg", other_phone="+4646123456", email="ana@example.org")
    c = person("Erik", "Berg", other_phone="+4646123456")
    find_duplicates()
    assert "landline" in paired(a, b).reason
    assert paired(a, c) is None and paired(b, c) is None


def test_a_dismissed_pair_never_comes_back(db):
    a = person("Erik", "Lund", email="erik.lund@hotmail.com")
    b = person("Erik", "Lund", email="erik.lund@hotmial.com")
    find_duplicates()
    candidate = paired(a, b)
    candidate.status = DuplicateCandidate.Status.DISMISSED
    candidate.save()

    again = find_duplicates()

    assert again.found == 1 and again.created == 0
    assert DuplicateCandidate.objects.get().status == DuplicateCandidate.Status.DISMISSED


def test_erased_people_are_left_out(db):
    a = person("Erik", "Lund", email="erik.lund@hotmail.com")
    person("Erik", "Lund", email="erik.lund@hotmial.com", is_active=False)
    find_duplicates()
    assert not DuplicateCandidate.objects.filter(person_a=a).exists()
    assert not DuplicateCandidate.objects.filter(person_b=a).exists()


def test_large_blocks_use_a_sorted_window(db, monkeypatch):
    monkeypatch.setattr(duplicates, "FULL_COMPARE_LIMIT", 2)
    monkeypatch.setattr(duplicates, "WINDOW", 2)
    names = ["Agnes", "Bodil", "Cecilia", "Dagny", "Elin", "Frida"]
    for first in names:
        person(first, "Nyström", postcode="21145")
    a = person("Margareta", "Nyström", postcode="21145", email="m@example.org")
    b = person("Margaretha", "Nyström", postcode="21145")
    result = find_duplicates()
    assert paired(a, b) is not None
    assert result.comparisons < 8 * 7 // 2  # not every pair


def test_each_run_is_audited_with_counts_only(db):
    person("Erik", "Lund", email="erik.lund@hotmail.com")
    person("Erik", "Lund", email="erik.lund@hotmial.com")
    find_duplicates()
    event = AuditEvent.objects.get(verb="duplicates.find")
    assert event.details["created"] == 1 and event.details["by_reason"]["email_variant"] == 1
    assert "erik" not in str(event.details).lower()


def test_the_command_and_the_nightly_task_run_the_finder(db, capsys):
    person("Erik", "Lund", email="erik.lund@hotmail.com")
    person("Erik", "Lund", email="erik.lund@hotmial.com")
    call_command("find_duplicates")
    assert "1 new" in capsys.readouterr().out
    result = find_duplicates_task.enqueue()
    assert result.return_value is not None
    assert result.return_value["created"] == 0 and result.return_value["found"] == 1
    job = jobs["find_duplicates"]
    assert job.task is find_duplicates_task and job.period == "daily"
