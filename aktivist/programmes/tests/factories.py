"""Factories for programmes, events, registrations and completions (shared by the
programmes tests; extend rather than copy)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from aktivist.organisation.tests.factories import UnitFactory
from aktivist.people.tests.factories import PersonFactory
from aktivist.programmes.models import Event, Programme, ProgrammeCompletion, Registration


class ProgrammeFactory(factory.django.DjangoModelFactory[Programme]):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"Program {n}")
    kind = Programme.Kind.CAMPAIGN_TRAINING
    counts_as_training = factory.LazyAttribute(lambda o: o.kind in Programme.TRAINING_KINDS)


class EventFactory(factory.django.DjangoModelFactory[Event]):
    """An event a week from now, two hours long, at a place, published, no seat limit."""

    class Meta:
        model = Event

    unit = factory.SubFactory(UnitFactory)
    title = factory.Sequence(lambda n: f"Träff {n}")
    slug = factory.Sequence(lambda n: f"traff-{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    place = "Föreningarnas hus"


class RegistrationFactory(factory.django.DjangoModelFactory[Registration]):
    class Meta:
        model = Registration

    person = factory.SubFactory(PersonFactory)
    event = factory.SubFactory(EventFactory)
    status = Registration.Status.REGISTERED
    source = Registration.Source.WEB
    waitlisted_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == Registration.Status.WAITLISTED else None
    )


class ProgrammeCompletionFactory(factory.django.DjangoModelFactory[ProgrammeCompletion]):
    class Meta:
        model = ProgrammeCompletion

    person = factory.SubFactory(PersonFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    completed_on = factory.LazyFunction(timezone.localdate)
