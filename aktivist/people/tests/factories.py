from __future__ import annotations

import factory

from aktivist.people.models import Consent, Interaction, Person, Tag


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    first_name = factory.Faker("first_name", locale="sv_SE")
    last_name = factory.Faker("last_name", locale="sv_SE")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    mobile = factory.Sequence(lambda n: f"+4670{n:07d}")
    birth_year = 1990


class TagFactory(factory.django.DjangoModelFactory[Tag]):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tagg-{n}")


class ConsentFactory(factory.django.DjangoModelFactory[Consent]):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    channel = Consent.Channel.EMAIL
    purpose = Consent.Purpose.CAMPAIGNS
    status = Consent.Status.PENDING


class InteractionFactory(factory.django.DjangoModelFactory[Interaction]):
    class Meta:
        model = Interaction

    person = factory.SubFactory(PersonFactory)
    kind = Interaction.Kind.NOTE
    text = "Samtal om hösten"
