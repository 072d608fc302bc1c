"""Each recipient's own message: the message's texts compiled once per worker process and
language, filled with the recipient's values (name, local group, personal links)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from aktivist.core.transports import OutgoingEmail, bulk_headers, message_id_for
from aktivist.mobilization import rendering, texting
from aktivist.mobilization.models import Channel, Mobilization, message_language
from aktivist.mobilization.tokens import link_token, preference_token, unsubscribe_token
from aktivist.organisation.models import Unit

LOCAL_KINDS = (Unit.Kind.LOCAL_GROUP, Unit.Kind.SCHOOL_GROUP)


@dataclass
class Recipient:
    delivery_id: int
    mobilization_id: int
    person_id: int | None
    attempts: int
    email: str
    mobile: str
    first_name: str
    last_name: str
    language: str
    is_active: bool
    local_group: str = ""


# --- Compiled messages, kept per worker process -------------------------------------------------


_compiled: dict[tuple[int, str, object], rendering.Compiled] = {}


def compiled_for(mobilization: Mobilization, language: str) -> rendering.Compiled:
    # The start time tells two mobilizations apart even where ids are reused (tests).
    key = (mobilization.pk, language, mobilization.started_at)
    found = _compiled.get(key)
    if found is None:
        snapshot = mobilization.message_snapshot
        suffix = "en" if language == "en" else "sv"
        if mobilization.channel == Channel.SMS:
            found = texting.compile_sms(body=snapshot[f"body_{suffix}"], language=language)
        else:
            found = rendering.compile_message(
                subject=snapshot[f"subject_{suffix}"],
                body=snapshot[f"body_{suffix}"],
                language=language,
            )
        if len(_compiled) > 64:
            _compiled.clear()
        _compiled[key] = found
    return found


def personal_values(recipient: Recipient, snapshot: dict[str, Any]) -> dict[str, str]:
    site = settings.SITE_URL.rstrip("/")
    # One token per purpose (mobilization/tokens.py): the personal link's never unsubscribes.
    link = link_token(recipient.delivery_id)
    values = {
        "first_name": recipient.first_name,
        "last_name": recipient.last_name,
        "full_name": f"{recipient.first_name} {recipient.last_name}".strip(),
        "local_group": recipient.local_group,
        "unsubscribe_link": f"{site}/u/{unsubscribe_token(recipient.delivery_id)}/",
        "preferences_link": (
            f"{site}/p/{preference_token(recipient.person_id)}/" if recipient.person_id else ""
        ),
    }
    if snapshot.get("action_slug"):
        values["action_link"] = f"{site}/r/{link}/"
    if snapshot.get("event_slug"):
        values["event_link"] = f"{site}/r/{link}/event/"
    return values


def render_email(mobilization: Mobilization, recipient: Recipient) -> OutgoingEmail:
    snapshot = mobilization.message_snapshot
    language = message_language(snapshot, recipient.language)
    values = personal_values(recipient, snapshot)
    subject, text, html = compiled_for(mobilization, language).fill(values)
    return OutgoingEmail(
        to=recipient.email,
        subject=subject,
        text=text,
        html=html,
        from_email=settings.DEFAULT_FROM_EMAIL,
        envelope_from=settings.EMAIL_RETURN_PATH,
        headers={
            "List-Unsubscribe": f"<{values['unsubscribe_link']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # One list per purpose: a provider can tell the rapid-response network apart.
            **bulk_headers(mobilization.purpose, f"m{mobilization.pk}", settings.ORGANISATION_NAME),
        },
        message_id=message_id_for(f"d{recipient.delivery_id}.m{mobilization.pk}"),
        metadata={"delivery": str(recipient.delivery_id)},
    )


def render_sms(mobilization: Mobilization, recipient: Recipient) -> str:
    snapshot = mobilization.message_snapshot
    language = message_language(snapshot, recipient.language)
    _subject, text, _html = compiled_for(mobilization, language).fill(
        personal_values(recipient, snapshot)
    )
    return text
