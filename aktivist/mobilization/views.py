"""Staff pages on messages and mobilizations: write a message with a live preview, send a
test to yourself, put a segment and a message together, send now or later, approve, watch
the progress, pause, resume, cancel, and see what it brought. Views parse input, call the
services and render; every read goes through the scoped selectors (404 outside scope)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import requires
from aktivist.core import reads
from aktivist.core.conditions import SegmentError
from aktivist.core.exceptions import ApplicationError
from aktivist.core.forms import add_errors
from aktivist.mobilization import composing, reports, services, texting
from aktivist.mobilization.forms import MessageForm, MobilizationForm, SendForm
from aktivist.mobilization.models import Channel, Message, Mobilization
from aktivist.mobilization.rendering import MERGE_FIELDS
from aktivist.mobilization.selectors import (
    access_message,
    access_mobilization,
    awaiting_approval_by,
    messages_visible_to,
    mobilizations_visible_to,
    progress,
)
from aktivist.people.selectors import people_search

LIST_LIMIT = 100
Status = Mobilization.Status
LIVE = (Status.SCHEDULED, Status.STARTING, Status.SENDING)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


# --- Mobilizations ------------------------------------------------------------------------------


@requires(Capability.MOBILIZATION_SEND)
def mobilization_list(request: HttpRequest) -> HttpResponse:
    visible = mobilizations_visible_to(request.user)
    context = {
        "nav": "mobilizations",
        "awaiting": list(awaiting_approval_by(request.user)),
        "mobilizations": list(visible.order_by("-created_at")[:LIST_LIMIT]),
    }
    return render(request, "mobilization/mobilization_list.html", context)


@requires(Capability.MOBILIZATION_SEND)
def mobilization_create(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    for name in ("segment", "message"):
        value = request.GET.get(name, "")
        if value.isdigit():
            initial[name] = int(value)
    form = MobilizationForm(_posted(request), initial=initial, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            mobilization = services.mobilization_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                message=form.cleaned_data["message"],
                segment=form.cleaned_data["segment"],
                urgent=form.cleaned_data.get("urgent", False),
            )
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            return redirect("mobilization:detail", pk=mobilization.pk)
    context = {"nav": "mobilizations", "form": form, "mobilization": None}
    return render(request, "mobilization/mobilization_form.html", context)


@requires(Capability.MOBILIZATION_SEND)
def mobilization_edit(request: HttpRequest, pk: int) -> HttpResponse:
    mobilization = access_mobilization(request.user, pk)
    if mobilization.status != Status.DRAFT:
        messages.error(request, _("Only a draft can be changed."))
        return redirect("mobilization:detail", pk=pk)
    initial = {
        "name": mobilization.name,
        "segment": mobilization.segment_id,
        "message": mobilization.message_id,
        "urgent": mobilization.urgent,
    }
    form = MobilizationForm(_posted(request), initial=initial, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.mobilization_update(
                actor=request.user,
                mobilization=mobilization,
                name=form.cleaned_data["name"],
                message=form.cleaned_data["message"],
                segment=form.cleaned_data["segment"],
                urgent=form.cleaned_data.get("urgent", mobilization.urgent),
            )
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            return redirect("mobilization:detail", pk=pk)
    context = {"nav": "mobilizations", "form": form, "mobilization": mobilization}
    return render(request, "mobilization/mobilization_form.html", context)


def _detail_context(request: HttpRequest, mobilization: Mobilization) -> dict[str, Any]:
    return {
        "nav": "mobilizations",
        "mobilization": mobilization,
        "progress": progress(mobilization),
        "live": mobilization.status in LIVE,
        "can_approve": services.can_approve(request.user, mobilization),
        "send_form": SendForm(),
        "threshold": settings.MOBILIZATION_APPROVAL_THRESHOLD,
        "preview_sv": _snapshot_preview(mobilization, "sv"),
        "preview_en": _snapshot_preview(mobilization, "en"),
    }


def _snapshot_preview(mobilization: Mobilization, language: str) -> tuple[str, str] | None:
    """(subject, html) of what is (or will be) sent, with example values."""
    snapshot = mobilization.message_snapshot or composing.message_snapshot(mobilization.message)
    if language == "en" and not snapshot.get("has_english"):
        return None
    message = Message(
        channel=snapshot.get("channel") or mobilization.channel,
        subject_sv=snapshot["subject_sv"],
        body_sv=snapshot["body_sv"],
        subject_en=snapshot["subject_en"],
        body_en=snapshot["body_en"],
    )
    if message.is_sms:
        text = texting.preview(
            message.body_en if language == "en" else message.body_sv, language=language
        ).text
        return "", str(linebreaksbr(text, autoescape=True))
    values = composing.sample_values(None, name="Amir Karimi")
    subject, _text, html = composing.render_preview(
        message, language=language, values=values, layout=False
    )
    return subject, html


@requires(Capability.MOBILIZATION_SEND)
def mobilization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mobilization = access_mobilization(request.user, pk)
    return render(
        request, "mobilization/mobilization_detail.html", _detail_context(request, mobilization)
    )


@requires(Capability.MOBILIZATION_SEND)
def mobilization_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress section alone (htmx polls it while the mobilization is live)."""
    mobilization = access_mobilization(request.user, pk)
    context = {
        "mobilization": mobilization,
        "progress": progress(mobilization),
        "live": mobilization.status in LIVE,
    }
    response = render(request, "mobilization/_progress.html", context)
    if mobilization.status not in LIVE and request.GET.get("was") in [s.value for s in LIVE]:
        response["HX-Refresh"] = "true"  # the buttons change with the status: reload once
    return response


