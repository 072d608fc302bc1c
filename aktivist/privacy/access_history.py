"""For the access export (``privacy/access.py``): who received the person's data and what
staff did with her record.

* who received it: the email and SMS providers that carried messages (from the records of
  processing), the files staff exported that held her (``core/reads.EXPORT`` rows and
  earlier exports inferred from the audit trail), hand-overs and letters to a petition's
  target, the channels that sent her signatures, webhook subscribers (none);
* the changes recorded about her (audit events of writes: who, what, when);
* the reads of her record by kind and period (not who: staff are named for what they
  wrote)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Count, Max, Min
from django.utils.translation import gettext as _

from aktivist.campaigns.models import Participation
from aktivist.core import reads
from aktivist.core.models import AuditEvent
from aktivist.mobilization.models import Delivery
from aktivist.people.models import Person
from aktivist.privacy.audit_viewer import describe, verb_label
from aktivist.privacy.sources import staff_name

# The audit verb of the access export (one event per file made).
VERB = "person.access_export"


@dataclass
class Recipient:
    kind: str  # email, sms, export, handover, letter, channel, webhook
    who: str
    what: str
    when: dt.datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Change:
    at: dt.datetime
    who: str
    what: str
    verb: str
    details: dict[str, Any]


@dataclass
class Reads:
    what: str
    verb: str
    count: int
    first: dt.datetime
    last: dt.datetime


# --- Who received it -----------------------------------------------------------------------


def recipients(person: Person, record: Any) -> list[Recipient]:
    found: list[Recipient] = []
    sent = (
        Delivery.objects.filter(person=person, sent_at__isnull=False)
        .values_list("mobilization__channel", flat=True)
        .order_by()
    )
    sent_by = {"email": 0, "sms": 0}
    for channel in sent:
        sent_by[channel] = sent_by.get(channel, 0) + 1
    # The register lists the email transport first and the SMS provider second.
    carriers = list(zip(record.recipients[:2], ("email", "sms"), strict=False))
    for provider, channel in carriers:
        found.append(
            Recipient(
                channel,
                f"{provider.name}: {provider.provider}" if provider.provider else provider.name,
                _("%(what)s Messages from mobilizations to you: %(count)s. %(safeguard)s")
                % {
                    "what": provider.what,
                    "count": sent_by.get(channel, 0),
                    "safeguard": provider.safeguard,
                },
                details={
                    "provider": provider.provider,
                    "country": provider.country,
                    "mobilization_messages": sent_by.get(channel, 0),
                },
            )
        )

    # Files staff exported with the person in them (one audit row per person and file).
    exports = AuditEvent.objects.filter(person_id=person.pk, verb__in=[reads.EXPORT, VERB])
    for event in exports.select_related("actor").order_by("created_at", "id"):
        kind = (event.details or {}).get("export") or event.verb
        found.append(
            Recipient(
                "export",
                staff_name(event.actor),
                _("Downloaded a file with your data: %(what)s.")
                % {"what": _export_words(kind, event)},
                event.created_at,
                {"export": kind, "format": (event.details or {}).get("format", "")},
            )
        )

    participations = list(
        Participation.objects.filter(person=person).select_related("action", "channel")
    )
    action_ids = [p.action_id for p in participations]
    by_action = {p.action_id: p for p in participations}
    # Earlier exports that wrote no row per person: the action's participant lists made
    # after the person took it, and hand-overs of a petition she agreed to be named in.
    lists = AuditEvent.objects.filter(
        object_type="campaigns.action",
        object_id__in=[str(i) for i in action_ids],
        verb__in=["action.participants_export", "campaigns.handover_export"],
    )
    for event in lists.select_related("actor").order_by("created_at", "id"):
        p = by_action.get(int(event.object_id))
        if p is None or event.created_at < p.created_at:
            continue
        title = p.action.title()
        if event.verb == "campaigns.handover_export":
            if not p.named:
                continue
            found.append(
                Recipient(
                    "handover",
                    p.action.target_name or staff_name(event.actor),
                    _(
                        "Your name and postcode were in the hand-over of “%(action)s” "
                        "(downloaded by %(staff)s to hand to the petition's target)."
                    )
                    % {"action": title, "staff": staff_name(event.actor)},
                    event.created_at,
                    {"action": p.action.slug, "downloaded_by": staff_name(event.actor)},
                )
            )
        else:
            found.append(
                Recipient(
                    "export",
                    staff_name(event.actor),
                    _(
                        "Downloaded the participants of “%(action)s”, which may have held "
                        "your name and contact details."
                    )
                    % {"action": title},
                    event.created_at,
                    {"export": event.verb, "action": p.action.slug},
                )
            )
    for p in participations:
        if p.letter_sent_at is not None and p.action.target_email:
            found.append(
                Recipient(
                    "letter",
                    f"{p.action.target_name} <{p.action.target_email}>".strip(),
                    _("Your letter for “%(action)s”, with your name, was emailed to its target.")
                    % {"action": p.action.title()},
                    p.letter_sent_at,
                    {"action": p.action.slug},
                )
            )
    channels = sorted({p.channel.name for p in participations if p.channel is not None})
    for name in channels:
        found.append(
            Recipient(
                "channel",
                name,
                _(
                    "This channel collected your signature on its own pages and sent it here; "
                    "it holds what you typed there."
                ),
            )
        )
    found.append(
        Recipient(
            "webhook",
            _("Webhook subscribers"),
            _("None: this installation sends no data to webhook subscribers.")
            if not apps.is_installed("aktivist.api")
            else _("Systems subscribed to events through the API."),
        )
    )
    return found


def _export_words(kind: str, event: AuditEvent) -> str:
    if kind == VERB:
        return _("a copy of this export (%(format)s)") % {
            "format": (event.details or {}).get("format", "")
        }
    label = verb_label(kind)
    return label if label != kind else kind


# --- What staff did ------------------------------------------------------------------------------


def changes(person: Person) -> list[Change]:
    """The writes about the person: every audit event with her id that is not a read, a
    search or an export (those are listed apart)."""
    apart = {*reads.READ_VERBS, reads.SEARCH, reads.EXPORT, VERB}
    events = (
        AuditEvent.objects.filter(person_id=person.pk)
        .exclude(verb__in=apart)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    return [
        Change(
            at=e.created_at,
            who=staff_name(e.actor) if e.actor_id else _("Aktivist (automatic)"),
            what=f"{verb_label(e.verb)}" + (f" ({d})" if (d := describe(e)) else ""),
            verb=e.verb,
            details=e.details if isinstance(e.details, dict) else {},
        )
        for e in events
    ]


def reads_by_kind(person: Person) -> list[Reads]:
    """How often staff were shown the record, by kind, and when first and last — not who
    (the staff who changed something are named under the changes)."""
    rows = (
        AuditEvent.objects.filter(person_id=person.pk, verb__in=reads.READ_VERBS)
        .values("verb")
        .annotate(n=Count("id"), first=Min("created_at"), last=Max("created_at"))
        .order_by("verb")
    )
    return [
        Reads(
            what=verb_label(row["verb"]),
            verb=row["verb"],
            count=row["n"],
            first=row["first"],
            last=row["last"],
        )
        for row in rows
    ]
