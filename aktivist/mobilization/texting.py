"""The engine's SMS rules: how an SMS message is put together, what it costs, when it may go
(quiet hours) and where the provider reports back.

* An SMS is plain text with merge fields (no Markdown, no layout) and ends with how to stop
  getting them ("Svara STOPP för att avsluta."): replies reach the inbound webhook when the
  sender id is the organisation's virtual number.
* Its cost is its segments (``core.sms.segments``: GSM-7 or UCS-2) × the price per segment
  (``SMS_PRICE_PER_SEGMENT``), counted per recipient after the merge fields are filled: one
  letter outside the GSM alphabet in a name (Zoë, Łukasz, Çağla) makes that person's SMS
  UCS-2 (70 characters a part instead of 160). The preview shows the worst case. A
  recipient whose merged SMS is longer than ``MAX_PARTS`` is skipped ("too long after
  merge"); the send screen says how many that will be.
* Quiet hours (``SMS_QUIET_HOURS``, local time, 21–08 by default): an SMS that is not
  urgent waits until the morning. The snapshot gives its rows the morning as their due time,
  and a worker that claims one during quiet hours puts it back until then.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aktivist.core.sms import GSM7, UCS2, Segments, segments
from aktivist.mobilization import rendering
from aktivist.mobilization.tokens import link_token, preference_token, unsubscribe_token

# --- The text ------------------------------------------------------------------------------

MAX_PARTS = 6  # longer is refused when written, and skipped per recipient after merge
# The merge fields whose value is the person's own (the links have a fixed length).
PERSONAL_FIELDS = frozenset({"first_name", "last_name", "full_name", "local_group"})


def opt_out_line(language: str) -> str:
    with translation.override(language):
        return _("Reply STOP to opt out.")


def compile_sms(*, body: str, language: str, footer: bool = True) -> rendering.Compiled:
    """An SMS text with markers for its merge fields (filled per recipient by
    ``Compiled.fill``; the text is the second of what it returns)."""
    slots = rendering.Slots()
    text = "\n".join(line.rstrip() for line in body.replace("\r\n", "\n").strip().split("\n"))
    if footer:
        text = f"{text}\n{opt_out_line(language)}"
    return rendering.Compiled(
        language=language, subject="", text=slots.mark(text), html="", fields=tuple(slots.fields)
    )


def example_values() -> dict[str, str]:
    """Merge values as long as real ones: a personal link is a token of a large id."""
    site = settings.SITE_URL.rstrip("/")
    token = link_token(99_999_999)
    return {
        "first_name": "Amir",
        "last_name": "Karimi",
        "full_name": "Amir Karimi",
        "local_group": "Grupp Malmö",
        "action_link": f"{site}/r/{token}/",
        "event_link": f"{site}/r/{token}/event/",
        "unsubscribe_link": f"{site}/u/{unsubscribe_token(99_999_999)}/",
        "preferences_link": f"{site}/p/{preference_token(99_999_999)}/",
    }


@dataclass(frozen=True)
class SmsPreview:
    text: str
    segments: Segments
    # When a name fills a merge field and the text is GSM-7: the parts it takes for a
    # recipient whose name makes it UCS-2 (None when that costs no extra part).
    worst: Segments | None = None

    @property
    def price_each(self) -> Decimal:
        return Decimal(settings.SMS_PRICE_PER_SEGMENT) * self.segments.count

    def cost(self, recipients: int) -> Decimal:
        return (self.price_each * recipients).quantize(Decimal("0.01"))


def preview(body: str, *, language: str, values: dict[str, str] | None = None) -> SmsPreview:
    """The SMS as one recipient gets it, and its segments."""
    compiled = compile_sms(body=body, language=language)
    _subject, text, _html = compiled.fill(values or example_values())
    found = segments(text)
    worst = None
    if found.encoding == GSM7 and uses_personal_fields(compiled):
        as_ucs2 = segments(text, encoding=UCS2)
        worst = as_ucs2 if as_ucs2.count > found.count else None
    return SmsPreview(text=text, segments=found, worst=worst)


def uses_personal_fields(compiled: rendering.Compiled) -> bool:
    return any(key in PERSONAL_FIELDS for key, _fallback in compiled.fields)


def merged_segments(compiled: rendering.Compiled, values: dict[str, str]) -> Segments:
    """The segments of one recipient's SMS, after the merge fields are filled."""
    _subject, text, _html = compiled.fill(values)
    return segments(text)


def currency() -> str:
    return str(settings.SMS_PRICE_CURRENCY)


# --- Quiet hours ---------------------------------------------------------------------------


def quiet_until(now: dt.datetime | None = None) -> dt.datetime | None:
    """The end of the quiet hours when ``now`` lies in them; None when SMS may go now."""
    hours: Any = settings.SMS_QUIET_HOURS
    if not hours or len(hours) != 2 or hours[0] == hours[1]:
        return None
    start, end = int(hours[0]), int(hours[1])
    local = timezone.localtime(now or timezone.now())
    hour = local.hour
    quiet = (hour >= start or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return None
    day = local.date() if hour < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(end), tzinfo=local.tzinfo)


def due_time(*, urgent: bool, now: dt.datetime | None = None) -> dt.datetime:
    """When an SMS of a mobilization may go: now, or (not urgent) after the quiet hours."""
    now = now or timezone.now()
    if urgent:
        return now
    return quiet_until(now) or now


# --- Delivery receipts ---------------------------------------------------------------------


def status_callback(transport: Any, delivery_id: int) -> str:
    """The address the provider reports the delivery to ("" for the console)."""
    base = _callback_base(
        getattr(transport, "name", ""), settings.SITE_URL, settings.SMS_WEBHOOK_SECRET
    )
    return f"{base}?d={delivery_id}" if base else ""


@functools.lru_cache(maxsize=8)
def _callback_base(name: str, site: str, secret: str) -> str:
    """Resolved once, not for every message of a send."""
    if name == "46elks":
        path = reverse("sms_webhooks:elks_delivery", args=[secret])
    elif name == "Twilio":
        path = reverse("sms_webhooks:twilio_status")
    else:
        return ""
    return f"{site.rstrip('/')}{path}"
