"""Every model that points to a person must say how merge, export and erasure treat it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from aktivist.accounts.tests.factories import UserFactory
from aktivist.campaigns.tests.factories import ParticipationFactory
from aktivist.core.registries import (
    erasure_registry,
    export_registry,
    merge_registry,
    models_pointing_to,
)
from aktivist.engagement.models import EngagementLevel, EngagementSnapshot, Level
from aktivist.imports.models import DuplicateCandidate, PersonMerge
from aktivist.mobilization.tests.factories import DeliveryFactory, SuppressionFactory
from aktivist.organisation.models import Unit
from aktivist.organisation.tests.factories import (
    RoleFactory,
    UnitFactory,
    UnitMembershipFactory,
)
from aktivist.people.models import Consent, Person, ReviewItem
from aktivist.privacy.models import DataSubjectRequest
from aktivist.people.tests.factories import (
    ConsentFactory,
    InteractionFactory,
    PersonFactory,
    TagFactory,
)
from aktivist.programmes.tests.factories import (
    ProgrammeCompletionFactory,
    RegistrationFactory,
)


def test_every_model_pointing_to_a_person_is_in_every_registry():
    pointing = models_pointing_to(Person)
    assert len(pointing) >= 6  # sanity: the walk finds the foundation's models
    missing = {
        model._meta.label: [
            name
            for name, registry in (
                ("merge", merge_registry),
                ("export", export_registry),
                ("erasure", erasure_registry),
            )
            if model not in registry
        ]
        for model in pointing
    }
    missing = {label: regs for label, regs in missing.items() if regs}
    assert not missing, f"models pointing to Person missing from registries: {missing}"


def _fill(person):
    tag = TagFactory(name="Volontär")
    person.tags.add(tag)
    ConsentFactory(person=person, status=Consent.Status.WITHDRAWN)
    InteractionFactory(person=person)
    UnitMembershipFactory(person=person)
    RoleFactory(person=person)
    ReviewItem.objects.create(kind="person_create", matched_person=person, payload={})
    UserFactory(person=person)
    other = PersonFactory()
    low, high = sorted((person, other), key=lambda p: p.pk)
    DuplicateCandidate.objects.create(person_a=low, person_b=high, reason="similar_name")
    PersonMerge.objects.create(kept=person, dropped_person_id=0)
    ParticipationFactory(person=person)
    RegistrationFactory(person=person, guardian_contact="guardian@example.org")
    ProgrammeCompletionFactory(person=person)
    UnitFactory(kind=Unit.Kind.SCHOOL_GROUP, school_name="Katedralskolan", contact_person=person)
    EngagementLevel.objects.create(person=person, level=Level.ACTED, computed_at=timezone.now())
    EngagementSnapshot.objects.create(person=person, month=dt.date(2026, 1, 1), level=Level.ACTED)
    DeliveryFactory(person=person)
    SuppressionFactory(person=person, address=person.email)
    DataSubjectRequest.objects.create(
        kind="access", channel="email", received_on="2026-12-01", due_on="2027-01-01", person=person
    )
    return tag


def test_registered_handlers_move_export_and_erase_every_related_row(db):
    keep, drop = PersonFactory(), PersonFactory()
    tag = _fill(drop)
    keep.tags.add(tag)  # the same tag on both must not collide
    ConsentFactory(person=keep, status=Consent.Status.CONFIRMED, confirmed_at="2026-01-01T00:00Z")

    for merge in merge_registry.values():
        merge(keep, drop)

    for model in models_pointing_to(Person):
        fields = [
            f.name
            for f in model._meta.get_fields()
            if f.is_relation and f.concrete and f.related_model is Person
        ]
        for field in fields:
            assert not model._default_manager.filter(**{field: drop}).exists(), model
    # The withdrawal wins over the confirmed consent: never contact against a "no".
    assert keep.consents.get().status == Consent.Status.WITHDRAWN

    sections = {section: handler(keep) for section, handler in export_registry.values()}
    assert all(rows for rows in sections.values()), sections

    for erase in erasure_registry.values():
        erase(keep)
    for model in models_pointing_to(Person):
        fields = [
            f.name
            for f in model._meta.get_fields()
            if f.is_relation and f.concrete and f.related_model is Person
        ]
        for field in fields:
            assert not model._default_manager.filter(**{field: keep}).exists(), model
