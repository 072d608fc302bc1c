"""The alumni programme: invite former role holders to an event.

Staff choose an upcoming event on the alumni list; the alumni the list shows (its current
filter, within the viewer's scope) get an invitation email with a personal link to the
event. The invitation is a mobilization (aktivist/mobilization): a message about the event
(purpose "campaigns and news") sent to the list's filter as a frozen segment tree, so the
engine's rules hold — only people with a confirmed email consent, never unsubscribed,
bounced or erased addresses; an unsubscribe link and List-Unsubscribe; tracked clicks and
sign-ups. Not those already signed up, and not those an earlier mobilization about the
same event reached or is about to reach (no one is invited twice). The invitation is
audited once, with counts and ids only. The same invitation (same event and filter) sent
again within a few minutes — a double click, a resubmitted form — is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from aktivist.core import audit
from aktivist.core.conditions import SegmentError
from aktivist.core.exceptions import ApplicationError
from aktivist.core.models import AuditEvent
from aktivist.mobilization import composing, recipients
from aktivist.mobilization import services as mobilization_services
from aktivist.mobilization.models import Channel, Delivery, Mobilization, Purpose
from aktivist.mobilization.segment_conditions import MAX_DAYS
from aktivist.mobilization.selectors import mobilizations_visible_to
from aktivist.organisation import selectors
from aktivist.organisation.models import Role, Unit
from aktivist.people.models import Person
from aktivist.people.selectors import filter_people
from aktivist.programmes.models import Event, Programme, Registration
from aktivist.programmes.selectors import events_visible_to

REPEAT_WINDOW = dt.timedelta(minutes=10)
VERB = "alumni.invite"
UPCOMING_LIMIT = 100  # events offered in the form


@dataclass(frozen=True)
class AlumniFilter:
    role_type_id: int | None = None
    unit: Unit | None = None
    ended_from_year: int | None = None
    ended_to_year: int | None = None

    @property
    def key(self) -> str:
        """The filter as a short string: the same filter gives the same key."""
        unit_id = self.unit.pk if self.unit is not None else None
        return f"{self.role_type_id}:{unit_id}:{self.ended_from_year}:{self.ended_to_year}"

    def roles(self, viewer: Any) -> QuerySet[Role]:
        return selectors.alumni(
            viewer,
            role_type_id=self.role_type_id,
            unit=self.unit,
            ended_from_year=self.ended_from_year,
            ended_to_year=self.ended_to_year,
        )

    def listed_tree(self) -> dict[str, Any]:
        """The list's filter as a segment condition (the "role" condition, former roles)."""
        value: dict[str, Any] = {
            "role_types": [self.role_type_id] if self.role_type_id else [],
            "state": "former",
            "unit": self.unit.pk if self.unit is not None else None,
        }
        if self.ended_from_year:
            value["ended_from"] = self.ended_from_year
        if self.ended_to_year:
            value["ended_to"] = self.ended_to_year
        return {"condition": "role", "value": value}

    def tree(self, event: Event, *, earlier: list[int]) -> dict[str, Any]:
        """Whom the invitation goes to: the listed alumni not signed up for the event and
        not reached (or about to be) by an earlier mobilization about it."""
        parts: list[dict[str, Any]] = [
            self.listed_tree(),
            {"not": {"condition": "registered_for", "value": {"events": [event.pk]}}},
        ]
        if earlier:
            messaged = {"days": MAX_DAYS, "mobilizations": earlier, "queued": True}
            parts.append({"not": {"condition": "messaged", "value": messaged}})
        return {"all": parts}


@dataclass(frozen=True)
class AlumniInvitation:
    invited: int
    without_email: int
    already_registered: int
    already_invited: int = 0  # reached by an earlier mobilization about the event
    not_reachable: int = 0  # no email consent, unsubscribed, bounced


def invitable_events(viewer: Any) -> list[Event]:
    """Upcoming events the viewer can see that take sign-ups: alumni programme events
    first, then the others, each soonest first."""
    now = timezone.now()
    events = [
        event
        for event in events_visible_to(viewer)
        .filter(starts_at__gt=now, is_published=True, cancelled_at__isnull=True)
        .filter(Q(registration_deadline__isnull=True) | Q(registration_deadline__gt=now))
        .order_by("starts_at", "id")[:UPCOMING_LIMIT]
    ]
    events.sort(key=lambda e: not is_alumni_event(e))  # stable: keeps the date order
    return events


def is_alumni_event(event: Event) -> bool:
    return event.programme is not None and event.programme.kind == Programme.Kind.ALUMNI_PROGRAMME


