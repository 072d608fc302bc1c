"""What an urgent case brought: how fast it went out, whom it reached, who acted — and who
acted only after the follow-up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, Min, OuterRef, Q

from aktivist.campaigns.models import Participation
from aktivist.mobilization.models import Delivery, Mobilization
from aktivist.urgent.models import UrgentCase


@dataclass
class ChannelRow:
    mobilization: Mobilization
    sent: int = 0
    first_after: dt.timedelta | None = None  # from the case's creation to the first message
    last_after: dt.timedelta | None = None  # … to the last one so far


@dataclass
class CaseReport:
    channels: list[ChannelRow] = field(default_factory=list)
    first_after: dt.timedelta | None = None
    last_after: dt.timedelta | None = None
    reached: int = 0  # people who got the first email or SMS
    acted: int = 0  # everyone who took the action (through any way in)
    reached_acted: int = 0  # of those reached, how many acted
    follow_up: ChannelRow | None = None
    follow_up_acted: int = 0  # got the follow-up and acted after it

    @property
    def reached_acted_percent(self) -> int | None:
        return self.reached_acted * 100 // self.reached if self.reached else None

    @property
    def follow_up_acted_percent(self) -> int | None:
        sent = self.follow_up.sent if self.follow_up else 0
        return self.follow_up_acted * 100 // sent if sent else None


def _row(case: UrgentCase, mobilization: Mobilization) -> ChannelRow:
    times = Delivery.objects.filter(mobilization=mobilization, sent_at__isnull=False).aggregate(
        n=Count("pk"), first=Min("sent_at"), last=Max("sent_at")
    )
    row = ChannelRow(mobilization=mobilization, sent=times["n"])
    if times["first"]:
        row.first_after = times["first"] - case.created_at
        row.last_after = times["last"] - case.created_at
    return row


def case_report(case: UrgentCase) -> CaseReport:
    report = CaseReport()
    first = case.first_mobilizations
    report.channels = [_row(case, m) for m in first]
    firsts = [r.first_after for r in report.channels if r.first_after is not None]
    lasts = [r.last_after for r in report.channels if r.last_after is not None]
    report.first_after = min(firsts) if firsts else None
    report.last_after = max(lasts) if lasts else None
    reached = Delivery.objects.filter(
        mobilization__in=first, sent_at__isnull=False, person__isnull=False
    ).values("person_id")
    participations = Participation.objects.filter(action_id=case.action_id)
    report.acted = participations.count()
    report.reached = reached.distinct().count()
    report.reached_acted = participations.filter(person_id__in=reached).count()
    if case.follow_up_mobilization is not None:
        report.follow_up = _row(case, case.follow_up_mobilization)
        acted_after = Participation.objects.filter(
            action_id=case.action_id,
            person_id=OuterRef("person_id"),
            created_at__gt=OuterRef("sent_at"),
        )
        report.follow_up_acted = (
            Delivery.objects.filter(mobilization=case.follow_up_mobilization, sent_at__isnull=False)
            .filter(Q(Exists(acted_after)))
            .count()
        )
    return report
