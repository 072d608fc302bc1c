from __future__ import annotations

import datetime as dt

import factory

from aktivist.organisation.models import PostcodePrefix, Role, RoleType, Unit, UnitMembership


class UnitFactory(factory.django.DjangoModelFactory[Unit]):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Enhet {n}")
    kind = Unit.Kind.LOCAL_GROUP


class PostcodePrefixFactory(factory.django.DjangoModelFactory[PostcodePrefix]):
    class Meta:
        model = PostcodePrefix

    unit = factory.SubFactory(UnitFactory)
    prefix = factory.Sequence(lambda n: f"{9000 + n}")


class RoleTypeFactory(factory.django.DjangoModelFactory[RoleType]):
    class Meta:
        model = RoleType
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"role-{n}")
    name = factory.LazyAttribute(lambda o: f"Roll {o.slug}")
    name_en = factory.LazyAttribute(lambda o: f"Role {o.slug}")


class UnitMembershipFactory(factory.django.DjangoModelFactory[UnitMembership]):
    class Meta:
        model = UnitMembership

    person = factory.SubFactory("aktivist.people.tests.factories.PersonFactory")
    unit = factory.SubFactory(UnitFactory)
    started_on = dt.date(2024, 1, 1)


class RoleFactory(factory.django.DjangoModelFactory[Role]):
    class Meta:
        model = Role

    person = factory.SubFactory("aktivist.people.tests.factories.PersonFactory")
    unit = factory.SubFactory(UnitFactory)
    role_type = factory.SubFactory(RoleTypeFactory)
    started_on = dt.date(2023, 1, 1)