@transaction.atomic
def alumni_invite(*, actor: Any, event: Event, filters: AlumniFilter) -> AlumniInvitation:
    """Invite the alumni the filter lists (as the actor sees them) to the event: a message
    about the event and a mobilization to the list, so consent, suppressions, the
    unsubscribe link and tracking apply as to any bulk email, and nobody already invited
    to this event by a mobilization (this one's earlier runs or any other the actor can see)
    gets it twice. Raises ApplicationError when the event takes no sign-ups or the same
    invitation was just sent."""
    if not events_visible_to(actor).filter(pk=event.pk).exists():
        raise ApplicationError(_("Unknown event."))
    # Lock the event: two clicks of one button are decided one after the other.
    event = Event.objects.select_related("unit").select_for_update(of=("self",)).get(pk=event.pk)
    if not event.accepts_sign_ups():
        raise ApplicationError(_("This event takes no sign-ups: choose an upcoming event."))
    if AuditEvent.objects.filter(
        object_type=Event._meta.label_lower,
        object_id=str(event.pk),
        verb=VERB,
        created_at__gte=timezone.now() - REPEAT_WINDOW,
        details__filter=filters.key,
    ).exists():
        raise ApplicationError(
            _(
                "These alumni were invited to this event a few minutes ago; "
                "the emails are on their way."
            )
        )
    earlier = list(
        mobilizations_visible_to(actor)
        .filter(message__event=event, channel=Channel.EMAIL)
        .exclude(status=Mobilization.Status.CANCELLED)
        .order_by("-pk")
        .values_list("pk", flat=True)[:MAX_EARLIER]
    )
    signed_up = Registration.objects.filter(event=event).exclude(
        status=Registration.Status.CANCELLED
    )
    try:
        listed = filter_people(actor, filters.tree(event, earlier=[])).filter(is_active=True)
        already_registered = (
            filter_people(actor, filters.listed_tree())
            .filter(pk__in=signed_up.values("person_id"))
            .count()
        )
        counts = _counts(listed, earlier)
    except SegmentError as exc:  # a unit outside the actor's scope
        raise ApplicationError(exc.message) from None
    result = AlumniInvitation(
        invited=counts.get("", 0),
        without_email=counts.get(Delivery.Reason.NO_ADDRESS, 0),
        already_registered=already_registered,
        already_invited=counts.get(ALREADY_INVITED, 0),
        not_reachable=sum(
            n
            for k, n in counts.items()
            if k not in ("", Delivery.Reason.NO_ADDRESS, ALREADY_INVITED)
        ),
    )
    mobilization = None
    if result.invited:
        message = composing.message_create(
            actor=actor, name=_invitation_name(event), **invitation_texts(event)
        )
        mobilization = mobilization_services.mobilization_send_preapproved(
            actor=actor,
            name=message.name,
            message=message,
            tree=filters.tree(event, earlier=earlier),
            audience=_("Alumni on the alumni list (its filter)"),
            basis=f"alumni invitation event={event.pk} filter={filters.key}",
        )
    audit.record(
        actor=actor,
        verb=VERB,
        obj=event,
        details={
            "filter": filters.key,
            "mobilization": mobilization.pk if mobilization else None,
            "invited": result.invited,
            "without_email": result.without_email,
            "already_registered": result.already_registered,
            "already_invited": result.already_invited,
            "not_reachable": result.not_reachable,
        },
    )
    return result


ALREADY_INVITED = "already_invited"
MAX_EARLIER = 100  # earlier mobilizations about the event a tree may name


def _counts(listed: QuerySet[Person], earlier: list[int]) -> dict[str, int]:
    """How many of the listed (not signed up) people the invitation will reach, and why
    the others get nothing: the outbox's own skip reasons, computed as its snapshot will."""
    audience = recipients.Audience(purpose=Purpose.CAMPAIGNS, channel=Channel.EMAIL)
    reasons = recipients.with_reasons(listed.order_by(), audience).values_list("pk", "_reason")
    found = dict(reasons)
    if earlier:
        invited = set(
            Delivery.objects.filter(
                mobilization_id__in=earlier,
                person_id__in=listed.values("pk"),
                status__in=[
                    Delivery.Status.PENDING,
                    Delivery.Status.SENDING,
                    Delivery.Status.SENT,
                ],
            ).values_list("person_id", flat=True)
        )
        found.update({pk: ALREADY_INVITED for pk in invited})
    out: dict[str, int] = {}
    for reason in found.values():
        out[reason] = out.get(reason, 0) + 1
    return out


def _invitation_name(event: Event) -> str:
    return (_("Alumni invitation: %(event)s") % {"event": event.title})[:200]


_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]()#+\-.!<>|~])")


def _md(value: str) -> str:
    """A value written into the Markdown as plain text: punctuation escaped, and braces
    (which would read as merge fields) as parentheses."""
    value = " ".join((value or "").split()).replace("{", "(").replace("}", ")")
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", value)


def invitation_texts(event: Event) -> dict[str, Any]:
    """The message's fields: the invitation in Swedish and English, filled with the event
    (title, time, place, organiser); the greeting and the link are merge fields."""
    fields: dict[str, Any] = {
        "channel": Channel.EMAIL,
        "purpose": Purpose.CAMPAIGNS,
        "event": event,
    }
    for language in ("sv", "en"):
        with translation.override(language):
            title = " ".join(event.title.split()).replace("{", "(").replace("}", ")")
            subject = _("You are invited: %(event_title)s") % {"event_title": title}
            when = formats.date_format(timezone.localtime(event.starts_at), "j F Y, H:i")
            lines = [f"**{_md(event.title)}**", _md(when)]
            if event.place:
                lines.append(_md(event.place))
            elif event.online_url:
                lines.append(_md(_("Online")))
            lines.append(_md(_("Organised by %(unit_name)s") % {"unit_name": event.unit.name}))
            greeting = _("Hello %(first_name)s,") % {
                "first_name": "{{ first_name | " + _("friend") + " }}"
            }
            body = "\n\n".join(
                [
                    greeting,
                    _md(
                        _(
                            "You have led and carried our work, and your experience still "
                            "counts. We would like to see you at %(event_title)s."
                        )
                        % {"event_title": event.title}
                    ),
                    "\\\n".join(lines),
                    "[" + _md(_("Read more and sign up")) + "]({{ event_link }})",
                    _md(
                        _(
                            "You get this invitation from %(organisation)s because you have "
                            "held a role with us. If you would rather not be invited to "
                            "alumni events, let us know."
                        )
                        % {"organisation": settings.ORGANISATION_NAME}
                    ),
                ]
            )
        fields[f"subject_{language}"] = subject[:200]
        fields[f"body_{language}"] = body
    return fields
