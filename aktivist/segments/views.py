"""Staff pages on saved segments: the list, and the builder with its live count and
sample. Every count is evaluated in the viewer's scope; a segment outside it is a 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import requires
from aktivist.core import reads
from aktivist.core.condition_forms import condition_choices
from aktivist.core.conditions import SegmentError
from aktivist.core.exceptions import ApplicationError
from aktivist.core.forms import add_errors
from aktivist.people.filters import PeopleFilterForm
from aktivist.people.models import Person
from aktivist.people.selectors import filter_people, people_visible_to
from aktivist.segments import builder, services
from aktivist.segments.models import Segment
from aktivist.segments.selectors import access_segment, segments_visible_to

SAMPLE_SIZE = 10
LIST_LIMIT = 300


class SegmentForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Who they are and what the segment is for (only staff see this)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


@requires(Capability.PEOPLE_VIEW)
def segment_list(request: HttpRequest) -> HttpResponse:
    segments = segments_visible_to(request.user).order_by("name")[:LIST_LIMIT]
    return render(request, "segments/segment_list.html", {"nav": "segments", "segments": segments})


def _builder_context(
    request: HttpRequest, root: builder.Node, *, segment: Segment | None, form: SegmentForm
) -> dict[str, Any]:
    return {
        "nav": "segments",
        "segment": segment,
        "form": form,
        "root": root,
        "condition_choices": condition_choices(),
        "builder_url": reverse("segments:builder"),
        "count_url": reverse("segments:count"),
    }


def _edit(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    """New and edit share one page: builder buttons re-render it (htmx swaps only the
    builder), Save validates the whole tree and calls the service."""
    if request.method != "POST":
        tree = segment.tree if segment else _tree_from_people_filters(request)
        root = builder.from_tree(tree)
        if not root.children:
            root.children.append(builder.Node(kind="condition"))
        builder.renumber(root)
        builder.bind_forms(root, request.user, validate=False)
        initial = {"name": segment.name, "description": segment.description} if segment else {}
        form = SegmentForm(initial=initial)
        return render(
            request,
            "segments/segment_form.html",
            _builder_context(request, root, segment=segment, form=form),
        )
    root = builder.from_post(request.POST)
    op = request.POST.get("op", "")
    form = SegmentForm(request.POST)
    if op:
        builder.apply(root, op)
        builder.renumber(root)
        builder.bind_forms(root, request.user, validate=False)
        context = _builder_context(request, root, segment=segment, form=SegmentForm(request.POST))
        return render(request, "segments/segment_form.html", context)
    builder.renumber(root)
    builder.bind_forms(root, request.user, validate=True)
    built = builder.to_tree(root)
    problems = list(built.errors)
    if built.tree is None and not problems:
        problems.append(_("Add at least one condition."))
    if form.is_valid() and not problems:
        try:
            if segment is None:
                segment = services.segment_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    tree=built.tree,
                )
            else:
                services.segment_update(
                    actor=request.user,
                    segment=segment,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    tree=built.tree,
                )
        except (ValidationError, ApplicationError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The segment is saved."))
            return redirect("segments:detail", pk=segment.pk)
    for problem in problems:
        form.add_error(None, problem)
    context = _builder_context(request, root, segment=segment, form=form)
    return render(request, "segments/segment_form.html", context, status=400)


def _tree_from_people_filters(request: HttpRequest) -> dict[str, Any]:
    """A new segment may start from the people list's filters ("Save the filters as a
    segment"): the same parameters, the same tree."""
    if not request.GET:
        return {}
    form = PeopleFilterForm(request.GET, viewer=request.user)
    if not form.is_valid():
        return {}
    return form.to_tree() or {}


@requires(Capability.PEOPLE_VIEW)
def segment_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@requires(Capability.PEOPLE_VIEW)
def segment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, access_segment(request.user, pk))


@requires(Capability.PEOPLE_VIEW)
@require_POST
def segment_builder(request: HttpRequest) -> HttpResponse:
    """The builder alone, after one of its buttons (htmx): the count follows."""
    root = builder.from_post(request.POST)
    op = request.POST.get("op", "")
    if op:
        builder.apply(root, op)
    builder.renumber(root)
    builder.bind_forms(root, request.user, validate=False)
    context = _builder_context(request, root, segment=None, form=SegmentForm())
    response = render(request, "segments/_builder.html", context)
    response["HX-Trigger-After-Swap"] = "segmentChanged"
    return response


def _count_context(viewer: Any, tree: dict[str, Any] | None) -> dict[str, Any]:
    people: QuerySet[Person] = filter_people(viewer, tree) if tree else people_visible_to(viewer)
    sample = sorted(
        people.select_related("home_unit").order_by()[:SAMPLE_SIZE],
        key=lambda p: (p.last_name_key, p.first_name_key),
    )
    return {"count": people.count(), "sample": sample}


@requires(Capability.PEOPLE_VIEW)
@require_POST
def segment_count(request: HttpRequest) -> HttpResponse:
    """The live count and a sample of the tree the builder holds, in the viewer's scope."""
    root = builder.from_post(request.POST)
    builder.renumber(root)
    builder.bind_forms(root, request.user, validate=True)
    built = builder.to_tree(root)
    context: dict[str, Any] = {"errors": built.errors, "incomplete": built.incomplete}
    if not built.errors:
        try:
            context.update(_count_context(request.user, built.tree))
        except SegmentError as exc:
            context["errors"] = [exc.message]
    context["everyone"] = built.tree is None
    reads.record_shown(context.get("sample", []), actor=request.user, verb=reads.SEGMENT_PREVIEW)
    return render(request, "segments/_count.html", context)


@requires(Capability.PEOPLE_VIEW)
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    segment = access_segment(request.user, pk)
    context: dict[str, Any] = {
        "nav": "segments",
        "segment": segment,
        "conditions": [
            (builder.describe_leaf(leaf, request.user), negated)
            for leaf, negated in builder.leaves(segment.tree)
        ],
        "errors": [],
        "incomplete": False,
        "everyone": False,
    }
    try:
        context.update(_count_context(request.user, segment.tree))
    except SegmentError as exc:
        context["errors"] = [exc.message]
    reads.record_shown(
        context.get("sample", []),
        actor=request.user,
        verb=reads.SEGMENT_PREVIEW,
        details={"segment": segment.pk},
    )
    return render(request, "segments/segment_detail.html", context)


@requires(Capability.PEOPLE_VIEW)
@require_POST
def segment_archive(request: HttpRequest, pk: int) -> HttpResponse:
    segment = access_segment(request.user, pk)
    services.segment_archive(actor=request.user, segment=segment)
    messages.success(request, _("The segment “%(name)s” is archived.") % {"name": segment.name})
    return redirect("segments:list")
