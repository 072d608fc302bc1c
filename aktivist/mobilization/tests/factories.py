from __future__ import annotations

import factory
from django.utils import timezone

from aktivist.mobilization.models import Delivery, Message, Mobilization, Purpose, Suppression
from aktivist.mobilization.models import address_hash as hash_of
from aktivist.segments.models import Segment


class SegmentFactory(factory.django.DjangoModelFactory[Segment]):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")
    tree = factory.LazyFunction(lambda: {"condition": "membership_status", "value": ["member"]})


class MessageFactory(factory.django.DjangoModelFactory[Message]):
    class Meta:
        model = Message

    name = factory.Sequence(lambda n: f"Utskick {n}")
    purpose = Purpose.CAMPAIGNS
    subject_sv = "Hej {{ first_name | vän }}, skriv under!"
    body_sv = "Hej **{{ first_name | vän }}**,\n\nJournalisten sitter fängslad. Skriv under idag."
    subject_en = "Hello {{ first_name | friend }}, sign now!"
    body_en = "Hello **{{ first_name | friend }}**,\n\nThe journalist is detained. Sign today."


class MobilizationFactory(factory.django.DjangoModelFactory[Mobilization]):
    class Meta:
        model = Mobilization

    name = factory.Sequence(lambda n: f"Mobilisering {n}")
    message = factory.SubFactory(MessageFactory)
    segment = factory.SubFactory(SegmentFactory)


class DeliveryFactory(factory.django.DjangoModelFactory[Delivery]):
    class Meta:
        model = Delivery

    mobilization = factory.SubFactory(MobilizationFactory)
    person = factory.SubFactory("aktivist.people.tests.factories.PersonFactory")
    status = Delivery.Status.SENT
    due_at = factory.LazyFunction(timezone.now)
    sent_at = factory.LazyFunction(timezone.now)


class SuppressionFactory(factory.django.DjangoModelFactory[Suppression]):
    class Meta:
        model = Suppression

    address = factory.Sequence(lambda n: f"suppressed{n}@example.org")
    address_hash = factory.LazyAttribute(lambda o: hash_of(o.address))
    reason = Suppression.Reason.BOUNCED
