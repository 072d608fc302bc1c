"""Export the people list: the same search and filters as the list (carried in the query
string), within the viewer's scope, to CSV or XLSX with chosen columns.

GET shows the columns, the format and what will be exported in words (no COUNT over the
scope); POST returns the download. The service (``aktivist.people.export``) audits it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import requires
from aktivist.core.conditions import compile_tree
from aktivist.core.exceptions import ApplicationError
from aktivist.people import export as export_service
from aktivist.people.filters import PeopleFilterForm
from aktivist.people.selectors import people_search
from aktivist.people.views import MAX_QUERY_LENGTH

FORMAT_CHOICES = [
    ("csv", gettext_lazy("CSV (semicolon-separated, opens in Excel)")),
    ("xlsx", gettext_lazy("Excel workbook (.xlsx)")),
]


class ExportForm(forms.Form):
    columns = forms.MultipleChoiceField(
        label=gettext_lazy("Columns"),
        choices=[
            (key, export_service.column_label_lazy(key)) for key in export_service.EXPORT_COLUMNS
        ],
        initial=export_service.DEFAULT_COLUMNS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one column.")},
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=FORMAT_CHOICES,
        initial="csv",
        widget=forms.RadioSelect,
    )


def describe_filters(form: forms.Form) -> list[tuple[str, str]]:
    """The filled filters of a valid PeopleFilterForm in words: (label, value) pairs; a
    checkbox filter has an empty value. Tag, unit and role names only — no personal data."""
    described: list[tuple[str, str]] = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value is None or value == "" or value is False or value == []:
            continue
        if isinstance(field, forms.ModelMultipleChoiceField):
            if not value:
                continue
            text = ", ".join(str(obj) for obj in value)
        elif isinstance(field, forms.ModelChoiceField):
            text = str(value)
        elif isinstance(field, forms.BooleanField):
            text = ""
        elif isinstance(field, forms.ChoiceField):
            choices: Any = field.choices
            labels = {str(key): str(label) for key, label in choices}
            values = value if isinstance(value, list | tuple) else [value]
            text = ", ".join(labels.get(str(v), str(v)) for v in values)
        else:
            text = str(value)
        described.append((str(field.label), text))
    return described


def _description(query: str, filters: list[tuple[str, str]]) -> str:
    """The audit's words for the selection: the filters, and only *that* a search text was
    given (the text may be a name, an email or a phone number)."""
    parts = [f"{label}: {text}" if text else label for label, text in filters]
    if query.strip():
        parts.insert(0, _("search text (not recorded)"))
    return "; ".join(parts) if parts else _("everyone in scope")


# The decorator is typed for HttpResponse; a download is a streaming response.
@requires(Capability.PEOPLE_VIEW)
def export_people(request: HttpRequest) -> HttpResponseBase:
    query = request.GET.get("q", "")[:MAX_QUERY_LENGTH]
    filter_form = PeopleFilterForm(request.GET or None, viewer=request.user)
    qs = people_search(request.user, query)
    tree: dict[str, Any] | None = None
    filters: list[tuple[str, str]] = []
    filter_error = ""
    if filter_form.is_bound:
        if filter_form.is_valid():
            tree = filter_form.to_tree()
            filters = describe_filters(filter_form)
            if tree:
                try:
                    qs = qs.filter(compile_tree(tree, request.user))
                except ApplicationError as exc:
                    filter_error = exc.message
        else:
            filter_error = _("The filters are not valid. Go back to the list and correct them.")

    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not filter_error and form.is_valid():
        try:
            export = export_service.export_people(
                actor=request.user,
                queryset=qs,
                columns=form.cleaned_data["columns"],
                fmt=form.cleaned_data["format"],
                description=_description(query, filters),
                filters=tree,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return _download(export)

    list_query = request.GET.copy()
    list_query.pop("page", None)
    context = {
        "nav": "people",
        "form": form,
        "query": query.strip(),
        "filters": filters,
        "filter_error": filter_error,
        "list_query": list_query.urlencode(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "people/export_form.html", context, status=status)


def _download(export: export_service.ExportFile) -> HttpResponseBase:
    response: HttpResponseBase
    if export.file is not None:
        response = FileResponse(
            export.file,
            as_attachment=True,
            filename=export.filename,
            content_type=export.content_type,
        )
    else:
        response = StreamingHttpResponse(
            export.stream or iter(()), content_type=export.content_type
        )
        disposition = content_disposition_header(as_attachment=True, filename=export.filename)
        if disposition:
            response["Content-Disposition"] = disposition
    # Personal data: no browser or proxy keeps a copy (no-store, private).
    add_never_cache_headers(response)
    return response