@requires(Capability.MOBILIZATION_SEND)
def mobilization_reach(request: HttpRequest, pk: int) -> HttpResponse:
    """Before sending: how many the segment names and who would be skipped, and why."""
    mobilization = access_mobilization(request.user, pk)
    context: dict[str, Any] = {"mobilization": mobilization, "error": ""}
    if mobilization.segment is None:
        context["error"] = _("Choose a segment first.")
    else:
        try:
            context["reach"] = reports.reach(mobilization, mobilization.segment.tree)
        except SegmentError as exc:
            context["error"] = exc.message
        else:
            if mobilization.channel == Channel.SMS:
                context["sms_cost"] = reports.sms_cost(
                    mobilization, context["reach"].reachable, mobilization.segment.tree
                )
    context["threshold"] = settings.MOBILIZATION_APPROVAL_THRESHOLD
    return render(request, "mobilization/_reach.html", context)


@requires(Capability.MOBILIZATION_SEND)
def mobilization_conditions(request: HttpRequest, pk: int) -> HttpResponse:
    mobilization = access_mobilization(request.user, pk)
    rows = reports.conditions_report(mobilization, request.user)
    return render(request, "mobilization/_conditions.html", {"rows": rows})


def _act(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    mobilization = access_mobilization(request.user, pk)
    try:
        action(actor=request.user, mobilization=mobilization)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("mobilization:detail", pk=pk)


@requires(Capability.MOBILIZATION_SEND)
@require_POST
def mobilization_send(request: HttpRequest, pk: int) -> HttpResponse:
    mobilization = access_mobilization(request.user, pk)
    form = SendForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, mobilization)
        context["send_form"] = form
        return render(request, "mobilization/mobilization_detail.html", context, status=400)
    try:
        mobilization = services.mobilization_request_send(
            actor=request.user, mobilization=mobilization, send_at=form.cleaned_data["send_at"]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("mobilization:detail", pk=pk)
    if mobilization.status == Status.AWAITING_APPROVAL:
        messages.warning(
            request,
            _(
                "It goes to %(count)s people: a second staff member must approve it before "
                "it is sent."
            )
            % {"count": mobilization.estimated_count},
        )
    elif mobilization.status == Status.SCHEDULED:
        messages.success(request, _("Scheduled."))
    else:
        messages.success(request, _("Sending has started."))
    return redirect("mobilization:detail", pk=pk)


@requires(Capability.MOBILIZATION_SEND)
@require_POST
def mobilization_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.mobilization_approve, _("Approved."))


@requires(Capability.MOBILIZATION_SEND)
@require_POST
def mobilization_decline(request: HttpRequest, pk: int) -> HttpResponse:
    mobilization = access_mobilization(request.user, pk)
    try:
        services.mobilization_decline(
            actor=request.user, mobilization=mobilization, note=request.POST.get("note", "")
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Back to draft: nothing was sent."))
    return redirect("mobilization:detail", pk=pk)


@requires(Capability.MOBILIZATION_SEND)
@require_POST
def mobilization_pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.mobilization_pause, _("Paused."))


@requires(Capability.MOBILIZATION_SEND)
@require_POST
def mobilization_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.mobilization_resume, _("Sending again."))


@requires(Capability.MOBILIZATION_SEND)
@require_POST
def mobilization_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.mobilization_cancel, _("Cancelled: nothing more is sent."))


# --- Messages -----------------------------------------------------------------------------------


