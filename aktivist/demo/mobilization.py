"""Demo mobilizations for ``manage.py demo_data``: a few saved segments, messages in
Swedish and English, one mobilization sent a week ago (with opened links and actions, so
the progress and "what worked" pages have something to show) and one draft.

Only demo people at reserved domains get demo deliveries; nothing is sent by loading this.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from aktivist.accounts.models import User
from aktivist.campaigns.models import Action
from aktivist.mobilization.composing import message_snapshot
from aktivist.mobilization.models import Delivery, Message, Mobilization, Purpose
from aktivist.organisation.models import RoleType, Unit
from aktivist.people.selectors import filter_people
from aktivist.programmes.models import Event, Programme
from aktivist.segments.models import Segment

SENT_DAYS_AGO = 7
CLICK_RATE, ACT_RATE = 0.22, 0.11


@dataclass
class MobilizationSummary:
    segments: int = 0
    messages: int = 0
    mobilizations: int = 0
    deliveries: int = 0
    seconds: float = 0.0
    skipped: bool = False


CALL_SV = """Hej {{ first_name | vän }}!

En journalist sitter fängslad för att ha granskat makten. Varje namn på vårt upprop
visar att omvärlden ser.

**[Skriv under nu]({{ action_link }})** – det tar en halv minut.

Vill du göra mer? Kom till nästa träff med {{ local_group | din lokalgrupp }}.
"""
CALL_EN = """Hello {{ first_name | friend }}!

A journalist is detained for scrutinising those in power. Every name on our petition
shows that the world is watching.

**[Sign now]({{ action_link }})** – it takes half a minute.

Want to do more? Come to the next meeting of {{ local_group | your local group }}.
"""
ALUMNI_SV = """Hej {{ first_name | vän }}!

Du har burit vårt arbete som gruppkontakt eller distriktsombud. Vi saknar dina
erfarenheter och vill gärna ses igen på alumnkvällen.

