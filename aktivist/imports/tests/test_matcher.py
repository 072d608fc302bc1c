"""The row matcher: member number, then email, then mobile; conflicts; in-chunk duplicates;
scope; and a property test over generated people and rows written the ways people write."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aktivist.imports import matcher
from aktivist.imports.lookup import StoredPeople
from aktivist.imports.matcher import Matcher, Row, Target
from aktivist.imports.row_mapping import RowMapping
from aktivist.imports.rows import RowError, clean_row
from aktivist.people.models import Person
from aktivist.people.tests.factories import PersonFactory

HEADERS = ["Förnamn", "E-post", "Mobil", "Medlemsnummer"]
MAPPING = RowMapping.build(
    HEADERS,
    {
        "Förnamn": "first_name",
        "E-post": "email",
        "Mobil": "mobile",
        "Medlemsnummer": "member_number",
    },
    today=dt.date(2026, 11, 25),
)


def row(line: int, first: str = "", email: str = "", mobile: str = "", number: str = "") -> Row:
    cleaned = clean_row([first, email, mobile, number], line=line, mapping=MAPPING)
    assert not isinstance(cleaned, RowError), cleaned
    return Row(line=line, values=cleaned.given(), cells=[first, email, mobile, number])


def in_memory(*targets: Target) -> matcher.Lookup:
    def lookup(keys: dict[str, set[str]]) -> dict[tuple[str, str], Target]:
        found = {}
        for target in targets:
            for kind in matcher.KEY_FIELDS:
                value = (target.values or {}).get(kind)
                if value and value in keys.get(kind, ()):
                    found[(kind, value)] = target
        return found

    return lookup


def stored(pk: int, **values: Any) -> Target:
    return Target(pk=pk, values={name: values.get(name) for name in matcher.PERSON_FIELDS})


def test_member_number_then_email_then_mobile() -> None:
    karin = stored(
        1, first_name="Karin", email="k@example.org", mobile="+46701234567", member_number="7"
    )
    decisions = Matcher(lookup=in_memory(karin)).match(
        [
            row(2, "Karin", number="7"),
            row(3, "Karin", email="K@Example.org"),
            row(4, "Karin", mobile="070-123 45 67"),
        ]
    )
    assert [(d.kind, d.person_id) for d in decisions] == [("unchanged", 1)] * 3


def test_keys_of_two_people_are_a_conflict_and_nothing_is_changed() -> None:
    a = stored(1, first_name="A", email="a@example.org", member_number="1")
    b = stored(2, first_name="B", email="b@example.org", mobile="+46702222222")
    [decision] = Matcher(lookup=in_memory(a, b)).match(
        [row(2, "A", email="b@example.org", number="1")]
    )
    assert decision.kind == matcher.CONFLICT
    assert decision.target is None
    assert a.values["email"] == "a@example.org"  # type: ignore[index]


def test_only_empty_fields_are_filled_and_differences_reported() -> None:
    person = stored(1, first_name="Olle", email="o@example.org", mobile=None)
    [decision] = Matcher(lookup=in_memory(person)).match(
        [row(2, "Olof", email="o@example.org", mobile="0701112233")]
    )
    assert decision.kind == matcher.UPDATE
    assert decision.changes == {"mobile": "+46701112233"}
    assert decision.differs == ["first_name"]
    assert person.values["first_name"] == "Olle"  # type: ignore[index]


def test_a_filled_key_owns_the_value_for_the_rest_of_the_chunk() -> None:
    person = stored(1, first_name="Olle", email="o@example.org")
    decisions = Matcher(lookup=in_memory(person)).match(
        [
            row(2, "Olle", email="o@example.org", mobile="0701112233"),
            row(3, "Olle", mobile="0701112233"),
        ]
    )
    assert [(d.kind, d.person_id) for d in decisions] == [("update", 1), ("unchanged", 1)]


def test_the_second_occurrence_in_a_chunk_matches_the_person_the_first_creates() -> None:
    decisions = Matcher(lookup=in_memory()).match(
        [
            row(2, "Anna", email="anna@example.org"),
            row(3, "Anna", email="ANNA@example.org", mobile="+46 70 123 45 67"),
            row(4, "Anna", mobile="0701234567", number="9"),
        ]
    )
    assert [d.kind for d in decisions] == ["create", "update", "update"]
    assert decisions[1].target is decisions[0].target is decisions[2].target
    assert decisions[0].target.values == {
        "first_name": "Anna",
        "email": "anna@example.org",
        "mobile": "+46701234567",
        "member_number": "9",
    }


def test_a_person_outside_the_scope_is_held_even_when_keys_disagree() -> None:
    inside = stored(1, first_name="In", email="in@example.org")
    outside = stored(2, first_name="Ut", mobile="+46702222222")
    outside.visible = False
    decisions = Matcher(lookup=in_memory(inside, outside)).match(
        [row(2, "X", mobile="0702222222"), row(3, "X", email="in@example.org", mobile="0702222222")]
    )
    assert [d.kind for d in decisions] == ["held", "held"]
    assert decisions[0].reason == "Held for review by the secretariat"


def test_a_row_found_only_by_mobile_with_another_name_and_email_is_a_conflict() -> None:
    owner = stored(1, first_name="Karin", email="karin@example.org", mobile="+46701234567")
    [decision] = Matcher(lookup=in_memory(owner)).match(
        [row(2, "Bo", email="bo@example.org", mobile="070-123 45 67")]
    )
    assert decision.kind == matcher.CONFLICT
    assert decision.target is None and decision.changes == {}
    assert decision.reason == (
        "The mobile number belongs to someone with another name and email: check the row."
    )
    assert owner.values["email"] == "karin@example.org"  # type: ignore[index]


def test_a_row_found_only_by_mobile_whose_owner_has_no_email_is_a_conflict() -> None:
    # Taking it would give the mobile's owner a stranger's email.
    owner = stored(1, first_name="Karin", mobile="+46701234567")
    [decision] = Matcher(lookup=in_memory(owner)).match(
        [row(2, "Bo", email="bo@example.org", mobile="0701234567")]
    )
    assert decision.kind == matcher.CONFLICT
    assert owner.values["email"] is None  # type: ignore[index]


@pytest.mark.parametrize(
    ("first", "email"),
    [
        ("KARIN ", "bo@example.org"),  # the same name, another email
        ("Bo", "Karin@Example.org"),  # cannot happen by mobile alone: the email finds her
        ("Bo", ""),  # another name, no email typed
    ],
)
def test_a_row_found_by_mobile_with_the_same_name_or_no_other_email_is_the_owner(
    first: str, email: str
) -> None:
    owner = stored(1, first_name="Karin", email="karin@example.org", mobile="+46701234567")
    [decision] = Matcher(lookup=in_memory(owner)).match(
        [row(2, first, email=email, mobile="0701234567")]
    )
    assert decision.kind in (matcher.UPDATE, matcher.UNCHANGED)
    assert decision.person_id == 1


def test_a_mobile_only_match_outside_the_scope_stays_held_and_says_nothing_about_whom() -> None:
    outside = stored(2, first_name="Ut", email="ut@example.org", mobile="+46702222222")
    outside.visible = False
    [decision] = Matcher(lookup=in_memory(outside)).match(
        [row(2, "Annan", email="annan@example.org", mobile="0702222222")]
    )
    assert decision.kind == matcher.HELD
    assert decision.reason == "Held for review by the secretariat"


def test_a_later_row_of_the_chunk_with_the_same_mobile_and_another_person_is_a_conflict() -> None:
    decisions = Matcher(lookup=in_memory()).match(
        [
            row(2, "Anna", email="anna@example.org", mobile="0701234567"),
            row(3, "Bo", email="bo@example.org", mobile="0701234567"),
        ]
    )
    assert [d.kind for d in decisions] == [matcher.CREATE, matcher.CONFLICT]
    created = decisions[0].target
    assert created is not None and created.values is not None
    assert created.values["email"] == "anna@example.org"


def test_a_register_file_sets_the_membership_fields() -> None:
    person = stored(
        1,
        first_name="M",
        member_number="1",
        membership_status="former",
        membership_ended_on=dt.date(2024, 1, 1),
    )
    [decision] = Matcher(lookup=in_memory(person), register=True).match([row(2, "M", number="1")])
    assert decision.kind == matcher.UPDATE
    assert decision.changes == {"membership_status": "member", "membership_ended_on": None}


def test_people_of_recent_chunks_are_matched_before_they_are_committed() -> None:
    match = Matcher(lookup=in_memory(), recent=2)
    [first] = match.match([row(2, "Anna", email="anna@example.org")])
    first.target.pk = 100
    [second] = match.match([row(3, "Anna", email="anna@example.org", mobile="0701234567")])
    assert second.kind == matcher.UPDATE
    assert second.target is first.target
    # The database now returns the person (committed) without the mobile the run filled:
    # the run's fresher copy wins.
    committed = stored(100, first_name="Anna", email="anna@example.org")
    match.lookup = in_memory(committed)
    [third] = match.match([row(4, "Anna", mobile="0701234567")])
    assert third.kind == matcher.UNCHANGED
    assert third.target is first.target


# --- Property test -------------------------------------------------------------------------


@dataclass
class Person_:
    email: str | None
    mobile: str | None  # E.164
    number: str | None


MOBILE_PREFIXES = ("70", "72", "73", "76", "79")
MOBILE_FORMATS = (
    lambda d: f"0{d[:2]}-{d[2:5]} {d[5:7]} {d[7:]}",
    lambda d: f"0{d}",
    lambda d: f"+46 {d[:2]} {d[2:5]} {d[5:7]} {d[7:]}",
    lambda d: f"+46{d}",
    lambda d: f"0046{d}",
    lambda d: d,
    lambda d: f"0{d[:2]} {d[2:5]} {d[5:7]} {d[7:]}",
)


@st.composite
def people(draw: Any) -> list[Person_]:
    n = draw(st.integers(min_value=1, max_value=6))
    out = []
    for i in range(n):
        keys = draw(st.tuples(st.booleans(), st.booleans(), st.booleans()).filter(lambda t: any(t)))
        out.append(
            Person_(
                email=f"p{i}.x@example.org" if keys[0] else None,
                mobile=f"+46{MOBILE_PREFIXES[i % 5]}{draw(st.integers(1_000_000, 9_999_999))}"
                if keys[1]
                else None,
                number=f"{1000 + i}" if keys[2] else None,
            )
        )
    # Mobiles drawn at random may collide; make them distinct.
    seen: set[str] = set()
    for p in out:
        if p.mobile in seen:
            p.mobile = None
        if p.mobile:
            seen.add(p.mobile)
        if not (p.email or p.mobile or p.number):
            p.number = f"x{id(p)}"
    return out


def _email_variant(email: str, how: int) -> str:
    return [email, email.upper(), email.title(), f"  {email} "][how]


@st.composite
def plans(draw: Any) -> tuple[list[Person_], list[tuple[list[int], dict[str, str]]]]:
    """People, and rows: each row names the people its keys came from and its cells."""
    folk = draw(people())
    rows = []
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        sources = draw(st.lists(st.integers(0, len(folk) - 1), min_size=1, max_size=2))
        cells: dict[str, str] = {}
        used: list[int] = []
        for source in sources:
            person = folk[source]
            available = [
                k
                for k, v in (
                    ("email", person.email),
                    ("mobile", person.mobile),
                    ("number", person.number),
                )
                if v and k not in cells
            ]
            if not available:
                continue
            kinds = draw(st.lists(st.sampled_from(available), min_size=1, unique=True))
            for kind in kinds:
                if kind == "email":
                    cells["email"] = _email_variant(person.email or "", draw(st.integers(0, 3)))
                elif kind == "mobile":
                    fmt = draw(st.sampled_from(MOBILE_FORMATS))
                    cells["mobile"] = fmt((person.mobile or "")[3:])
                else:
                    cells["number"] = person.number or ""
            used.append(source)
        if cells:
            rows.append((sorted(set(used)), cells))
    return folk, rows


def _check(
    folk: list[Person_], rows: list[tuple[list[int], dict[str, str]]], pks: list[int], lookup: Any
) -> None:
    batch = [
        row(i + 2, "Namn", cells.get("email", ""), cells.get("mobile", ""), cells.get("number", ""))
        for i, (_sources, cells) in enumerate(rows)
    ]
    decisions = Matcher(lookup=lookup).match(batch)
    for (sources, _cells), decision in zip(rows, decisions, strict=True):
        assert decision.kind != matcher.CREATE, "every key belongs to someone"
        if len(sources) == 1:
            assert decision.kind in (matcher.UPDATE, matcher.UNCHANGED)
            assert decision.person_id == pks[sources[0]]
        else:
            assert decision.kind == matcher.CONFLICT
    # No key ends up with two owners.
    owners: dict[tuple[str, str], int] = {}
    for d in decisions:
        if d.target is None:
            continue
        for kind in matcher.KEY_FIELDS:
            value = (d.target.values or {}).get(kind)
            if value:
                assert owners.setdefault((kind, value), id(d.target)) == id(d.target)


@given(plans())
@settings(max_examples=150, deadline=None)
def test_every_row_matches_its_person_or_is_a_conflict(
    plan: tuple[list[Person_], list[tuple[list[int], dict[str, str]]]],
) -> None:
    folk, rows = plan
    targets = [
        stored(i + 1, first_name="Namn", email=p.email, mobile=p.mobile, member_number=p.number)
        for i, p in enumerate(folk)
    ]
    _check(folk, rows, [t.pk for t in targets], in_memory(*targets))


@pytest.mark.django_db
@given(plans())
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_every_row_matches_its_stored_person_or_is_a_conflict(
    plan: tuple[list[Person_], list[tuple[list[int], dict[str, str]]]],
) -> None:
    folk, rows = plan
    with transaction.atomic():
        stored_people = [
            PersonFactory(first_name="Namn", email=p.email, mobile=p.mobile, member_number=p.number)
            for p in folk
        ]
        lookup = StoredPeople(scope=None)
        _check(folk, rows, [p.pk for p in stored_people], lookup.lookup)
        assert lookup.queries <= 4  # per chunk, whatever its size
        transaction.set_rollback(True)
    assert not Person.objects.filter(first_name="Namn").exists()
