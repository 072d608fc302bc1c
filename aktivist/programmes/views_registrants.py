"""The event's organisers write to its registrants, and take its list as a file. Views parse
input, call the services (aktivist/programmes/registrant_messages.py) and render; what a
viewer sees of a registration is what the selectors give (aktivist/programmes/selectors.py).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy, ngettext

from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import requires
from aktivist.core import audit, reads
from aktivist.core.exceptions import ApplicationError
from aktivist.core.forms import add_errors
from aktivist.core.spreadsheets import csv_stream
from aktivist.programmes import registrant_messages, selectors
from aktivist.programmes.models import Registration
from aktivist.programmes.views import NAV, _editable_event, _posted


class RegistrantsMessageForm(forms.Form):
    audience = forms.ChoiceField(label=gettext_lazy("To"), widget=forms.RadioSelect)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=150)
    body = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "Sent by email to the address each registrant gave, with the event's details. "
            "You do not see their addresses."
        ),
    )

    def __init__(self, *args: Any, counts: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        audience = self.fields["audience"]
        assert isinstance(audience, forms.ChoiceField)  # noqa: S101 - declared above
        audience.choices = [
            (key, f"{label} ({counts.get(key, 0)})")
            for key, (label, _statuses) in registrant_messages.AUDIENCES.items()
        ]
        self.fields["audience"].initial = "signed_up"


@requires(Capability.PEOPLE_VIEW)
def event_message(request: HttpRequest, pk: int) -> HttpResponse:
    event = _editable_event(request, pk)
    counts = registrant_messages.audience_counts(event)
    form = RegistrantsMessageForm(_posted(request), counts=counts)
    if request.method == "POST" and form.is_valid():
        try:
            sent = registrant_messages.registrants_message(
                actor=request.user,
                event=event,
                audience=form.cleaned_data["audience"],
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "The message is on its way to %(count)s registrant.",
                    "The message is on its way to %(count)s registrants.",
                    sent.recipients,
                )
                % {"count": sent.recipients},
            )
            return redirect("programmes:event_detail", pk=event.pk)
    return render(
        request,
        "programmes/event_message.html",
        {
            "nav": NAV,
            "event": event,
            "form": form,
            "sent_today": registrant_messages.sent_today(event),
            "limit": settings.EVENT_MESSAGES_PER_DAY,
        },
        status=400 if request.method == "POST" else 200,
    )


REGISTRATION_COLUMNS = (
    ("first_name", gettext_lazy("First name")),
    ("last_name", gettext_lazy("Last name")),
    ("email", gettext_lazy("Email")),
    ("mobile", gettext_lazy("Mobile")),
    ("status", gettext_lazy("Status")),
    ("source", gettext_lazy("Source")),
    ("signed_up", gettext_lazy("Signed up")),
    ("attended", gettext_lazy("Attended")),
)


def _registration_row(registration: Registration) -> list[Any]:
    """What was typed (for an older registration, the visible person's name), the status and
    times: never anything of a person the viewer may not see."""
    person = getattr(registration, "visible_person", None)
    if registration.typed_name:
        first, last = registration.typed_first_name, registration.typed_last_name
    else:
        first, last = (person.first_name, person.last_name) if person else ("", "")
    return [
        first,
        last,
        registration.typed_email,
        registration.typed_mobile,
        registration.status,
        registration.source,
        timezone.localtime(registration.created_at).strftime("%Y-%m-%d %H:%M"),
        timezone.localtime(registration.attended_at).strftime("%Y-%m-%d %H:%M")
        if registration.attended_at
        else "",
    ]


# The decorator is typed for HttpResponse; a download is a streaming response.
@requires(Capability.PEOPLE_VIEW)
def registrations_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The event's list as the viewer sees it (a sign-in sheet), audited before a byte
    leaves."""
    event = selectors.access_event(request.user, pk)
    rows = selectors.registration_rows(request.user, event)
    audit.record(
        actor=request.user,
        verb="event.registrations_export",
        obj=event,
        details={"rows": len(rows)},
    )
    reads.record_reads(
        actor=request.user,
        verb=reads.EXPORT,
        person_ids=reads.person_ids_in(rows),
        details={"export": "event.registrations_export", "event": event.pk},
    )
    response = StreamingHttpResponse(
        csv_stream(
            (_registration_row(r) for r in rows), [str(label) for _k, label in REGISTRATION_COLUMNS]
        ),
        content_type="text/csv; charset=utf-8",
    )
    disposition = content_disposition_header(
        as_attachment=True, filename=f"{event.slug}-registrations.csv"
    )
    if disposition:
        response["Content-Disposition"] = disposition
    return response