[Läs mer och anmäl dig]({{ event_link }})
"""


def load_mobilization_demo(
    *, seed: int = 1, out: Callable[[str], None] = print
) -> MobilizationSummary:
    started = time.monotonic()
    summary = MobilizationSummary()
    staff = User.objects.filter(access_role=User.AccessRole.STAFF).order_by("pk").first()
    district_rep = User.objects.filter(access_role=User.AccessRole.DISTRICT).order_by("pk").first()
    action = (
        Action.objects.filter(campaign__scope="national", is_published=True)
        .order_by("-opens_at")
        .first()
    )
    if staff is None or action is None or Mobilization.objects.exists():
        summary.skipped = True
        return summary
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    with transaction.atomic():
        segments = _segments(staff, district_rep)
        summary.segments = len(segments)
        call = Message.objects.create(
            name="Upprop: frige journalisten",
            purpose=Purpose.CAMPAIGNS,
            subject_sv="{{ first_name | Hej }}, skriv under för journalisten",
            body_sv=CALL_SV,
            subject_en="{{ first_name | Hello }}, sign for the journalist",
            body_en=CALL_EN,
            action=action,
            created_by=staff,
        )
        messages = [call]
        event = (
            Event.objects.filter(
                programme__kind=Programme.Kind.ALUMNI_PROGRAMME, starts_at__gt=timezone.now()
            )
            .order_by("starts_at")
            .first()
        )
        if event is not None:
            messages.append(
                Message.objects.create(
                    name="Inbjudan till alumnkvällen",
                    purpose=Purpose.CAMPAIGNS,
                    subject_sv="Välkommen tillbaka, {{ first_name | vän }}",
                    body_sv=ALUMNI_SV,
                    event=event,
                    created_by=staff,
                )
            )
        summary.messages = len(messages)
        sent = _sent_mobilization(staff, segments[0], call, rng)
        summary.deliveries = sent
        Mobilization.objects.create(
            name="Alumnkväll: inbjudan" if event else "Nästa upprop",
            message=messages[-1],
            segment=segments[-1],
            created_by=staff,
        )
        summary.mobilizations = 2
    summary.seconds = time.monotonic() - started
    out(
        f"Demo mobilizations loaded in {summary.seconds:.1f} s: {summary.segments} segments, "
        f"{summary.messages} messages, {summary.mobilizations} mobilizations "
        f"({summary.deliveries:,} deliveries)."
    )
    return summary


def _segments(staff: User, district_rep: User | None) -> list[Segment]:
    skane = Unit.objects.filter(kind=Unit.Kind.DISTRICT, name__icontains="Skåne").first()
    alumni_roles = list(
        RoleType.objects.filter(slug__in=["group-contact", "district-representative"]).values_list(
            "pk", flat=True
        )
    )
    segments = [
        Segment.objects.create(
            name="Har agerat senaste 90 dagarna, samtycke till e-post",
            description="Alla som skrivit under eller anmält sig nyligen och vill ha nyheter.",
            tree={
                "all": [
                    {"condition": "took_action", "value": {"within_days": 90}},
                    {
                        "condition": "consent",
                        "value": {
                            "channel": "email",
                            "purpose": "campaigns",
                            "status": "confirmed",
                        },
                    },
                ]
            },
            created_by=staff,
        ),
        Segment.objects.create(
            name="Medlemmar som inte fått något utskick på 30 dagar",
            tree={
                "all": [
                    {"condition": "membership_status", "value": ["member"]},
                    {"not": {"condition": "messaged", "value": {"days": 30}}},
                ]
            },
            created_by=staff,
        ),
    ]
    if skane is not None and district_rep is not None:
        segments.append(
            Segment.objects.create(
                name="Unga i Skåne",
                tree={
                    "all": [
                        {"condition": "young", "value": True},
                        {"condition": "unit_subtree", "value": {"unit": skane.pk}},
                    ]
                },
                unit=skane,
                created_by=district_rep,
            )
        )
    if alumni_roles:
        segments.append(
            Segment.objects.create(
                name="Alumner: tidigare gruppkontakter och distriktsombud",
                tree={
                    "condition": "role",
                    "value": {"role_types": alumni_roles, "state": "former"},
                },
                created_by=staff,
            )
        )
    return segments


def _sent_mobilization(staff: User, segment: Segment, message: Message, rng: random.Random) -> int:
    """A mobilization sent a week ago: its deliveries as the outbox left them."""
    sent_at = timezone.now() - dt.timedelta(days=SENT_DAYS_AGO)
    mobilization = Mobilization.objects.create(
        name="Höstens upprop för journalisten",
        message=message,
        segment=segment,
        created_by=staff,
        requested_by=staff,
        requested_at=sent_at,
        segment_tree=segment.tree,
        message_snapshot=message_snapshot(message),
        status=Mobilization.Status.DONE,
        started_at=sent_at,
        first_sent_at=sent_at + dt.timedelta(seconds=1),
        finished_at=sent_at + dt.timedelta(minutes=2),
        snapshot_seconds=0.05,
    )
    people = list(
        filter_people(staff, segment.tree).values_list("pk", "email").order_by("pk")[:20_000]
    )
    rows = []
    for pk, email in people:
        if not email:
            rows.append(
                Delivery(
                    mobilization=mobilization,
                    person_id=pk,
                    status=Delivery.Status.SKIPPED,
                    reason=Delivery.Reason.NO_ADDRESS,
                    due_at=sent_at,
                )
            )
            continue
        at = sent_at + dt.timedelta(seconds=rng.uniform(1, 110))
        clicked = rng.random() < CLICK_RATE
        acted = clicked and rng.random() < ACT_RATE / CLICK_RATE
        rows.append(
            Delivery(
                mobilization=mobilization,
                person_id=pk,
                status=Delivery.Status.SENT,
                attempts=1,
                due_at=sent_at,
                sent_at=at,
                clicked_at=at + dt.timedelta(hours=rng.uniform(0.1, 30)) if clicked else None,
                acted_at=at + dt.timedelta(hours=rng.uniform(0.2, 31)) if acted else None,
            )
        )
    Delivery.objects.bulk_create(rows, batch_size=5000)
    mobilization.recipients = len(rows)
    mobilization.estimated_count = len(rows)
    mobilization.save(update_fields=["recipients", "estimated_count"])
    return len(rows)
