"""Staff pages on priorities, campaigns and actions. Views parse input, call the services
and render; every read goes through the scoped selectors. A campaign or action outside the
viewer's scope is a 404, and so is a page the viewer may not use (board viewers see none).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from aktivist.accounts.capabilities import Capability, can
from aktivist.accounts.decorators import requires
from aktivist.campaigns import charts, elevation, selectors, services
from aktivist.campaigns import participants_export as exports
from aktivist.campaigns.forms import (
    ActionForm,
    CampaignFilterForm,
    CampaignForm,
    ElevateForm,
    PriorityForm,
    ProposeElevationForm,
)
from aktivist.campaigns.models import Action, Campaign, Participation, Priority
from aktivist.core import reads
from aktivist.core.exceptions import ApplicationError
from aktivist.core.forms import add_errors
from aktivist.people.selectors import page_of

LIST_LIMIT = 500
PER_PAGE = 25
# Hand-over downloads (aktivist.campaigns.views_handover): the page with every part of
# the PDFs, and the petition's CSV. Shown only when their URLs exist.
HANDOVER_LINKS = [
    ("handover:index", gettext_lazy("Hand-over: count, names and PDFs")),
    ("handover:petition_csv", gettext_lazy("Hand-over list (CSV)")),
]


def _posted(request: HttpRequest) -> Any:
    """The submitted data of a POST (even an empty one: no actions to copy), else None."""
    return request.POST if request.method == "POST" else None


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _htmx_target(request: HttpRequest) -> str | None:
    """The id an htmx request swaps (None for a full page, a history restore included)."""
    htmx = getattr(request, "htmx", None)
    if htmx is None or not htmx or htmx.history_restore_request:
        return None
    return htmx.target or ""


def _progress(count: int, goal: int | None) -> int | None:
    if not goal:
        return None
    return min(100, count * 100 // goal)


# --- Campaign list ------------------------------------------------------------------------


@requires(Capability.PEOPLE_VIEW)
def campaign_list(request: HttpRequest) -> HttpResponse:
    if request.GET.get("tab") == "proposals":
        if not can(request.user, Capability.NATIONAL_PLANNING):
            raise Http404
        return render(
            request,
            "campaigns/proposal_list.html",
            {
                "nav": "campaigns",
                "tab": "proposals",
                "proposals": list(selectors.elevation_proposals()),
            },
        )
    years = selectors.campaign_years(request.user)
    data = {**CampaignFilterForm.defaults(), **request.GET.dict()}
    data.pop("page", None)
    form = CampaignFilterForm(data, years=years)
    campaigns: list[Campaign] = []
    if form.is_valid():
        campaigns = list(
            selectors.campaign_list(
                request.user,
                year=form.cleaned_data["year"] or None,
                scope=form.cleaned_data["scope"],
                kind=form.cleaned_data["kind"],
            ).order_by(
                "-year", F("priority__name").asc(nulls_last=True), "is_archived", "name", "pk"
            )[: LIST_LIMIT + 1]
        )
    totals = selectors.participation_totals([c.pk for c in campaigns[:LIST_LIMIT]])
    for campaign in campaigns:
        campaign.total = totals.get(campaign.pk, 0)  # type: ignore[attr-defined]
        campaign.progress = _progress(campaign.total, campaign.goal)  # type: ignore[attr-defined]
    context = {
        "nav": "campaigns",
        "tab": "campaigns",
        "form": form,
        "campaigns": campaigns[:LIST_LIMIT],
        "truncated": len(campaigns) > LIST_LIMIT,
        "list_limit": LIST_LIMIT,
        "proposal_count": selectors.elevation_proposals().count()
        if can(request.user, Capability.NATIONAL_PLANNING)
        else 0,
        # The filters stay open when they show something other than this year's all.
        "filtered": data != CampaignFilterForm.defaults() or not form.is_valid(),
    }
    return render(request, "campaigns/campaign_list.html", context)


# --- Campaign page and forms --------------------------------------------------------------


def _editable_campaign(request: HttpRequest, pk: int) -> Campaign:
    campaign = selectors.access_campaign(request.user, pk)
    if not selectors.can_edit_campaign(request.user, campaign):
        raise Http404
    return campaign


@requires(Capability.PEOPLE_VIEW)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.access_campaign(request.user, pk)
    actions = selectors.campaign_actions(campaign)
    now = timezone.now()
    for action in actions:
        action.progress = _progress(action.participation_count, action.goal)  # type: ignore[attr-defined]
        action.open_now = action.is_open(now)  # type: ignore[attr-defined]
    total = sum(a.participation_count for a in actions)  # type: ignore[attr-defined]
    lifted_from = campaign.elevated_from
    context = {
        "nav": "campaigns",
        "campaign": campaign,
        "actions": actions,
        "total": total,
        "progress": _progress(total, campaign.goal),
        "can_edit": selectors.can_edit_campaign(request.user, campaign),
        "can_propose": elevation.can_propose_elevation(request.user, campaign),
        "can_decide": elevation.can_decide_elevation(request.user, campaign),
        "elevations": list(selectors.elevations_of(campaign)),
        "lifted_from": lifted_from,
        "lifted_from_visible": lifted_from is not None
        and selectors.campaigns_visible_to(request.user).filter(pk=lifted_from.pk).exists(),
    }
    return render(request, "campaigns/campaign_detail.html", context)


@requires(Capability.PEOPLE_VIEW)
def campaign_create(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    priority_id = request.GET.get("priority", "")
    if priority_id.isdigit():
        initial["priority"] = int(priority_id)
    form = CampaignForm(_posted(request), initial=initial, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=request.user, data=form.campaign_data())
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Campaign created. Now add its first action."))
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(
        request,
        "campaigns/campaign_form.html",
        {"nav": "campaigns", "form": form, "campaign": None},
    )


@requires(Capability.PEOPLE_VIEW)
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _editable_campaign(request, pk)
    initial = {name: getattr(campaign, name) for name in services.CAMPAIGN_FIELDS}
    initial["priority"] = campaign.priority_id
    initial["unit"] = campaign.unit_id
    form = CampaignForm(_posted(request), initial=initial, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(
                actor=request.user, campaign=campaign, data=form.campaign_data()
            )
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(
        request,
        "campaigns/campaign_form.html",
        {"nav": "campaigns", "form": form, "campaign": campaign},
    )


# --- Elevation ----------------------------------------------------------------------------


@requires(Capability.PEOPLE_VIEW)
def campaign_propose(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _editable_campaign(request, pk)
    if campaign.scope == Campaign.Scope.NATIONAL:
        raise Http404
    form = ProposeElevationForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            elevation.campaign_propose_elevation(
                actor=request.user, campaign=campaign, note=form.cleaned_data["note"]
            )
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("Proposed. The secretariat decides whether it goes national.")
            )
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(
        request,
        "campaigns/propose_form.html",
        {"nav": "campaigns", "form": form, "campaign": campaign},
    )


@requires(Capability.NATIONAL_PLANNING)
def campaign_elevate(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.access_campaign(request.user, pk)
    if campaign.scope == Campaign.Scope.NATIONAL:
        raise Http404
    form = ElevateForm(_posted(request), campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            national = elevation.campaign_elevate(
                actor=request.user,
                campaign=campaign,
                copy_actions=form.chosen_actions(),
            )
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Lifted to a national campaign."))
            return redirect("campaigns:detail", pk=national.pk)
    return render(
        request,
        "campaigns/elevate_form.html",
        {"nav": "campaigns", "form": form, "campaign": campaign},
    )


@require_POST
@requires(Capability.NATIONAL_PLANNING)
def campaign_decline(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.access_campaign(request.user, pk)
    try:
        elevation.campaign_decline_elevation(actor=request.user, campaign=campaign)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Not lifted. The owners may propose it again later."))
    return redirect("campaigns:detail", pk=campaign.pk)


# --- Action forms -------------------------------------------------------------------------


@requires(Capability.PEOPLE_VIEW)
def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _editable_campaign(request, pk)
    form = ActionForm(_posted(request), initial={"opens_at": timezone.localtime()})
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_create(
                actor=request.user, campaign=campaign, data=form.action_data()
            )
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Action created. Its public link is below."))
            return redirect("campaigns:action_detail", pk=action.pk)
    return render(
        request,
        "campaigns/action_form.html",
        {"nav": "campaigns", "form": form, "campaign": campaign, "action": None},
    )


def _editable_action(request: HttpRequest, pk: int) -> Action:
    action = selectors.access_action(request.user, pk)
    if not selectors.can_edit_campaign(request.user, action.campaign):
        raise Http404
    return action


@requires(Capability.PEOPLE_VIEW)
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = _editable_action(request, pk)
    initial = {name: getattr(action, name) for name in services.ACTION_FIELDS}
    initial["opens_at"] = timezone.localtime(action.opens_at)
    if action.closes_at:
        initial["closes_at"] = timezone.localtime(action.closes_at)
    locked = Participation.objects.filter(action=action).exists()
    form = ActionForm(_posted(request), initial=initial, slug_locked=locked)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(actor=request.user, action=action, data=form.action_data())
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("campaigns:action_detail", pk=action.pk)
    return render(
        request,
        "campaigns/action_form.html",
        {"nav": "campaigns", "form": form, "campaign": action.campaign, "action": action},
    )


@require_POST
@requires(Capability.PEOPLE_VIEW)
def action_close(request: HttpRequest, pk: int) -> HttpResponse:
    action = _editable_action(request, pk)
    try:
        services.action_close_now(actor=request.user, action=action)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Closed. The page now says so and takes no more."))
    return redirect("campaigns:action_detail", pk=action.pk)


@require_POST
@requires(Capability.PEOPLE_VIEW)
def action_publish(request: HttpRequest, pk: int) -> HttpResponse:
    action = _editable_action(request, pk)
    published = request.POST.get("published") == "1"
    services.action_set_published(actor=request.user, action=action, published=published)
    messages.success(
        request,
        _("Published: the public page is live.")
        if published
        else _("Unpublished: the public page is gone."),
    )
    return redirect("campaigns:action_detail", pk=action.pk)


# --- Action page --------------------------------------------------------------------------


def public_url(request: HttpRequest, action: Action) -> str:
    try:
        return request.build_absolute_uri(reverse("public:action", args=[action.slug]))
    except NoReverseMatch:
        return request.build_absolute_uri(f"/a/{action.slug}/")


def handover_links(action: Action) -> list[tuple[str, str]]:
    """The hand-over downloads for this action: (url, label) for those that exist."""
    links = []
    for name, label in HANDOVER_LINKS:
        try:
            links.append((reverse(name, args=[action.pk]), str(label)))
        except NoReverseMatch:
            continue
    return links


def _live_context(action: Action, *, fresh: bool = False) -> dict[str, Any]:
    """The count (the polled partial may be a few seconds stale: it shares the public
    pages' cache; the full page counts afresh)."""
    count = selectors.participation_count(action, fresh=fresh)
    return {
        "action": action,
        "count": count,
        "progress": _progress(count, action.goal),
        "open_now": action.is_open(),
    }


def _stats_context(action: Action) -> dict[str, Any]:
    audience = selectors.action_audience(action)
    total = audience["total"]

    def share(part: int, whole: int) -> int | None:
        return round(part * 100 / whole) if whole else None

    return {
        "action": action,
        "per_hour": charts.per_hour_chart(action),
        "per_day": charts.per_day_chart(action),
        "sources": selectors.action_sources(action),
        "audience": audience,
        "young_share": share(audience["young"], audience["age_known"]),
        "member_share": share(audience["members"], total),
        "non_member_share": share(audience["non_members"], total),
    }


def _participants_context(request: HttpRequest, action: Action) -> dict[str, Any]:
    page = _page_number(request)
    rows, has_next = page_of(
        selectors.participants_visible_to(request.user, action),  # type: ignore[arg-type]
        page=page,
        per_page=PER_PAGE,
    )
    reads.record_shown(
        rows, actor=request.user, verb=reads.PARTICIPANTS_READ, details={"action": action.pk}
    )
    return {
        "action": action,
        "participants": rows,
        "page": page,
        "has_next": has_next,
        "has_previous": page > 1,
        "next_page": page + 1,
        "previous_page": page - 1,
    }


@requires(Capability.PEOPLE_VIEW)
@vary_on_headers("HX-Request", "HX-Target")
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.access_action(request.user, pk)
    target = _htmx_target(request)
    if target == "participants":
        return render(
            request, "campaigns/_participants.html", _participants_context(request, action)
        )
    context = {
        "nav": "campaigns",
        "campaign": action.campaign,
        "can_edit": selectors.can_edit_campaign(request.user, action.campaign),
        "public_url": public_url(request, action),
        "handover_links": handover_links(action),
        **_live_context(action, fresh=True),
        **_stats_context(action),
        **_participants_context(request, action),
    }
    return render(request, "campaigns/action_detail.html", context)


@requires(Capability.PEOPLE_VIEW)
def action_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The live count (the partial the action page polls every 15 seconds)."""
    action = selectors.access_action(request.user, pk)
    return render(request, "campaigns/_live_count.html", _live_context(action))


@requires(Capability.PEOPLE_VIEW)
def action_stats(request: HttpRequest, pk: int) -> HttpResponse:
    """Charts and breakdowns (the partial the action page polls every minute)."""
    action = selectors.access_action(request.user, pk)
    return render(request, "campaigns/_stats.html", _stats_context(action))


# The decorator is typed for HttpResponse; a download is a streaming response.
@require_POST
@requires(Capability.PEOPLE_VIEW)
def participants_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    action = selectors.access_action(request.user, pk)
    try:
        export = exports.participants_export(actor=request.user, action=action)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("campaigns:action_detail", pk=action.pk)
    reads.record_reads(
        actor=request.user,
        verb=reads.EXPORT,
        person_ids=selectors.participants_visible_to(request.user, action),
        details={"export": "action.participants_export", "action": action.pk},
    )
    response = StreamingHttpResponse(export.stream, content_type="text/csv; charset=utf-8")
    disposition = content_disposition_header(as_attachment=True, filename=export.filename)
    if disposition:
        response["Content-Disposition"] = disposition
    # Personal data: no browser or proxy keeps a copy.
    add_never_cache_headers(response)
    return response


# --- Priorities ---------------------------------------------------------------------------


@requires(Capability.NATIONAL_PLANNING)
def priority_list(request: HttpRequest) -> HttpResponse:
    form = PriorityForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            priority = services.priority_create(actor=request.user, **form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Priority “%(name)s” added.") % {"name": priority.name})
            return redirect("campaigns:priorities")
    context = {
        "nav": "campaigns",
        "form": form,
        "priorities": list(selectors.priorities_with_counts()),
    }
    return render(request, "campaigns/priority_list.html", context)


@requires(Capability.NATIONAL_PLANNING)
def priority_edit(request: HttpRequest, pk: int) -> HttpResponse:
    priority: Priority = selectors.access_priority(pk)
    initial = {"name": priority.name, "year": priority.year, "description": priority.description}
    form = PriorityForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.priority_update(actor=request.user, priority=priority, **form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("campaigns:priorities")
    return render(
        request,
        "campaigns/priority_form.html",
        {"nav": "campaigns", "form": form, "priority": priority},
    )
