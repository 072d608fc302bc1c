"""The duty officer's pages: urgent cases (one screen from "new urgent action" to sending,
the case's progress, updates, closing, its report), the templates and their approval, and
the rapid-response network in figures. The secretariat's pages; everyone else gets a 404
(the network figures are aggregates: district representatives and the board see them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aktivist.accounts.capabilities import Capability, can
from aktivist.accounts.decorators import requires
from aktivist.core.exceptions import ApplicationError
from aktivist.core.forms import add_errors
from aktivist.mobilization import composing, texting
from aktivist.mobilization.selectors import progress
from aktivist.people.models import Consent
from aktivist.urgent import case_messages, network, reports, services
from aktivist.urgent.case_messages import CaseText
from aktivist.urgent.forms import CaseUpdateForm, NewCaseForm, TemplateForm, default_deadline
from aktivist.urgent.models import UrgentCase, UrgentTemplate
from aktivist.urgent.selectors import (
    access_case,
    access_template,
    approved_templates,
    cases_visible_to,
    templates_visible_to,
)

LIST_LIMIT = 100
LIVE = ("scheduled", "starting", "sending")


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


# --- Cases ---------------------------------------------------------------------------------


@requires(Capability.URGENT_SEND)
def case_list(request: HttpRequest) -> HttpResponse:
    cases = list(cases_visible_to(request.user)[:LIST_LIMIT])
    context = {
        "nav": "urgent",
        "cases": cases,
        "has_templates": approved_templates(request.user).exists(),
        "templates_waiting": templates_visible_to(request.user)
        .filter(status=UrgentTemplate.Status.AWAITING_APPROVAL)
        .count(),
    }
    return render(request, "urgent/case_list.html", context)


def network_size() -> dict[str, int]:
    """How many the network reaches by each channel (before suppressions and addresses)."""
    confirmed = Consent.objects.filter(
        purpose=Consent.Purpose.RAPID_RESPONSE,
        status=Consent.Status.CONFIRMED,
        person__is_active=True,
    )
    return {
        "email": confirmed.filter(channel=Consent.Channel.EMAIL).count(),
        "sms": confirmed.filter(
            channel=Consent.Channel.SMS, confirmed_by__in=Consent.MOBILE_PROVED
        ).count(),
    }


@requires(Capability.URGENT_SEND)
def case_new(request: HttpRequest) -> HttpResponse:
    """One screen: the case, the action page, the deadline, the channels — and send."""
    initial: dict[str, Any] = {}
    chosen = request.GET.get("template", "")
    if chosen.isdigit():
        initial["template"] = int(chosen)
    if request.method == "POST":
        # The same form again (a double click, back and resubmit): its case, never a second.
        sent = services.case_for_form_token(request.POST.get("form_token", ""))
        if sent is not None:
            messages.info(request, _("This urgent action was sent already: here it is."))
            return redirect("urgent:case", pk=sent.pk)
    form = NewCaseForm(_posted(request), initial=initial, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        started = timezone.now()
        try:
            case = services.case_open_and_send(
                actor=request.user,
                template=data["template"],
                case=form.case_text(),
                action=data["action"],
                email=data["email"],
                sms=data["sms"],
                follow_up=data["follow_up"],
                follow_up_hours=data.get("follow_up_hours"),
                form_token=data["form_token"],
            )
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            if case.created_at < started:  # the same form, posted at the same moment
                messages.info(request, _("This urgent action was sent already: here it is."))
            else:
                messages.success(request, _("Sent to the rapid-response network."))
            return redirect("urgent:case", pk=case.pk)
    context = {
        "nav": "urgent",
        "form": form,
        "has_templates": form.fields["template"].queryset.exists(),  # type: ignore[attr-defined]
        "network": network_size(),
    }
    return render(request, "urgent/case_new.html", context, status=400 if form.errors else 200)


@requires(Capability.URGENT_SEND)
@require_POST
def case_preview(request: HttpRequest) -> HttpResponse:
    """The messages as the network will get them, filled with what is typed so far."""
    template = (
        approved_templates(request.user).filter(pk=_int(request.POST.get("template"))).first()
    )
    if template is None:
        return render(request, "urgent/_case_preview.html", {"template": None})
    form = NewCaseForm(request.POST, viewer=request.user)
    form.is_valid()
    deadline = form.cleaned_data.get("deadline") if hasattr(form, "cleaned_data") else None
    case = CaseText(
        title_sv=request.POST.get("title_sv", "").strip() or _("(title)"),
        title_en=request.POST.get("title_en", "").strip(),
        summary_sv=request.POST.get("summary_sv", "").strip() or _("(case summary)"),
        summary_en=request.POST.get("summary_en", "").strip(),
        deadline=deadline if isinstance(deadline, dt.datetime) else default_deadline(),
    )
    existing = form.cleaned_data.get("action") if hasattr(form, "cleaned_data") else None
    chosen = existing if request.POST.get("action_choice") == "existing" else None
    drafts = case_messages.case_preview_messages(template, case, chosen)
    values = texting.example_values()  # a fixed example person, never a real recipient
    subject, _text, html = composing.render_preview(
        drafts.email, language="sv", values=values, layout=False
    )
    sms = texting.preview(drafts.sms.body_sv, language="sv")
    follow_up = (
        texting.preview(drafts.follow_up.body_sv, language="sv") if drafts.follow_up else None
    )
    context = {
        "template": template,
        "sample_name": values["full_name"],
        "subject": subject,
        "html": html,
        "sms": sms,
        "follow_up": follow_up,
        "problems": case_messages.case_message_problems(drafts),
        "sms_cost": case_messages.case_sms_cost(request.user, drafts),
        "hours": _int(request.POST.get("follow_up_hours")) or template.follow_up_hours,
    }
    return render(request, "urgent/_case_preview.html", context)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _case_context(request: HttpRequest, case: UrgentCase) -> dict[str, Any]:
    sends = [
        (label, m, progress(m))
        for label, m in (
            (_("Email"), case.email_mobilization),
            (_("SMS"), case.sms_mobilization),
            (_("Follow-up SMS"), case.follow_up_mobilization),
        )
        if m is not None
    ]
    return {
        "case": case,
        "sends": sends,
        "live": any(m.status in LIVE for _label, m, _p in sends if m.status != "scheduled")
        or any(m.status in ("starting", "sending") for _label, m, _p in sends),
        "report": reports.case_report(case),
        "now": timezone.now(),
    }


@requires(Capability.URGENT_SEND)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    context = _case_context(request, case)
    context.update(
        nav="urgent",
        updates=list(case.updates.select_related("mobilization", "created_by")),
        update_form=CaseUpdateForm(),
    )
    return render(request, "urgent/case_detail.html", context)


@requires(Capability.URGENT_SEND)
def case_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress section alone (htmx polls it while messages are going out)."""
    case = access_case(request.user, pk)
    return render(request, "urgent/_case_progress.html", _case_context(request, case))


