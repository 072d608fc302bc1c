"""Hand-over downloads of an action: the page that offers them, the petition as CSV and
PDF, and the letters bundle. Staff who can see the action only (board viewers and anyone
outside the action's scope get the 404 page); the names in them are further limited to
the people the viewer may see (aktivist.campaigns.handover)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header

from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import requires
from aktivist.campaigns import handover
from aktivist.campaigns.selectors import access_action


def _part(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("part", "1"))
    except ValueError:
        raise Http404 from None


def _attachment(response: HttpResponseBase, download: handover.Download) -> None:
    disposition = content_disposition_header(as_attachment=True, filename=download.filename)
    if disposition:
        response["Content-Disposition"] = disposition
    # Names: no browser or proxy keeps a copy.
    add_never_cache_headers(response)


def _file(download: handover.Download) -> HttpResponse:
    response = HttpResponse(download.content, content_type=download.content_type)
    _attachment(response, download)
    return response


def _stream(download: handover.Download) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        download.stream or iter(()), content_type=download.content_type
    )
    _attachment(response, download)
    return response


@requires(Capability.PEOPLE_VIEW)
def index(request: HttpRequest, pk: int) -> HttpResponse:
    action = access_action(request.user, pk)
    summary = handover.summary(request.user, action)
    context = {
        "nav": "campaigns",
        "action": action,
        "summary": summary,
        "petition_parts": range(1, summary.petition_parts + 1),
        "letter_parts": range(1, summary.letter_parts + 1),
        "petition_part_size": handover.PETITION_PART,
        "letters_part_size": handover.LETTERS_PART,
    }
    return render(request, "campaigns/handover/index.html", context)


@requires(Capability.PEOPLE_VIEW)
def petition_csv(request: HttpRequest, pk: int) -> HttpResponseBase:
    action = access_action(request.user, pk)
    return _stream(handover.petition_csv(actor=request.user, action=action))


@requires(Capability.PEOPLE_VIEW)
def petition_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    action = access_action(request.user, pk)
    try:
        download = handover.petition_pdf(actor=request.user, action=action, part=_part(request))
    except handover.NoSuchPart:
        raise Http404 from None
    return _file(download)


@requires(Capability.PEOPLE_VIEW)
def letters_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    action = access_action(request.user, pk)
    if not action.is_letter:
        raise Http404
    try:
        download = handover.letters_pdf(actor=request.user, action=action, part=_part(request))
    except handover.NoSuchPart:
        raise Http404 from None
    return _file(download)
