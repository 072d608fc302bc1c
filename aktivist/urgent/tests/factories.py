from __future__ import annotations

import factory
from django.utils import timezone

from aktivist.people.models import Consent
from aktivist.people.tests.factories import ConsentFactory, PersonFactory
from aktivist.urgent.models import UrgentTemplate


class UrgentTemplateFactory(factory.django.DjangoModelFactory[UrgentTemplate]):
    class Meta:
        model = UrgentTemplate

    name = factory.Sequence(lambda n: f"Fängslad {n}")
    email_subject_sv = "Blixtaktion: {{ case_title }}"
    email_body_sv = (
        "Hej {{ first_name | vän }},\n\n{{ case_summary }}\n\n"
        "[Agera nu]({{ action_link }}) före {{ deadline }}."
    )
    email_subject_en = "Urgent action: {{ case_title }}"
    email_body_en = (
        "Hi {{ first_name | friend }},\n\n{{ case_summary }}\n\n[Act now]({{ action_link }})"
    )
    sms_sv = "Blixtaktion: {{ case_title }}. Agera: {{ action_link }}"
    sms_en = "Urgent: {{ case_title }}. Act: {{ action_link }}"
    follow_up_sv = "Hinner du? {{ case_title }} behöver dig: {{ action_link }}"
    follow_up_en = ""
    follow_up_hours = 4
    status = UrgentTemplate.Status.APPROVED
    approved_at = factory.LazyFunction(timezone.now)


def network_member(*, email: str = "", mobile: str = "", proved: bool = True, **fields):
    """A person in the rapid-response network by email and/or SMS."""
    person = PersonFactory(email=email or None, mobile=mobile or None, **fields)
    now = timezone.now()
    if email:
        ConsentFactory(
            person=person,
            channel=Consent.Channel.EMAIL,
            purpose=Consent.Purpose.RAPID_RESPONSE,
            status=Consent.Status.CONFIRMED,
            confirmed_at=now,
            confirmed_by=Consent.ConfirmedBy.DOUBLE_OPT_IN,
        )
    if mobile:
        ConsentFactory(
            person=person,
            channel=Consent.Channel.SMS,
            purpose=Consent.Purpose.RAPID_RESPONSE,
            status=Consent.Status.CONFIRMED,
            confirmed_at=now,
            confirmed_by=Consent.ConfirmedBy.SMS_CODE if proved else Consent.ConfirmedBy.IMPORT,
        )
    return person
