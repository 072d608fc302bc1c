"""The bulk writer (COPY on PostgreSQL, one INSERT executemany elsewhere) writes the same
rows as ``bulk_create`` does, field by field, on generated data — on whichever database the
suite runs (the lead runs it on both)."""

from __future__ import annotations

import datetime as dt
import random
import string
from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from aktivist.accounts.tests.factories import UserFactory
from aktivist.core.bulk import BulkWriter
from aktivist.demo.person_rows import CONSENT_COLUMNS, INTERACTION_COLUMNS, PERSON_COLUMNS
from aktivist.organisation.tests.factories import UnitFactory
from aktivist.people.models import Consent, Interaction, Person

pytestmark = pytest.mark.django_db

# Text that COPY must escape (tab, newline, backslash, \N) and non-ASCII letters.
AWKWARD = ["a\tb", "line\nbreak", "back\\slash", "\\N", "åäö ÅÄÖ", "", "plain"]


def _value(field: models.Field[Any, Any], rng: random.Random, pools: dict[str, list[Any]]) -> Any:
    """A random value of the field's type (None now and then where the field allows it)."""
    if field.null and rng.random() < 0.2:
        return None
    if isinstance(field, models.ForeignKey):
        return rng.choice(pools[field.attname])
    if field.choices:
        return rng.choice([value for value, _label in field.flatchoices])
    if isinstance(field, models.BooleanField):
        return rng.random() < 0.5
    if isinstance(field, models.IntegerField):
        return rng.randint(1930, 2015)
    if isinstance(field, models.DateTimeField):
        moment = dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.random() * 2e8)
        return moment.replace(microsecond=rng.randrange(1_000_000))
    if isinstance(field, models.DateField):
        return dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(12_000))
    if isinstance(field, models.CharField | models.TextField):
        limit = min(field.max_length or 40, 40)
        text = rng.choice(AWKWARD) + "".join(rng.choices(string.ascii_letters, k=12))
        return text[:limit]
    raise AssertionError(f"no generator for {field!r}")


def _rows(model: type[models.Model], columns: tuple[str, ...], n: int, **pools: Any) -> list[tuple]:
    rng = random.Random(f"{model.__name__}:{n}")
    fields = {f.attname: f for f in model._meta.concrete_fields}
    rows = []
    for i in range(n):
        row = {c: _value(fields[c], rng, pools) for c in columns}
        if model is Consent:  # the constraints: one per person, a confirmed one has a time
            row["person_id"] = pools["person_id"][i]
            row["confirmed_at"] = row["confirmed_at"] or timezone.now()
        rows.append(tuple(row.values()))
    return rows


def _compared(model: type[models.Model]) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "auto_now", False)
        if not getattr(f, "auto_now_add", False)
    ]


def _snapshot(model: type[models.Model], ids: list[int]) -> list[dict[str, Any]]:
    names = _compared(model)
    return list(model.objects.filter(pk__in=ids).order_by("pk").values(*names))


def _assert_same_rows(
    model: type[models.Model], columns: tuple[str, ...], rows: list[tuple]
) -> None:
    manager = model.objects
    before = set(manager.values_list("pk", flat=True))
    writer = BulkWriter(timezone.now() - dt.timedelta(days=3))
    writer.write(model, columns, rows)
    ids = sorted(set(manager.values_list("pk", flat=True)) - before)
    assert len(ids) == len(rows)
    written = _snapshot(model, ids)
    stamps = manager.filter(pk__in=ids).values_list("created_at", "updated_at")
    given = "created_at" in columns
    assert given or all(c == u == writer.now for c, u in stamps)
    manager.filter(pk__in=ids).delete()

    created = manager.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows])
    expected = _snapshot(model, [obj.pk for obj in created])
    for number, (got, want) in enumerate(zip(written, expected, strict=True)):
        for name in want:
            assert got[name] == want[name], f"{model.__name__} row {number}: {name}"


def test_bulk_writer_writes_what_bulk_create_writes():
    units = [UnitFactory().pk for _ in range(3)]
    users = [UserFactory().pk for _ in range(2)]
    person_columns = tuple(c for c in PERSON_COLUMNS if c != "id")
    _assert_same_rows(Person, person_columns, _rows(Person, person_columns, 60, home_unit_id=units))
    people = list(Person.objects.values_list("pk", flat=True)[:40])  # bulk_create's
    _assert_same_rows(
        Consent, CONSENT_COLUMNS, _rows(Consent, CONSENT_COLUMNS, 40, person_id=people)
    )
    rows = _rows(
        Interaction,
        INTERACTION_COLUMNS,
        50,
        person_id=people,
        author_id=users,
        follow_up_owner_id=users,
    )
    _assert_same_rows(Interaction, INTERACTION_COLUMNS, rows)


def test_bulk_writer_fills_the_columns_not_given():
    """A column left out gets the model's default (timestamps: the writer's now)."""
    writer = BulkWriter(timezone.now() - dt.timedelta(hours=1))
    person = Person.objects.create(first_name="A", last_name="B")
    channel = Consent._meta.get_field("channel").flatchoices[0][0]
    purpose = Consent._meta.get_field("purpose").flatchoices[0][0]
    writer.write(Consent, ("person_id", "channel", "purpose"), [(person.pk, channel, purpose)])
    consent = Consent.objects.get(person=person)
    assert consent.status == Consent._meta.get_field("status").get_default()
    assert consent.confirmed_by == ""
    assert consent.created_at == consent.updated_at == writer.now