@requires(Capability.URGENT_SEND)
@require_POST
def case_update(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    closes = request.POST.get("closes") == "1"
    form = CaseUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.case_update_send(
                actor=request.user, case=case, closes=closes, **form.cleaned_data
            )
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            if closes:
                messages.success(request, _("The case is closed; the last message is on its way."))
            else:
                messages.success(request, _("The update is on its way to everyone who acted."))
            return redirect("urgent:case", pk=pk)
    context = _case_context(request, case)
    context.update(
        nav="urgent",
        updates=list(case.updates.select_related("mobilization", "created_by")),
        update_form=form,
    )
    return render(request, "urgent/case_detail.html", context, status=400)


@requires(Capability.URGENT_SEND)
@require_POST
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    try:
        services.case_close(actor=request.user, case=case)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The case is closed."))
    return redirect("urgent:case", pk=pk)


# --- Templates -----------------------------------------------------------------------------


@requires(Capability.URGENT_SEND)
def template_list(request: HttpRequest) -> HttpResponse:
    context = {"nav": "urgent", "templates": list(templates_visible_to(request.user))}
    return render(request, "urgent/template_list.html", context)


def _template_initial(template: UrgentTemplate) -> dict[str, Any]:
    return {name: getattr(template, name) for name in services.TEMPLATE_FIELDS}


def _template_page(request: HttpRequest, template: UrgentTemplate | None) -> HttpResponse:
    initial = _template_initial(template) if template else {"follow_up_hours": 4}
    form = TemplateForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if template is None:
                template = services.template_create(actor=request.user, **form.cleaned_data)
            else:
                was_approved = template.is_approved
                template = services.template_update(
                    actor=request.user, template=template, **form.cleaned_data
                )
                if was_approved and not template.is_approved:
                    messages.warning(
                        request, _("The texts changed: the template needs a new approval.")
                    )
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The template is saved."))
            return redirect("urgent:template", pk=template.pk)
    context = {
        "nav": "urgent",
        "form": form,
        "template": template,
        "can_approve": template is not None and services.can_approve(request.user, template),
    }
    return render(request, "urgent/template_form.html", context, status=400 if form.errors else 200)


@requires(Capability.URGENT_SEND)
def template_new(request: HttpRequest) -> HttpResponse:
    return _template_page(request, None)


@requires(Capability.URGENT_SEND)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _template_page(request, access_template(request.user, pk))


def _template_act(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    template = access_template(request.user, pk)
    try:
        action(actor=request.user, template=template)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("urgent:template", pk=pk)


@requires(Capability.URGENT_SEND)
@require_POST
def template_request(request: HttpRequest, pk: int) -> HttpResponse:
    return _template_act(request, pk, services.template_request_approval, _("Sent for approval."))


@requires(Capability.URGENT_SEND)
@require_POST
def template_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _template_act(
        request,
        pk,
        services.template_approve,
        _("Approved: urgent actions can be sent from it without a second approval."),
    )


@requires(Capability.URGENT_SEND)
@require_POST
def template_archive(request: HttpRequest, pk: int) -> HttpResponse:
    template = access_template(request.user, pk)
    services.template_archive(actor=request.user, template=template)
    messages.success(request, _("The template is archived."))
    return redirect("urgent:template_list")


# --- The network ---------------------------------------------------------------------------


@requires(Capability.NETWORK_VIEW)
def network_page(request: HttpRequest) -> HttpResponse:
    report: Any = network.network_report(request.user)
    if not can(request.user, Capability.PEOPLE_VIEW):  # the board: counts only
        report = network.hide_small_counts(report)
    context = {"nav": "network", "report": report}
    return render(request, "urgent/network.html", context)
