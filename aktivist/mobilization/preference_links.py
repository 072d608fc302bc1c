"""A fresh link to the preference centre, asked for by email address.

Preference-centre links expire (PREFERENCE_LINK_MAX_AGE_DAYS): an expired one, or an old
unsubscribe link, shows a form for the address. Whatever is typed, the answer is the same
("if we know the address, a link is on its way"), and the web request does the same work
for a known and an unknown address — one indexed look-up and one queued task — so neither
the page nor its timing tells whether someone is in the register. The task sends the link;
the queue holds a person's id, never the typed address.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from aktivist.core.emails import send_transactional
from aktivist.core.exceptions import ApplicationError
from aktivist.lib.normalise import normalise_email
from aktivist.mobilization.tokens import preference_token
from aktivist.people.models import Person

logger = logging.getLogger(__name__)

EMAIL = "mobilization/preference_link"


def preference_link_request(*, email: str) -> None:
    """Queue a fresh link for the active person with this address (a task for an unknown
    address too, which sends nothing)."""
    from aktivist.mobilization.tasks import send_preference_link

    address = normalise_email(email) or ""
    found = (
        Person.objects.filter(email=address, is_active=True).values_list("pk", flat=True).first()
        if address
        else None
    )
    person_id = found or 0
    transaction.on_commit(lambda: send_preference_link.enqueue(person_id))


def preference_link_send(*, person_id: int) -> bool:
    """Email the person a fresh preference-centre link; False when nothing was sent."""
    person = (
        Person.objects.filter(pk=person_id, is_active=True, email__isnull=False)
        .only("pk", "email", "first_name", "language", "is_active")
        .first()
        if person_id
        else None
    )
    if person is None or not person.email:
        return False
    language = "en" if (person.language or "").startswith("en") else "sv"
    path = reverse("public:preferences", args=[preference_token(person.pk)])
    try:
        return send_transactional(
            EMAIL,
            to=person.email,
            person=person,
            language=language,
            context={
                "first_name": person.first_name,
                "url": f"{settings.SITE_URL.rstrip('/')}{path}?lang={language}",
                "valid_days": settings.PREFERENCE_LINK_MAX_AGE_DAYS,
            },
        )
    except ApplicationError:
        # Outside production only reserved domains receive mail.
        logger.warning("preference link not sent", extra={"person_id": person.pk})
        return False
