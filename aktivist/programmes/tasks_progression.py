"""Work outside the request for progression: the next-steps email after a completion."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django_tasks import task

from aktivist.core import audit, emails
from aktivist.core.models import AuditEvent
from aktivist.programmes.models import Event, ProgrammeCompletion
from aktivist.programmes.progression import next_steps_for

logger = logging.getLogger(__name__)

SENT_VERB = "completion.next_steps_sent"


def event_url(event: Event) -> str:
    """The event's public page (/e/<slug>/) as a full address."""
    try:
        path = reverse("public:event", args=[event.slug])
    except NoReverseMatch:
        path = f"/e/{event.slug}/"
    return f"{settings.SITE_URL}{path}"


@task()
def send_next_steps(completion_id: int) -> None:
    """Tell the person they completed a programme and what comes next. Sent once per
    person and programme (a completion taken back and earned again sends nothing new);
    people without an email address, or erased, get nothing."""
    completion = (
        ProgrammeCompletion.objects.select_related("person", "person__home_unit", "programme")
        .filter(pk=completion_id)
        .first()
    )
    if completion is None:
        return
    person = completion.person
    if not person.is_active or not person.email:
        return
    already = AuditEvent.objects.filter(
        verb=SENT_VERB,
        person_id=person.pk,
        object_type="programmes.programme",
        object_id=str(completion.programme_id),
    ).exists()
    if already:
        return
    steps = next_steps_for(person, completed=list(person.programme_completions.all()))
    steps = [s for s in steps if s.programme in completion.programme.next_steps.all()]
    context = {
        "first_name": person.first_name,
        "programme": completion.programme.name,
        "steps": [
            {
                "programme": step.programme.name,
                "description": step.programme.description,
                "events": [
                    {
                        "title": event.title,
                        "starts_at": event.starts_at,
                        "place": event.place,
                        "online": bool(event.online_url),
                        "url": event_url(event),
                    }
                    for event in step.events
                ],
            }
            for step in steps
        ],
    }
    with transaction.atomic():
        # Recorded before sending: at most once (a crash in between loses the email
        # rather than sending it twice).
        audit.record(
            actor=None,
            verb=SENT_VERB,
            obj=completion.programme,
            person_id=person.pk,
            details={"completion": completion.pk, "next_steps": len(steps)},
        )
    emails.send_transactional(
        "programmes/next_steps",
        to=person.email,
        person=person,
        language=person.language,
        context=context,
    )
    logger.info("next steps sent for completion %s", completion.pk)
