"""Work outside the request for people: sending consent confirmations."""

from __future__ import annotations

import logging

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_tasks import task

from aktivist.core import emails, sms
from aktivist.people import consents
from aktivist.people.models import Consent

logger = logging.getLogger(__name__)


@task()
def send_consent_confirmations(consent_ids: list[int], language: str) -> None:
    """Send the double opt-in email and the SMS code for the pending consents given.
    Only these confirmation messages ever go to an address that is not confirmed."""
    pending = list(
        Consent.objects.select_related("person").filter(
            pk__in=consent_ids, status=Consent.Status.PENDING, person__is_active=True
        )
    )
    by_email = [c for c in pending if c.channel == Consent.Channel.EMAIL and c.person.email]
    by_sms = [c for c in pending if c.channel == Consent.Channel.SMS]
    if by_email:
        person = by_email[0].person
        token = consents.email_confirmation_token(c.pk for c in by_email)
        emails.send_transactional(
            "people/confirm_email",
            to=person.email or "",
            person=person,
            language=language,
            context={
                "first_name": person.first_name,
                "purposes": sorted({c.get_purpose_display() for c in by_email}),
                "confirm_path": reverse("public:confirm_email", args=[token]) + f"?lang={language}",
            },
        )
    if by_sms:
        mobile = consents.sms_consent_mobile(by_sms[0])
        if mobile:
            code = consents.sms_code_issue(by_sms)

            with translation.override(language):
                body = gettext("Your Aktivist code: %(code)s") % {"code": code}
            sms.send_sms(to=mobile, body=body)
    # A mobile typed for a known person who has none: their own inbox must confirm it too.
    by_inbox = [
        c
        for c in by_sms
        if c.pending_mobile and c.pending_mobile_inbox_at is None and c.person.email
    ]
    if by_inbox:
        person = by_inbox[0].person
        token = consents.mobile_inbox_token(by_inbox)
        emails.send_transactional(
            "people/confirm_mobile",
            to=person.email or "",
            person=person,
            language=language,
            context={
                "first_name": person.first_name,
                "mobile_ending": consents.mobile_ending(by_inbox[0].pending_mobile),
                "purposes": sorted({c.get_purpose_display() for c in by_inbox}),
                "confirm_path": reverse("public:confirm_email", args=[token]) + f"?lang={language}",
            },
        )
    logger.info(
        "consent confirmations sent email=%d sms=%d inbox=%d",
        len(by_email),
        len(by_sms),
        len(by_inbox),
    )
