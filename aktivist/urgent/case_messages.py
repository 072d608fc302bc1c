"""What an urgent case's messages say and who they go to: a template filled with the
case (title, summary, deadline; the other merge fields stay for each recipient), the
preview and its problems, the first SMS's cost, and the network's segment trees.
Nothing here is saved: ``services.case_open_and_send`` saves and sends."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from aktivist.campaigns.models import Action
from aktivist.core.conditions import validate_tree
from aktivist.mobilization import composing, rendering, reports
from aktivist.mobilization.models import Channel, Message, Mobilization, Purpose
from aktivist.urgent.models import UrgentTemplate

CASE_FIELDS = ("case_title", "case_summary", "deadline")


@dataclass(frozen=True)
class CaseText:
    title_sv: str
    title_en: str
    summary_sv: str
    summary_en: str
    deadline: dt.datetime

    def values(self, language: str) -> dict[str, str]:
        english = language == "en"
        with translation.override(language):
            deadline = formats.date_format(timezone.localtime(self.deadline), "j F H:i")
        return {
            "case_title": (self.title_en if english and self.title_en else self.title_sv),
            "case_summary": (self.summary_en if english and self.summary_en else self.summary_sv),
            "deadline": deadline,
        }


def _plain(value: str) -> str:
    """A case value in a message: braces would read as merge fields."""
    return value.replace("{", "(").replace("}", ")")


def fill(text: str, case: CaseText, language: str) -> str:
    """The template text with the case's fields written in (other merge fields stay, for
    each recipient)."""
    values = case.values(language)

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in CASE_FIELDS:
            return match.group(0)
        return _plain(values[key]) or (match.group(2) or "").strip()

    return rendering.MERGE_RE.sub(replace, text)


@dataclass(frozen=True)
class CaseMessages:
    """The messages of a case, unsaved: what the duty officer sees before sending."""

    email: Message
    sms: Message
    follow_up: Message | None


def case_messages(template: UrgentTemplate, case: CaseText, action: Action | None) -> CaseMessages:
    def english(source: str, fallback: str = "") -> str:
        return fill(source, case, "en") if source.strip() else fallback

    email = Message(
        name=_("Urgent action: %(title)s (email)") % {"title": case.title_sv},
        channel=Channel.EMAIL,
        purpose=Purpose.RAPID_RESPONSE,
        subject_sv=fill(template.email_subject_sv, case, "sv"),
        body_sv=fill(template.email_body_sv, case, "sv"),
        subject_en=english(template.email_subject_en),
        body_en=english(template.email_body_en),
        action=action,
    )
    sms = Message(
        name=_("Urgent action: %(title)s (SMS)") % {"title": case.title_sv},
        channel=Channel.SMS,
        purpose=Purpose.RAPID_RESPONSE,
        body_sv=fill(template.sms_sv, case, "sv"),
        body_en=english(template.sms_en),
        action=action,
    )
    follow_up = None
    if template.follow_up_sv.strip():
        follow_up = Message(
            name=_("Urgent action: %(title)s (follow-up SMS)") % {"title": case.title_sv},
            channel=Channel.SMS,
            purpose=Purpose.RAPID_RESPONSE,
            body_sv=fill(template.follow_up_sv, case, "sv"),
            body_en=english(template.follow_up_en),
            action=action,
        )
    return CaseMessages(email=email, sms=sms, follow_up=follow_up)


def case_preview_messages(
    template: UrgentTemplate, case: CaseText, action: Action | None
) -> CaseMessages:
    """The case's messages for the preview. Without an existing action the page is made
    when the case is sent, so the link fields count as having their action."""
    drafts = case_messages(template, case, action)
    if action is None:
        for message in (drafts.email, drafts.sms, drafts.follow_up):
            if message is not None:
                message.action_id = 0  # never saved: the page to come
    return drafts


def case_message_problems(messages: CaseMessages) -> list[str]:
    """What would stop the messages (an SMS too long once the summary is in it)."""
    found: list[str] = []
    for message in (messages.email, messages.sms, messages.follow_up):
        if message is None:
            continue
        for problems in composing.message_problems(message).values():
            found.extend(problems)
    return list(dict.fromkeys(found))


def case_sms_cost(actor: Any, messages: CaseMessages) -> reports.SmsCost:
    """What the case's first SMS costs the network, counted per recipient after merge (a
    name outside the GSM alphabet makes that person's SMS UCS-2) and with those it would
    skip as too long after merge: the send screen's worst case, before anything is saved."""
    tree = validate_tree(NETWORK_SMS)
    mobilization = Mobilization(
        message=messages.sms, channel=Channel.SMS, urgent=True, created_by=actor
    )
    recipients = reports.reachable_people(mobilization, tree).count()
    return reports.sms_cost(mobilization, recipients, tree)


# --- The network --------------------------------------------------------------------------

NETWORK_EMAIL = {
    "condition": "consent",
    "value": {"channel": "email", "purpose": "rapid_response"},
}
NETWORK_SMS = {"condition": "consent", "value": {"channel": "sms", "purpose": "rapid_response"}}


def follow_up_tree(first: list[Mobilization], action: Action) -> dict[str, Any]:
    """Those in the network by SMS who got the first messages and have not acted."""
    return {
        "all": [
            NETWORK_SMS,
            {
                "condition": "messaged",
                "value": {"days": 30, "mobilizations": [m.pk for m in first]},
            },
            {"not": {"condition": "took_action", "value": {"actions": [action.pk]}}},
        ]
    }


def who_acted_tree(action: Action) -> dict[str, Any]:
    return {"condition": "took_action", "value": {"actions": [action.pk]}}
