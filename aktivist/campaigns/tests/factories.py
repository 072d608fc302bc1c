from __future__ import annotations

import factory
from django.utils import timezone

from aktivist.campaigns.models import Action, Campaign, Participation, Priority
from aktivist.organisation.tests.factories import UnitFactory
from aktivist.people.tests.factories import PersonFactory


class PriorityFactory(factory.django.DjangoModelFactory[Priority]):
    class Meta:
        model = Priority

    name = factory.Sequence(lambda n: f"Prioritering {n}")
    year = factory.LazyFunction(lambda: timezone.localdate().year)


class CampaignFactory(factory.django.DjangoModelFactory[Campaign]):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Kampanj {n}")
    priority = factory.SubFactory(PriorityFactory)
    scope = Campaign.Scope.NATIONAL
    unit = factory.SubFactory(UnitFactory)
    origin = Campaign.Origin.SECRETARIAT
    kind = Campaign.Kind.STANDARD


class ActionFactory(factory.django.DjangoModelFactory[Action]):
    class Meta:
        model = Action

    campaign = factory.SubFactory(CampaignFactory)
    kind = Action.Kind.PETITION
    slug = factory.Sequence(lambda n: f"aktion-{n}")
    title_sv = factory.Sequence(lambda n: f"Skriv under nummer {n}")
    title_en = factory.Sequence(lambda n: f"Sign number {n}")
    text_sv = "Frige den fängslade journalisten."
    text_en = "Free the detained journalist."
    opens_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))
    goal = 1000


class ParticipationFactory(factory.django.DjangoModelFactory[Participation]):
    class Meta:
        model = Participation

    person = factory.SubFactory(PersonFactory)
    action = factory.SubFactory(ActionFactory)
    source = Participation.Source.WEB
