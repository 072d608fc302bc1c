"""What a mobilization reached and what it brought: who would be skipped (before sending)
and which of the segment's conditions worked (after)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from aktivist.core.conditions import SegmentError, compile_tree
from aktivist.core.sms import UCS2
from aktivist.mobilization import recipients, texting
from aktivist.mobilization.models import Delivery, Mobilization, message_language
from aktivist.mobilization.personalising import LOCAL_KINDS
from aktivist.organisation.models import UnitMembership
from aktivist.people.models import Person
from aktivist.people.selectors import filter_people
from aktivist.segments.builder import describe_leaf, leaves


@dataclass(frozen=True)
class Reach:
    total: int
    reachable: int
    skipped: list[tuple[str, str, int]]  # (reason, label, count)


def reach(mobilization: Mobilization, tree: Any) -> Reach:
    """How many of the segment's people would get the message now, and why the others
    would not: the snapshot's own reasons, counted without writing anything."""
    people = filter_people(mobilization.created_by, tree).order_by()
    rows = (
        recipients.with_reasons(people, recipients.Audience.of(mobilization))
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


def reachable_people(mobilization: Mobilization, tree: Any) -> QuerySet[Person]:
    """The segment's people who would get the message now (no skip reason)."""
    people = filter_people(mobilization.created_by, tree).order_by()
    return recipients.with_reasons(people, recipients.Audience.of(mobilization)).filter(_reason="")


@dataclass(frozen=True)
class SmsCost:
    recipients: int  # who would get it (without those skipped as too long)
    parts: int  # per message, the worst case over the recipients
    price: Decimal  # per part
    total: Decimal
    currency: str
    quiet_until: dt.datetime | None  # not urgent and in quiet hours: it waits until then
    total_parts: int = 0  # over all recipients, each counted after merge
    too_long: int = 0  # recipients skipped: more than six parts after merge
    # Recipients whose SMS is UCS-2 because of their name (the text itself is GSM-7).
    ucs2: int = 0

    @property
    def uniform(self) -> bool:
        """Every recipient's SMS has the same number of parts."""
        return self.total_parts == self.parts * self.recipients


def _language_bodies(mobilization: Mobilization) -> dict[str, Any]:
    snapshot = mobilization.message_snapshot or {}
    message = mobilization.message
    has_english = snapshot.get("has_english", message.has_english)
    return {
        "sv": texting.compile_sms(body=snapshot.get("body_sv", message.body_sv), language="sv"),
        "en": texting.compile_sms(body=snapshot.get("body_en", message.body_en), language="en")
        if has_english
        else None,
    }


def _people_values(people: QuerySet[Person], used: set[str]) -> QuerySet[Any]:
    """The distinct values of the merge fields the message uses (with the language), with
    how many people share them: grouped in SQL, so a large segment of common names is a
    few thousand rows."""
    fields = ["language"]
    if used & {"first_name", "full_name"}:
        fields.append("first_name")
    if used & {"last_name", "full_name"}:
        fields.append("last_name")
    if "local_group" in used:
        membership = (
            UnitMembership.objects.filter(
                person=OuterRef("pk"), ended_on__isnull=True, unit__kind__in=LOCAL_KINDS
            )
            .order_by("started_on", "pk")
            .values("unit__name")[:1]
        )
        people = people.annotate(
            _group=Coalesce(
                Subquery(membership),
                Case(
                    When(home_unit__kind__in=LOCAL_KINDS, then=F("home_unit__name")),
                    default=Value(""),
                ),
            )
        )
        fields.append("_group")
    return people.values(*fields).annotate(_n=Count("pk")).order_by()


def sms_cost(mobilization: Mobilization, recipients: int, tree: Any = None) -> SmsCost:
    """What sending the SMS costs: the parts of each recipient's SMS after merge × the
    price per part. With the segment's ``tree`` each reachable person is counted with
    their own name (a name outside the GSM alphabet makes that SMS UCS-2) and those whose
    SMS would be longer than six parts are counted as skipped; without it, every
    recipient gets the example values."""
    compiled = _language_bodies(mobilization)
    snapshot = {"has_english": compiled["en"] is not None}
    examples = texting.example_values()
    by_parts: dict[int, int] = {}
    ucs2 = 0
    personal = any(texting.uses_personal_fields(c) for c in compiled.values() if c)
    if tree is not None and personal:
        people = reachable_people(mobilization, tree)
        used = {key for c in compiled.values() if c for key, _fallback in c.fields}
        # A text that is UCS-2 whatever the name (a letter of the case title, an emoji)
        # costs everyone the same: no name is to blame.
        text_is_gsm7 = {
            language: c is not None and texting.merged_segments(c, examples).encoding != UCS2
            for language, c in compiled.items()
        }
        for row in _people_values(people, used).iterator():
            language = message_language(snapshot, row["language"])
            first, last = row.get("first_name") or "", row.get("last_name") or ""
            values = examples | {
                "first_name": first,
                "last_name": last,
                "full_name": f"{first} {last}".strip(),
                "local_group": row.get("_group") or "",
            }
            found = texting.merged_segments(compiled[language] or compiled["sv"], values)
            by_parts[found.count] = by_parts.get(found.count, 0) + row["_n"]
            by_name = (
                found.encoding == UCS2 and text_is_gsm7[language if compiled[language] else "sv"]
            )
            ucs2 += row["_n"] if by_name else 0
    else:
        # The same text for everyone (per language): the longer version counts.
        found_all = [texting.merged_segments(c, examples) for c in compiled.values() if c]
        worst = max((f.count for f in found_all), default=0)
        by_parts = {worst: recipients} if recipients else {}
        ucs2 = 0  # nobody's name is in it
    too_long = sum(n for parts, n in by_parts.items() if parts > texting.MAX_PARTS)
    sending = {p: n for p, n in by_parts.items() if p <= texting.MAX_PARTS}
    total_parts = sum(p * n for p, n in sending.items())
    price = Decimal(settings.SMS_PRICE_PER_SEGMENT)
    return SmsCost(
        recipients=sum(sending.values()),
        parts=max(sending, default=max(by_parts, default=0)),
        price=price,
        total=(price * total_parts).quantize(Decimal("0.01")),
        currency=texting.currency(),
        quiet_until=None if mobilization.urgent else texting.quiet_until(),
        total_parts=total_parts,
        too_long=too_long,
        ucs2=ucs2,
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
