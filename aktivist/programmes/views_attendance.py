"""The check-in list at the door (made for one thumb on a phone), the attendance upload,
and completions recorded by hand on the person page. Views parse input, call the
services (aktivist/programmes/attendance.py, attendance_upload.py, progression.py) and
render; with htmx a tap swaps one row, without it every form still works as a plain POST.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from aktivist.accounts.capabilities import Capability, can
from aktivist.accounts.decorators import requires
from aktivist.core import reads
from aktivist.core.exceptions import ApplicationError
from aktivist.core.uploads import streamed_upload
from aktivist.people.selectors import access_person
from aktivist.programmes import attendance, attendance_upload, progression
from aktivist.programmes.models import AttendanceUpload, Event, Programme, ProgrammeCompletion
from aktivist.programmes.selectors import can_edit_event, event_counts

QUERY_MAX = 100
NAV = "events"
POLL_SECONDS = 2


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _event_page_url(event: Event) -> str:
    """The staff page of the event (another part of the programmes app), if it exists."""
    try:
        return reverse("programmes:event_detail", args=[event.pk])
    except NoReverseMatch:
        return ""


def _checkin_url(event: Event, query: str = "") -> str:
    url = reverse("attendance:checkin", args=[event.pk])
    return f"{url}?{urlencode({'q': query})}" if query else url


class WalkInForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=100)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=100, required=False)
    email = forms.CharField(
        label=gettext_lazy("Email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "inputmode": "email"}),
    )
    mobile = forms.CharField(
        label=gettext_lazy("Mobile"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
        help_text=gettext_lazy("An email address or a mobile number, or both."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "walk-in-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name"):
            self.fields[name].widget.attrs["autocomplete"] = "off"


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for text in exc.messages:
            form.add_error(None, text)


def _list_context(request: HttpRequest, event: Event, query: str) -> dict[str, Any]:
    return {
        "event": event,
        "query": query,
        "rows": reads.record_shown(
            attendance.checkin_rows(request.user, event, query),
            actor=request.user,
            verb=reads.CHECKIN_READ,
            details={"event": event.pk},
            search=query,
        ),
        "hidden": attendance.hidden_count(request.user, event),
        "counts": event_counts(event),
        "open": not event.is_cancelled,
    }


def _page_context(
    request: HttpRequest,
    event: Event,
    *,
    query: str = "",
    form: WalkInForm | None = None,
    walked_in: attendance.WalkInResult | None = None,
) -> dict[str, Any]:
    return {
        "nav": NAV,
        **_list_context(request, event, query),
        "form": form or WalkInForm(),
        "walked_in": walked_in,
        "event_url": _event_page_url(event),
        "can_mark_no_shows": attendance.can_mark_no_shows(request.user, event),
        "can_upload": can_edit_event(request.user, event),
        "started": event.starts_at <= timezone.now(),
    }


@requires(Capability.PEOPLE_VIEW)
@vary_on_headers("HX-Request", "HX-Target")
def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    event = attendance.access_checkin_event(request.user, pk)
    query = request.GET.get("q", "")[:QUERY_MAX]
    if _is_htmx(request) and request.htmx.target == "checkin-list":  # type: ignore[attr-defined]
        return render(
            request, "programmes/checkin/_list.html", _list_context(request, event, query)
        )
    return render(
        request, "programmes/checkin/page.html", _page_context(request, event, query=query)
    )


@require_POST
@requires(Capability.PEOPLE_VIEW)
def checkin_toggle(request: HttpRequest, pk: int, registration_pk: int) -> HttpResponse:
    event = attendance.access_checkin_event(request.user, pk)
    registration = attendance.access_checkin_registration(request.user, event, registration_pk)
    wanted = request.POST.get("attended") == "1"
    error = ""
    try:
        # Updates the status on ``registration`` (whose person is loaded already).
        attendance.attendance_set(actor=request.user, registration=registration, attended=wanted)
    except ApplicationError as exc:
        error = exc.message
    if _is_htmx(request):
        return render(
            request,
            "programmes/checkin/_row_response.html",
            {
                "event": event,
                "row": registration,
                "error": error,
                "counts": event_counts(event),
                "open": not event.is_cancelled,
            },
        )
    if error:
        messages.error(request, error)
    return redirect(_checkin_url(event, request.POST.get("q", "")[:QUERY_MAX]))


@require_POST
@requires(Capability.PEOPLE_VIEW)
def checkin_walk_in(request: HttpRequest, pk: int) -> HttpResponse:
    event = attendance.access_checkin_event(request.user, pk)
    query = request.POST.get("q", "")[:QUERY_MAX]
    form = WalkInForm(request.POST)
    result = None
    if form.is_valid():
        try:
            result = attendance.walk_in(actor=request.user, event=event, data=form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
    if result is not None and not _is_htmx(request):
        messages.success(request, _("%(name)s is checked in.") % {"name": result.name})
        return redirect(_checkin_url(event, query))
    context = _page_context(
        request, event, query=query, form=WalkInForm() if result else form, walked_in=result
    )
    if _is_htmx(request):
        return render(request, "programmes/checkin/_walk_in_response.html", context)
    return render(request, "programmes/checkin/page.html", context, status=400)


@require_POST
@requires(Capability.PEOPLE_VIEW)
def checkin_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    event = attendance.access_checkin_event(request.user, pk)
    if not can_edit_event(request.user, event):
        raise Http404
    try:
        count = attendance.mark_rest_no_show(actor=request.user, event=event)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(count)s people who did not come are marked as no-shows.") % {"count": count}
            if count != 1
            else _("1 person who did not come is marked as a no-show."),
        )
    return redirect(_checkin_url(event))


# --- Attendance upload ---------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Attendance list (CSV or Excel)"),
        help_text=gettext_lazy(
            "Columns: email, mobile, first name, last name (Swedish or English headers)."
        ),
    )

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data["file"]
        if uploaded.size > attendance_upload.MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)s MB: is it an attendance list?")
                % {"size": attendance_upload.MAX_BYTES // (1024 * 1024)}
            )
        return uploaded


def _upload_page(
    request: HttpRequest,
    event: Event,
    form: UploadForm,
    *,
    result: attendance_upload.UploadResult | None = None,
    reading: AttendanceUpload | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "programmes/checkin/upload.html",
        {
            "nav": NAV,
            "event": event,
            "form": form,
            "result": result,
            "reading": reading,
            "poll_seconds": POLL_SECONDS,
            "event_url": _event_page_url(event),
            "started": event.starts_at <= timezone.now(),
        },
        status=status,
    )


def _upload_limit() -> int:
    return attendance_upload.MAX_BYTES


@requires(Capability.PEOPLE_VIEW)
@streamed_upload(_upload_limit)
def attendance_upload_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Store the list and go to its page, which says "Reading the file…" until a task has
    read and recorded it (the request never reads the file: issue 15)."""
    event = attendance.access_checkin_event(request.user, pk)
    if not can_edit_event(request.user, event):
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            upload = attendance_upload.attendance_upload_receive(
                actor=request.user,
                event=event,
                uploaded_file=uploaded,
                filename=uploaded.name or "",
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("attendance:upload_result", pk=event.pk, upload_pk=upload.pk)
    status = 400 if request.method == "POST" else 200
    return _upload_page(request, event, form, status=status)


@requires(Capability.PEOPLE_VIEW)
@vary_on_headers("HX-Request")
def attendance_upload_result(request: HttpRequest, pk: int, upload_pk: int) -> HttpResponse:
    """An uploaded list: "Reading the file…" (polled) until it is read; then, as the upload
    page answered before, the check-in list with the counts, or the upload page with the
    refused rows. Only the person who uploaded it sees it, once: the result is then deleted
    (a reload, or someone else, lands on the upload page)."""
    event = attendance.access_checkin_event(request.user, pk)
    if not can_edit_event(request.user, event):
        raise Http404
    upload = AttendanceUpload.objects.filter(
        pk=upload_pk, event=event, created_by_id=request.user.pk
    ).first()
    if upload is None:
        return redirect("attendance:upload", pk=event.pk)
    if upload.status == AttendanceUpload.Status.READING:
        if _is_htmx(request):
            return render(
                request,
                "programmes/checkin/_upload_reading.html",
                {"event": event, "reading": upload, "poll_seconds": POLL_SECONDS},
            )
        return _upload_page(request, event, UploadForm(), reading=upload)
    if _is_htmx(request):
        return HttpResponseClientRedirect(request.path)  # read: the whole page changes
    result = attendance_upload.result_of(upload)
    upload.delete()  # shown: nothing of it is kept
    if result.ok:
        messages.success(
            request,
            _(
                "%(marked)s people marked as attended (%(signed_up)s of them had signed "
                "up); %(already)s were checked in already."
            )
            % {"marked": result.marked, "signed_up": result.signed_up, "already": result.already},
        )
        return redirect(_checkin_url(event))
    return _upload_page(request, event, UploadForm(), result=result, status=400)


# --- Completions by hand (the person page's panel) -----------------------------------------


class CompletionForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=gettext_lazy("Programme"), queryset=Programme.objects.filter(is_active=True)
    )
    completed_on = forms.DateField(
        label=gettext_lazy("Completed"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
    )


def _person_url(person_pk: int) -> str:
    return reverse("people:detail", args=[person_pk]) + "#programmes"


@require_POST
@requires(Capability.PEOPLE_VIEW)
def completion_record(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    if not can(request.user, Capability.PROGRAMMES_COMPLETIONS):
        raise Http404
    form = CompletionForm(request.POST)
    if form.is_valid():
        try:
            completion = progression.completion_record(
                actor=request.user,
                person=person,
                programme=form.cleaned_data["programme"],
                completed_on=form.cleaned_data["completed_on"],
            )
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Recorded: %(programme)s completed.") % {"programme": completion.programme.name},
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect(_person_url(person.pk))


@require_POST
@requires(Capability.PEOPLE_VIEW)
def completion_undo(request: HttpRequest, pk: int) -> HttpResponse:
    completion = ProgrammeCompletion.objects.select_related("programme").filter(pk=_int(pk)).first()
    if completion is None:
        raise Http404
    person = access_person(request.user, completion.person_id)
    if not can(request.user, Capability.PROGRAMMES_COMPLETIONS):
        raise Http404
    try:
        progression.completion_undo(actor=request.user, completion=completion)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(programme)s is no longer recorded as completed.")
            % {"programme": completion.programme.name},
        )
    return redirect(_person_url(person.pk))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None
