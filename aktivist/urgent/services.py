"""Writes on urgent templates and cases: validated, scoped to the secretariat, audited.

Templates: written by a member of the secretariat, approved by another (not the one who
wrote, changed or asked). Changing an approved template's texts takes the approval away.

Cases: ``case_open_and_send`` does in one transaction what the duty officer's one screen
asks for — the action page (new, or an open one, which then closes at the deadline), the
messages filled with the case, the email and SMS mobilizations to the rapid-response
network in the urgent lane (pre-approved by the template), and the SMS follow-up to those
who have not acted, scheduled after the template's hours. Updates and the closing message
go by email to everyone who acted; closing also closes the action page and cancels a
follow-up that has not gone yet.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.accounts.capabilities import Capability, can
from aktivist.campaigns import services as campaign_services
from aktivist.campaigns.models import Action, Campaign
from aktivist.campaigns.selectors import actions_visible_to
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.mobilization import composing, rendering
from aktivist.mobilization import services as mobilization_services
from aktivist.mobilization.models import Channel, Message, Mobilization, Purpose
from aktivist.urgent.case_messages import (
    CASE_FIELDS,
    NETWORK_EMAIL,
    NETWORK_SMS,
    CaseText,
    case_message_problems,
    case_messages,
    follow_up_tree,
    who_acted_tree,
)
from aktivist.urgent.models import CaseUpdate, UrgentCase, UrgentTemplate

TEMPLATE_TEXTS = (
    "email_subject_sv",
    "email_body_sv",
    "email_subject_en",
    "email_body_en",
    "sms_sv",
    "sms_en",
    "follow_up_sv",
    "follow_up_en",
)
TEMPLATE_FIELDS = ("name", *TEMPLATE_TEXTS, "follow_up_hours")
MAX_FOLLOW_UP_HOURS = 72
Status = UrgentTemplate.Status


def require_secretariat(actor: Any) -> None:
    if actor is None or not can(actor, Capability.URGENT_SEND):
        raise ApplicationError(_("Only the secretariat sends urgent actions."))


# --- Templates -------------------------------------------------------------------------------


def _check(text: str) -> list[str]:
    return rendering.check_text(text, has_action=True, has_event=False, extra_fields=CASE_FIELDS)


def template_problems(template: UrgentTemplate) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for name in TEMPLATE_TEXTS:
        found = _check(getattr(template, name) or "")
        if found:
            problems[name] = found
    pairs = (("email_subject_en", "email_body_en"),)
    for subject, body in pairs:
        if bool(getattr(template, subject).strip()) != bool(getattr(template, body).strip()):
            missing = body if getattr(template, subject).strip() else subject
            problems.setdefault(missing, []).append(
                _("The English email needs both a subject and a text (or neither).")
            )
    if template.follow_up_en.strip() and not template.follow_up_sv.strip():
        problems.setdefault("follow_up_sv", []).append(
            _("Write the follow-up in Swedish too (or leave both empty: no follow-up).")
        )
    if not 1 <= (template.follow_up_hours or 0) <= MAX_FOLLOW_UP_HOURS:
        problems.setdefault("follow_up_hours", []).append(
            _("Between 1 and %(max)s hours.") % {"max": MAX_FOLLOW_UP_HOURS}
        )
    return problems


def _validate_template(template: UrgentTemplate) -> None:
    for name in ("name", *TEMPLATE_TEXTS):
        setattr(template, name, (getattr(template, name) or "").strip())
    template.full_clean()
    problems = template_problems(template)
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def template_create(*, actor: Any, **fields: Any) -> UrgentTemplate:
    require_secretariat(actor)
    template = UrgentTemplate(
        **{k: v for k, v in fields.items() if k in TEMPLATE_FIELDS},
        created_by=actor,
        updated_by=actor,
    )
    _validate_template(template)
    template.save()
    audit.record(actor=actor, verb="urgent_template.create", obj=template)
    return template


@transaction.atomic
def template_update(*, actor: Any, template: UrgentTemplate, **fields: Any) -> UrgentTemplate:
    """Change a template. New texts need a new approval."""
    require_secretariat(actor)
    template = UrgentTemplate.objects.select_for_update().get(pk=template.pk)
    changed = [
        name
        for name, value in fields.items()
        if name in TEMPLATE_FIELDS and getattr(template, name) != value
    ]
    for name in changed:
        setattr(template, name, fields[name])
    template.updated_by = actor
    _validate_template(template)
    texts_changed = any(name in TEMPLATE_TEXTS or name == "follow_up_hours" for name in changed)
    if texts_changed and template.status != Status.DRAFT:
        template.status = Status.DRAFT
        template.approved_by = None
        template.approved_at = None
    template.save()
    audit.record(
        actor=actor,
        verb="urgent_template.update",
        obj=template,
        details={"fields": sorted(changed), "approval_removed": texts_changed},
    )
    return template


def _locked_template(template: UrgentTemplate) -> UrgentTemplate:
    return UrgentTemplate.objects.select_for_update().get(pk=template.pk)


@transaction.atomic
def template_request_approval(*, actor: Any, template: UrgentTemplate) -> UrgentTemplate:
    require_secretariat(actor)
    template = _locked_template(template)
    if template.status != Status.DRAFT:
        raise ApplicationError(_("Only a draft can be sent for approval."))
    template.status = Status.AWAITING_APPROVAL
    template.requested_by = actor
    template.save(update_fields=["status", "requested_by", "updated_at"])
    audit.record(actor=actor, verb="urgent_template.request", obj=template)
    return template


def can_approve(actor: Any, template: UrgentTemplate) -> bool:
    return (
        actor is not None
        and can(actor, Capability.URGENT_SEND)
        and template.status == Status.AWAITING_APPROVAL
        and actor.pk
        not in (template.created_by_id, template.updated_by_id, template.requested_by_id)
    )


@transaction.atomic
def template_approve(*, actor: Any, template: UrgentTemplate) -> UrgentTemplate:
    require_secretariat(actor)
    template = _locked_template(template)
    if template.status != Status.AWAITING_APPROVAL:
        raise ApplicationError(_("This template is not waiting for approval."))
    if not can_approve(actor, template):
        raise ApplicationError(
            _("A second member of the secretariat must approve: not the one who wrote it.")
        )
    template.status = Status.APPROVED
    template.approved_by = actor
    template.approved_at = timezone.now()
    template.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    audit.record(actor=actor, verb="urgent_template.approve", obj=template)
    return template


@transaction.atomic
def template_archive(*, actor: Any, template: UrgentTemplate) -> UrgentTemplate:
    require_secretariat(actor)
    template.is_archived = True
    template.save(update_fields=["is_archived", "updated_at"])
    audit.record(actor=actor, verb="urgent_template.archive", obj=template)
    return template


# --- Cases ---------------------------------------------------------------------------------


def standing_campaign(actor: Any) -> Campaign:
    """The national campaign urgent actions belong to: the newest urgent one, or a new one."""
    campaign = (
        Campaign.objects.filter(
            kind=Campaign.Kind.URGENT, scope=Campaign.Scope.NATIONAL, is_archived=False
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if campaign is not None:
        return campaign
    return campaign_services.campaign_create(
        actor=actor,
        data={
            "name": _("Urgent actions"),
            "description": _(
                "Urgent actions for people at risk, sent to the rapid-response network."
            ),
            "scope": Campaign.Scope.NATIONAL,
            "unit": campaign_services.national_unit(),
            "origin": Campaign.Origin.SECRETARIAT,
            "kind": Campaign.Kind.URGENT,
        },
    )


def open_urgent_actions(actor: Any) -> Any:
    """Open actions a case can use (the newest first)."""
    now = timezone.now()
    return (
        actions_visible_to(actor)
        .filter(is_published=True, campaign__scope=Campaign.Scope.NATIONAL)
        .exclude(closes_at__lte=now)
        .order_by("-kind", "-opens_at", "-pk")  # "urgent" sorts first
    )


def _action_for(actor: Any, case: CaseText, action: Action | None) -> Action:
    if action is None:
        return campaign_services.action_create(
            actor=actor,
            campaign=standing_campaign(actor),
            data={
                "kind": Action.Kind.URGENT,
                "title_sv": case.title_sv,
                "title_en": case.title_en,
                "text_sv": case.summary_sv,
                "text_en": case.summary_en,
                "closes_at": case.deadline,
                "is_published": True,
            },
        )
    if not open_urgent_actions(actor).filter(pk=action.pk).exists():
        raise ValidationError({"action": _("Choose an open action page.")})
    if action.closes_at is None or action.closes_at > case.deadline:
        action = campaign_services.action_update(
            actor=actor, action=action, data={"closes_at": case.deadline}
        )
    return action


def _save_message(actor: Any, message: Message) -> Message:
    return composing.message_create(
        actor=actor,
        name=message.name,
        channel=message.channel,
        purpose=message.purpose,
        subject_sv=message.subject_sv,
        body_sv=message.body_sv,
        subject_en=message.subject_en,
        body_en=message.body_en,
        action=message.action,
    )


@transaction.atomic
def case_open_and_send(
    *,
    actor: Any,
    template: UrgentTemplate,
    case: CaseText,
    action: Action | None = None,
    email: bool = True,
    sms: bool = True,
    follow_up: bool = True,
    follow_up_hours: int | None = None,
    form_token: str = "",
) -> UrgentCase:
    """Create the case and send it to the network now (see the module's docstring).
    ``form_token`` (the form's single-use token): when a case was already opened with it,
    that case is returned and nothing is created or sent again."""
    require_secretariat(actor)
    template = UrgentTemplate.objects.select_for_update().get(pk=template.pk)
    # After the lock: a second post of the same form waits for the first, then finds it.
    existing = case_for_form_token(form_token)
    if existing is not None:
        return existing
    if not template.is_approved or template.is_archived:
        raise ApplicationError(_("Choose an approved template."))
    errors: dict[str, str] = {}
    now = timezone.now()
    if case.deadline <= now + dt.timedelta(minutes=5):
        errors["deadline"] = _("The deadline must be in the future.")
    if not (email or sms):
        errors["channels"] = _("Send by email, SMS or both.")
    hours = follow_up_hours or template.follow_up_hours
    follow_up = follow_up and sms and bool(template.follow_up_sv.strip())
    if follow_up and not 1 <= hours <= MAX_FOLLOW_UP_HOURS:
        errors["follow_up_hours"] = _("Between 1 and %(max)s hours.") % {"max": MAX_FOLLOW_UP_HOURS}
    elif follow_up and now + dt.timedelta(hours=hours) >= case.deadline:
        errors["follow_up_hours"] = _("The follow-up must go before the deadline.")
    if errors:
        raise ValidationError(errors)
    action = _action_for(actor, case, action)
    drafts = case_messages(template, case, action)
    problems = case_message_problems(drafts)
    if problems:
        raise ValidationError({"summary_sv": problems})
    urgent_case = UrgentCase.objects.create(
        form_token=form_token.strip()[:64],
        title=case.title_sv,
        title_en=case.title_en,
        summary_sv=case.summary_sv,
        summary_en=case.summary_en,
        deadline=case.deadline,
        template=template,
        action=action,
        created_by=actor,
    )
    basis = f"urgent template {template.pk}"
    first: list[Mobilization] = []
    if email:
        urgent_case.email_mobilization = mobilization_services.mobilization_send_preapproved(
            actor=actor,
            name=drafts.email.name,
            message=_save_message(actor, drafts.email),
            tree=NETWORK_EMAIL,
            audience=_("The rapid-response network, by email"),
            basis=basis,
            urgent=True,
            approved_by=template.approved_by,
        )
        first.append(urgent_case.email_mobilization)
    if sms:
        urgent_case.sms_mobilization = mobilization_services.mobilization_send_preapproved(
            actor=actor,
            name=drafts.sms.name,
            message=_save_message(actor, drafts.sms),
            tree=NETWORK_SMS,
            audience=_("The rapid-response network, by SMS"),
            basis=basis,
            urgent=True,
            approved_by=template.approved_by,
        )
        first.append(urgent_case.sms_mobilization)
    if follow_up and drafts.follow_up is not None:
        urgent_case.follow_up_mobilization = mobilization_services.mobilization_send_preapproved(
            actor=actor,
            name=drafts.follow_up.name,
            message=_save_message(actor, drafts.follow_up),
            tree=follow_up_tree(first, action),
            audience=_("The network by SMS: those who got it and have not acted"),
            basis=basis,
            urgent=True,
            approved_by=template.approved_by,
            send_at=now + dt.timedelta(hours=hours),
            follows=urgent_case.sms_mobilization,
        )
    urgent_case.save()
    audit.record(
        actor=actor,
        verb="urgent_case.open",
        obj=urgent_case,
        details={
            "template": template.pk,
            "action": action.pk,
            "email": email,
            "sms": sms,
            "follow_up_hours": hours if urgent_case.follow_up_mobilization else None,
        },
    )
    return urgent_case


def case_for_form_token(form_token: str) -> UrgentCase | None:
    """The case opened from the form with this token, if any."""
    token = (form_token or "").strip()[:64]
    if not token:
        return None
    return UrgentCase.objects.filter(form_token=token).first()


@transaction.atomic
def case_update_send(
    *,
    actor: Any,
    case: UrgentCase,
    subject_sv: str,
    body_sv: str,
    subject_en: str = "",
    body_en: str = "",
    closes: bool = False,
) -> CaseUpdate:
    """Email news of the case to everyone who acted on it; ``closes`` closes the case."""
    require_secretariat(actor)
    case = UrgentCase.objects.select_for_update().select_related("action").get(pk=case.pk)
    if case.status == UrgentCase.Status.CLOSED:
        raise ApplicationError(_("The case is closed."))
    kind = _("closed") if closes else _("update")
    message = composing.message_create(
        actor=actor,
        case_update=True,
        name=_("Urgent action: %(title)s (%(kind)s)") % {"title": case.title, "kind": kind},
        channel=Channel.EMAIL,
        purpose=Purpose.CASE_UPDATES,
        subject_sv=subject_sv,
        body_sv=body_sv,
        subject_en=subject_en,
        body_en=body_en,
        action=case.action,
    )
    mobilization = mobilization_services.mobilization_send_preapproved(
        actor=actor,
        name=message.name,
        message=message,
        tree=who_acted_tree(case.action),
        audience=_("Everyone who acted on the case"),
        basis=f"case update {case.pk}",
    )
    update = CaseUpdate.objects.create(
        case=case,
        closes_case=closes,
        subject_sv=message.subject_sv,
        body_sv=message.body_sv,
        subject_en=message.subject_en,
        body_en=message.body_en,
        mobilization=mobilization,
        created_by=actor,
    )
    audit.record(actor=actor, verb="urgent_case.update", obj=case, details={"closes": closes})
    if closes:
        _close(actor, case)
    return update


@transaction.atomic
def case_close(*, actor: Any, case: UrgentCase) -> UrgentCase:
    """Close without a message (the closing message goes with ``case_update_send``)."""
    require_secretariat(actor)
    case = UrgentCase.objects.select_for_update().select_related("action").get(pk=case.pk)
    if case.status == UrgentCase.Status.CLOSED:
        raise ApplicationError(_("The case is closed."))
    audit.record(actor=actor, verb="urgent_case.close", obj=case)
    _close(actor, case)
    return case


def _close(actor: Any, case: UrgentCase) -> None:
    now = timezone.now()
    case.status = UrgentCase.Status.CLOSED
    case.closed_at = now
    case.closed_by = actor
    case.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    if case.action.closes_at is None or case.action.closes_at > now:
        campaign_services.action_close_now(actor=actor, action=case.action, now=now)
    follow_up = case.follow_up_mobilization
    if follow_up is not None and follow_up.status == Mobilization.Status.SCHEDULED:
        mobilization_services.mobilization_cancel(actor=actor, mobilization=follow_up)
