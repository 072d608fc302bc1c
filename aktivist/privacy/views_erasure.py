"""Erasing a person (Art. 17) from their page: the confirmation page says what is kept on
the tombstone (counts) and what goes, asks why (and, optionally, which erasure request it
fulfils), and erases on POST. The secretariat (admins and staff) only; everyone else, and
anyone asking about a person they may not see or who is erased already, gets a 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import requires
from aktivist.core import reads
from aktivist.core.exceptions import ApplicationError
from aktivist.people.selectors import access_person
from aktivist.privacy import erasure
from aktivist.privacy.models import DataSubjectRequest


class ErasureForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Why is the person erased?"),
        choices=[("", "—"), *erasure.Reason.choices],
    )
    request = forms.ModelChoiceField(
        label=gettext_lazy("The erasure request this fulfils"),
        queryset=DataSubjectRequest.objects.none(),
        required=False,
        empty_label=gettext_lazy("None"),
        help_text=gettext_lazy(
            "An open erasure request about this person whose requester's identity was "
            "checked. It is marked fulfilled."
        ),
    )

    def __init__(self, *args: Any, person: Any, chosen: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Open erasure requests about the person whose requester's identity was checked
        # (an unchecked one must be checked on the request's page first).
        open_requests = DataSubjectRequest.objects.filter(
            person=person,
            kind=DataSubjectRequest.Kind.ERASURE,
            status=DataSubjectRequest.Status.IDENTITY_CHECKED,
        ).order_by("received_on", "id")
        field = self.fields["request"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = open_requests
        field.label_from_instance = _request_label  # type: ignore[method-assign,assignment]  # Django's documented hook
        # The request the erase page was opened from (?request=<id>), else the only one.
        preselected = next((r for r in open_requests if str(r.pk) == str(chosen)), None)
        if preselected is None and len(open_requests) == 1:
            preselected = open_requests[0]
        if preselected is not None:
            self.initial.setdefault("request", preselected.pk)
            self.initial.setdefault("reason", erasure.Reason.REQUEST.value)


def _request_label(request: DataSubjectRequest) -> str:
    return _("Received %(date)s (%(status)s)") % {
        "date": request.received_on.isoformat(),
        "status": request.get_status_display(),
    }


@requires(Capability.PRIVACY_ACT)
def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    form = ErasureForm(request.POST or None, person=person, chosen=request.GET.get("request"))
    if request.method == "POST" and form.is_valid():
        try:
            erasure.person_erase(
                actor=request.user,
                person=person,
                reason=form.cleaned_data["reason"],
                request=form.cleaned_data["request"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "The person was erased. What the reports count stays, without anything "
                    "that names them."
                ),
            )
            return redirect("people:list")
    reads.record_reads(actor=request.user, verb=reads.PERSON_READ, person_ids=[person.pk])
    context = {
        "nav": "people",
        "person": person,
        "form": form,
        "preview": erasure.erasure_preview(person),
    }
    return render(request, "privacy/erasure/confirm.html", context)
