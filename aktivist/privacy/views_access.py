"""The access export's pages (GDPR Art. 15 and 20; aktivist/privacy/access.py): a page
that says what the export holds, and the download of each of its two files (POST: each
download is audited, so a prefetch or a crawler must never make one). The secretariat
only; anyone else gets the 404 page."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import requires
from aktivist.core import reads
from aktivist.privacy import access


@requires(Capability.PRIVACY_ACT)
def access_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.subject_for(request.user, pk)
    # The page names the person: a read, like her own page.
    reads.record_reads(actor=request.user, verb=reads.PERSON_READ, person_ids=[person.pk])
    return render(request, "privacy/access/page.html", {"nav": "people", "person": person})


@require_POST
@requires(Capability.PRIVACY_ACT)
def access_export(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.subject_for(request.user, pk)
    fmt = request.POST.get("format", "")
    if fmt not in access.FORMATS:
        raise Http404
    languages = {code for code, _name in settings.LANGUAGES}
    language = request.POST.get("language") or person.language
    if language not in languages:
        language = settings.LANGUAGE_CODE
    exported = access.export_file(actor=request.user, person=person, fmt=fmt, language=language)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    disposition = content_disposition_header(as_attachment=True, filename=exported.filename)
    if disposition:
        response["Content-Disposition"] = disposition
    # Personal data: no browser or proxy keeps a copy.
    add_never_cache_headers(response)
    return response