@requires(Capability.MOBILIZATION_SEND)
def message_list(request: HttpRequest) -> HttpResponse:
    context = {
        "nav": "mobilizations",
        "messages_list": list(
            messages_visible_to(request.user).order_by("-updated_at")[:LIST_LIMIT]
        ),
    }
    return render(request, "mobilization/message_list.html", context)


def _message_initial(message: Message) -> dict[str, Any]:
    return {
        "name": message.name,
        "channel": message.channel,
        "purpose": message.purpose,
        "action": message.action_id,
        "event": message.event_id,
        "subject_sv": message.subject_sv,
        "body_sv": message.body_sv,
        "subject_en": message.subject_en,
        "body_en": message.body_en,
    }


def _message_page(request: HttpRequest, message: Message | None) -> HttpResponse:
    initial = (
        _message_initial(message)
        if message
        else {"purpose": "campaigns", "channel": request.GET.get("channel", "email")}
    )
    form = MessageForm(_posted(request), initial=initial, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if message is None:
                message = composing.message_create(actor=request.user, **form.message_data())
            else:
                composing.message_update(actor=request.user, message=message, **form.message_data())
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The message is saved."))
            after = request.POST.get("next", "")
            if after == "mobilization":
                return redirect(reverse("mobilization:create") + f"?message={message.pk}")
            return redirect("mobilization:message_edit", pk=message.pk)
    context = {
        "nav": "mobilizations",
        "form": form,
        "message": message,
        "merge_fields": MERGE_FIELDS.values(),
        "preview_url": reverse("mobilization:message_preview"),
    }
    return render(
        request, "mobilization/message_form.html", context, status=400 if form.errors else 200
    )


@requires(Capability.MOBILIZATION_SEND)
def message_create(request: HttpRequest) -> HttpResponse:
    return _message_page(request, None)


@requires(Capability.MOBILIZATION_SEND)
def message_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _message_page(request, access_message(request.user, pk))


@requires(Capability.MOBILIZATION_SEND)
@require_POST
def message_preview(request: HttpRequest) -> HttpResponse:
    """The live preview of the message being written, as a given recipient (the first
    person in the viewer's scope that the search names) or with example values."""
    form = MessageForm(request.POST, viewer=request.user)
    form.is_valid()
    data = {k: request.POST.get(k, "") for k in composing.TEXT_FIELDS}
    cleaned = getattr(form, "cleaned_data", {})
    channel = Channel.SMS if request.POST.get("channel") == Channel.SMS else Channel.EMAIL
    message = Message(
        **data, channel=channel, action=cleaned.get("action"), event=cleaned.get("event")
    )
    problems = composing.message_problems(message)
    query = request.POST.get("preview_as", "").strip()[:200]
    person = people_search(request.user, query).first() if query else None
    reads.record_shown(
        [person] if person else [], actor=request.user, verb=reads.PREVIEW_AS, search=query
    )
    values = composing.sample_values(person, name="Amir Karimi")
    language = "en" if request.POST.get("preview_language") == "en" else "sv"
    context: dict[str, Any] = {
        "problems": [p for found in problems.values() for p in found],
        "person": person,
        "query": query,
        "language": language,
        "has_english": message.has_english,
    }
    if message.is_sms:
        if message.body_sv or (language == "en" and message.body_en):
            body = message.body_en if language == "en" and message.has_english else message.body_sv
            sms = texting.preview(
                body,
                language=language if message.has_english else "sv",
                values=texting.example_values() | {k: v for k, v in values.items() if v},
            )
            context.update(sms=sms, currency=texting.currency(), max_parts=texting.MAX_PARTS)
        return render(request, "mobilization/_sms_preview.html", context)
    if message.subject_sv or message.body_sv:
        subject, text, html = composing.render_preview(
            message, language=language, values=values, layout=False
        )
        context.update(subject=subject, text=text, html=html)
    return render(request, "mobilization/_message_preview.html", context)


@requires(Capability.MOBILIZATION_SEND)
@require_POST
def message_test_send(request: HttpRequest, pk: int) -> HttpResponse:
    message = access_message(request.user, pk)
    language = "en" if request.POST.get("language") == "en" else "sv"
    try:
        composing.message_test_send(actor=request.user, message=message, language=language)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("A test is on its way to %(email)s.") % {"email": getattr(request.user, "email", "")},
        )
    return redirect("mobilization:message_edit", pk=pk)


@requires(Capability.MOBILIZATION_SEND)
@require_POST
def message_archive(request: HttpRequest, pk: int) -> HttpResponse:
    message = access_message(request.user, pk)
    composing.message_archive(actor=request.user, message=message)
    messages.success(request, _("The message is archived."))
    return redirect("mobilization:message_list")
