"""Every store of personal data joins the merge, export and erasure registries and has a
retention rule — found by its fields, not only by a foreign key to Person — and erasing a
person leaves no personal value of theirs anywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from aktivist.core.registries import (
    erasure_registry,
    export_registry,
    merge_registry,
    models_pointing_to,
    personal_stores,
)
from aktivist.core.retention_rules import RULES
from aktivist.imports.reading import open_sanitised_table
from aktivist.people.models import Consent, Person
from aktivist.people.tests.factories import ConsentFactory, PersonFactory
from aktivist.privacy import erasure
from aktivist.privacy.tests.erasure_helpers import (
    EMAIL,
    FIRST,
    LAST,
    database_hits,
    file_hits,
    make_her,
)

# Parts of field names that may hold personal data (besides e-mail, IP address, JSON and file
# fields, and foreign keys to Person, which always may).
PERSONAL_NAME_PARTS = (
    "email",
    "mobile",
    "phone",
    "name",
    "address",
    "postcode",
    "birth",
    "contact",
    "text",
    "letter",
    "payload",
    "typed_",
    "guardian",
    "cells",
    "data",
    "details",
    "note",
    "username",
    "user_agent",
    "token",
    "repr",
    "message",
)

# Models whose fields look personal but hold no personal data of the people in the register.
NOT_PERSONAL: dict[str, str] = {
    "admin.LogEntry": (
        "The Django admin's log names units, role types, programmes, events, channels, tags "
        "and staff accounts: people are never edited in the admin."
    ),
    "auth.Permission": "Names of permissions.",
    "auth.Group": "Names of permission groups.",
    "sessions.Session": (
        "A signed-in staff account's session (its id and two-factor state); it expires."
    ),
    "otp_totp.TOTPDevice": (
        "A staff account's authenticator (device name and secret), deleted with the account."
    ),
    "otp_static.StaticDevice": (
        "A staff account's set of recovery codes (a device name), deleted with the account."
    ),
    "otp_static.StaticToken": (
        "One unused recovery code of a staff account: a random secret, deleted when used, "
        "when new codes are made, at a reset and with the account."
    ),
    "django_tasks_database.DBTaskResult": (
        "Queued work: tasks take ids and return counts, never a person's values."
    ),
    "organisation.RoleType": "Kinds of roles.",
    "people.Tag": "Tag names chosen by admins.",
    "people.ConsentWording": "The text a consent choice showed: the same for everyone.",
    "segments.Segment": "Conditions over people (tags, units, actions …), never their values.",
    "imports.ColumnMapping": "Saved mappings of file headers to fields.",
    "campaigns.Priority": "The action plan's priorities.",
    "campaigns.Campaign": "Campaigns: names, texts, the note proposing a national campaign.",
    "campaigns.Action": (
        "An action's texts and its target: a decision maker addressed in their public role."
    ),
    "campaigns.Channel": "A system that signs through the API: its name, origins, key hash.",
    "campaigns.IdempotencyKey": "A channel's key and the answer it got (status, action slug).",
    "programmes.Programme": "Programmes: names and texts.",
    "programmes.Event": "Events: titles, texts, places.",
    "mobilization.Message": (
        "A message's texts with merge fields: the values are filled in at send time, never "
        "stored per recipient."
    ),
    "mobilization.Mobilization": "A send: its frozen message and segment (see both).",
    "urgent.UrgentTemplate": "Texts of urgent actions with merge fields.",
    "urgent.UrgentCase": (
        "The published case of a person at risk: the text of a public action, not a record "
        "of anyone in the register."
    ),
    "urgent.CaseUpdate": "Published news of a case.",
    "privacy.ErasedIdentity": (
        "Keyed hashes (HMAC with PRIVACY_HASH_KEY) of erased people's keys: they name no one "
        "without the key, and keep an import from bringing an erased person back."
    ),
    "privacy.RetentionRule": "Rule keys and days.",
    "privacy.RetentionRun": "Runs of a rule: counts and a cursor (an id).",
}
# The person record itself: the erasure service makes it a tombstone; the people rules
# (inactive non-members, former members) decide when.
SUBJECT = "people.Person"


def _may_hold_personal_data(field: models.Field) -> bool:
    if field.is_relation:
        return field.related_model is Person
    if isinstance(
        field,
        models.EmailField | models.GenericIPAddressField | models.JSONField | models.FileField,
    ):
        return True
    if isinstance(field, models.CharField | models.TextField):
        return any(part in field.name for part in PERSONAL_NAME_PARTS)
    return False


def _personal_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if _may_hold_personal_data(f)]


def test_every_model_that_may_hold_personal_data_is_a_store_or_says_why_not():
    found = {
        model._meta.label: model
        for model in apps.get_models(include_auto_created=True)
        if _personal_fields(model)
    }
    assert len(found) >= 30  # sanity: the walk finds the project's models
    problems = {}
    for label, model in sorted(found.items()):
        if label == SUBJECT or label in NOT_PERSONAL:
            continue
        store = personal_stores.get(model)
        missing = [
            name
            for name, registry in (
                ("merge", merge_registry),
                ("export", export_registry),
                ("erasure", erasure_registry),
            )
            if model not in registry
        ]
        if store is None:
            missing.append("personal store")
        elif store.retention not in RULES:
            missing.append(f"retention rule {store.retention!r}")
        if missing:
            problems[label] = (missing, _personal_fields(model))
    assert not problems, (
        "Models that may hold personal data but are not registered as personal stores "
        f"(core.registries.register_personal_store) nor listed in NOT_PERSONAL: {problems}"
    )


def test_the_exceptions_are_real_and_never_point_to_a_person():
    labels = {model._meta.label: model for model in apps.get_models(include_auto_created=True)}
    for label, reason in NOT_PERSONAL.items():
        assert label in labels, f"{label} is no longer a model: drop it from NOT_PERSONAL"
        assert reason.strip()
        assert labels[label] not in models_pointing_to(Person), label
        assert labels[label] not in personal_stores, f"{label} is registered: drop the exception"


def test_every_store_names_fields_it_has_and_an_existing_rule():
    for model, store in personal_stores.items():
        names = {f.name for f in model._meta.concrete_fields}
        assert set(store.fields) <= names, (model._meta.label, set(store.fields) - names)
        assert store.retention in RULES, model._meta.label
    for model in models_pointing_to(Person):
        assert model in personal_stores, model._meta.label


def test_merge_moves_every_row_that_points_to_a_person(world, personas, media_root):
    keep = PersonFactory()
    drop = make_her(world=world, staff=personas.staff, directory=media_root).person
    shared = drop.tags.get()
    keep.tags.add(shared)  # the same tag on both must not collide
    ConsentFactory(person=keep, status=Consent.Status.WITHDRAWN)

    for merge in merge_registry.values():
        merge(keep, drop)

    for model in models_pointing_to(Person):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is Person:
                rows = model._default_manager.filter(**{field.name: drop})
                assert not rows.exists(), (model._meta.label, field.name)
    # The withdrawal wins over the confirmed consent: never contact against a "no".
    assert keep.consents.get().status == Consent.Status.WITHDRAWN


def test_the_export_writes_a_section_for_every_store_with_rows_about_the_person(
    world, personas, media_root
):
    her = make_her(world=world, staff=personas.staff, directory=media_root).person
    sections = {section: handler(her) for section, handler in export_registry.values()}
    # The audit trail is the organisation's record of what staff did, not hers.
    empty = {section for section, rows in sections.items() if not rows}
    assert empty == {"core.auditevent"}, empty


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


def test_no_personal_value_of_an_erased_person_remains(world, personas, media_root):
    her = make_her(world=world, staff=personas.staff, directory=media_root)
    # Every registered store has a row to erase (a new store must be added to make_her).
    empty = [m._meta.label for m in personal_stores if not m._default_manager.exists()]
    assert not empty, f"make_her gives these stores no row: {empty}"
    # Before: the search finds her everywhere she is, the kept import files included.
    before = {model for model, _field, _needle in database_hits()}
    assert {
        "people.Person",
        "programmes.Registration",
        "imports.ImportIssue",
        "programmes.AttendanceUpload",
    } <= before
    found_in = {
        Path(path).parent.parent.parent.name for path, _needle in file_hits(media_root / "media")
    }
    assert {"imports", "attendance"} <= found_in  # the kept copy, the list waiting to be read

    erasure.person_erase(actor=personas.admin, person=her.person, reason="request")

    assert database_hits() == []
    assert file_hits(Path(media_root / "media")) == []
    tombstone = Person.objects.get(pk=her.person.pk)
    kept = {
        f.attname: getattr(tombstone, f.attname)
        for f in Person._meta.concrete_fields
        if getattr(tombstone, f.attname) not in (None, "", False)
    }
    # Only the district and the age bracket (and the record's own dates and defaults).
    assert set(kept) == {
        "id",
        "created_at",
        "updated_at",
        "language",
        "home_unit_id",
        "erased_at",
        "erased_age_bracket",
    }, kept
    assert tombstone.home_unit_id == world.district_a.pk
    assert tombstone.erased_age_bracket == "18-25"


def test_the_kept_import_file_stays_readable_with_her_rows_emptied(world, personas, media_root):
    her = make_her(world=world, staff=personas.staff, directory=media_root)
    before = list(open_sanitised_table(her.batch.file.path).rows())

    erasure.person_erase(actor=personas.admin, person=her.person, reason="request")

    after = list(open_sanitised_table(her.batch.file.path).rows())
    assert [line for line, _cells in after] == [line for line, _cells in before]
    by_line = dict(after)
    erased = ["(erased)", "", "", "", "", ""]
    assert by_line[2] == erased  # her row: its line number stays, and says why it is empty
    assert by_line[3][:2] == ["Ada", "Lind"]  # someone else's row is untouched
    assert by_line[4] == erased  # her refused row
    assert FIRST not in str(after) and LAST not in str(after) and EMAIL not in str(after)
