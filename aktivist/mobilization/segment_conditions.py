"""The mobilization engine's segment condition "messaged". Registered in
MobilizationConfig.ready().

Value::

    {"days": 30, "mobilizations": [ids]}   # "mobilizations" optional
    {"days": 30, "mobilizations": [ids], "queued": true}  # or still to be sent

People who were sent a message (any mobilization, or one of these) within the last N days;
with "queued", also those whose message is waiting in the outbox (an invitation's
"not already invited", so two invitations in quick succession never both reach someone).

Negated ({"not": …}) it is "not messaged in 30 days", to spare people who heard from us
recently. Every message counts for "at all", whoever sent it: the point is how often a
person hears from the organisation. A named mobilization the viewer cannot see is refused
as unknown, exactly like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.core.conditions import (
    Condition,
    SegmentError,
    register_condition,
    require_dict,
    require_ids,
    require_int,
)
from aktivist.mobilization.models import Delivery

MAX_DAYS = 3650


def validate_messaged(value: Any) -> dict[str, Any]:
    value = require_dict(value, required=["days"], optional=["mobilizations", "queued"])
    out: dict[str, Any] = {"days": require_int(value["days"], minimum=1, maximum=MAX_DAYS)}
    if value.get("mobilizations"):
        out["mobilizations"] = require_ids(value["mobilizations"])
    if value.get("queued") is True:
        out["queued"] = True
    return out


def messaged_q(value: dict[str, Any], viewer: Any) -> Q:
    from aktivist.mobilization.selectors import mobilizations_visible_to

    since = timezone.now() - dt.timedelta(days=value["days"])
    # sent_at is set only on sent rows (the partial index delivery_sent_idx).
    deliveries = Delivery.objects.filter(sent_at__gte=since, person__isnull=False)
    if value.get("queued"):
        waiting = Q(status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING])
        deliveries = Delivery.objects.filter(Q(sent_at__gte=since) | waiting, person__isnull=False)
    if "mobilizations" in value:
        wanted = value["mobilizations"]
        if mobilizations_visible_to(viewer).filter(pk__in=wanted).count() != len(wanted):
            raise SegmentError(_("Unknown mobilization."))
        deliveries = deliveries.filter(mobilization_id__in=wanted)
    return Q(pk__in=deliveries.values("person_id"))


CONDITIONS = [
    Condition("messaged", gettext_lazy("Messaged recently"), validate_messaged, messaged_q),
]


def register() -> None:
    for condition in CONDITIONS:
        register_condition(condition)
