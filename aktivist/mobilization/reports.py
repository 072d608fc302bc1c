"""What a mobilization reached and what it brought: who would be skipped (before sending)
and which of the segment's conditions worked (after)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q

from aktivist.mobilization import outbox, texting
from aktivist.mobilization.models import Delivery, Mobilization
from aktivist.people.models import Person
from aktivist.segments.builder import describe_leaf, leaves
from aktivist.segments.compiler import compile_tree, filter_people
from aktivist.segments.registry import SegmentError


@dataclass(frozen=True)
class Reach:
    total: int
    reachable: int
    skipped: list[tuple[str, str, int]]  # (reason, label, count)


def reach(mobilization: Mobilization, tree: Any) -> Reach:
    """How many of the segment's people would get the message now, and why the others
    would not: the snapshot's own reasons, counted without writing anything."""
    people = filter_people(mobilization.created_by, tree).order_by()
    audience = outbox.Audience.of(mobilization)
    rows = (
        outbox.with_consent(people, audience)
        .annotate(_reason=outbox.skip_reason_expression(audience))
        .values("_reason")
        .annotate(n=Count("pk"))
    )
    labels = dict(Delivery.Reason.choices)
    counts = {row["_reason"]: row["n"] for row in rows}
    skipped = sorted(
        ((reason, str(labels.get(reason, reason)), n) for reason, n in counts.items() if reason),
        key=lambda r: -r[2],
    )
    return Reach(total=sum(counts.values()), reachable=counts.get("", 0), skipped=skipped)


@dataclass(frozen=True)
class SmsCost:
    recipients: int
    parts: int  # per message, the longer language version at typical lengths
    price: Decimal  # per part
    total: Decimal
    currency: str
    quiet_until: dt.datetime | None  # not urgent and in quiet hours: it waits until then


def sms_cost(mobilization: Mobilization, recipients: int) -> SmsCost:
    """What sending the SMS costs: parts × recipients × the price per part."""
    snapshot = mobilization.message_snapshot or {}
    message = mobilization.message
    bodies = [
        (snapshot.get("body_sv", message.body_sv), "sv"),
        (snapshot.get("body_en", message.body_en), "en"),
    ]
    parts = max(
        (texting.preview(body, language=lang).segments.count for body, lang in bodies if body),
        default=0,
    )
    price = Decimal(settings.SMS_PRICE_PER_SEGMENT)
    return SmsCost(
        recipients=recipients,
        parts=parts,
        price=price,
        total=(price * parts * recipients).quantize(Decimal("0.01")),
        currency=texting.currency(),
        quiet_until=None if mobilization.urgent else texting.quiet_until(),
    )


@dataclass(frozen=True)
class ConditionRow:
    label: str
    negated: bool
    sent: int
    clicked: int
    acted: int

    @property
    def acted_percent(self) -> int | None:
        return self.acted * 100 // self.sent if self.sent else None


def conditions_report(mobilization: Mobilization, viewer: Any) -> list[ConditionRow]:
    """For each condition of the segment: the recipients it selected (for a condition
    under "not", those it let through), how many opened the link and how many acted."""
    sent = Delivery.objects.filter(mobilization=mobilization, status=Delivery.Status.SENT)
    rows = []
    for leaf, negated in leaves(mobilization.segment_tree):
        try:
            q = compile_tree(leaf, mobilization.created_by)
        except SegmentError:
            continue  # a unit or action that no longer exists
        people = Person.objects.filter(~q if negated else q).values("pk")
        counts = sent.filter(person__in=people).aggregate(
            sent=Count("pk"),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
            acted=Count("pk", filter=Q(acted_at__isnull=False)),
        )
        rows.append(
            ConditionRow(
                label=describe_leaf(leaf, viewer),
                negated=negated,
                sent=counts["sent"],
                clicked=counts["clicked"],
                acted=counts["acted"],
            )
        )
    return rows
