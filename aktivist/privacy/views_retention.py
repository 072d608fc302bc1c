"""The retention page (/privacy/retention/): every rule of ``rules.py`` with its days, whether
it runs nightly, what it does, and a preview of what it would remove now. Admins change the
rules (audited); the secretariat's staff and the data-protection officer see them. The
preview names the first people a people rule would anonymise to the secretariat only (they
see people anyway; the names shown are recorded as a read); the officer sees counts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aktivist.accounts.capabilities import Capability, can
from aktivist.accounts.decorators import requires
from aktivist.core import reads
from aktivist.core.exceptions import ApplicationError
from aktivist.core.retention_rules import PEOPLE_RULES, RULES
from aktivist.privacy import retention, retention_stores

NAV = "privacy_retention"


class RuleForm(forms.Form):
    days = forms.IntegerField(label=gettext_lazy("Days"), min_value=1, max_value=retention.MAX_DAYS)
    enabled = forms.BooleanField(label=gettext_lazy("Apply nightly"), required=False)
    confirm = forms.BooleanField(
        label=gettext_lazy("I have looked at the preview: anonymise these people."),
        required=False,
    )


def _record_preview_read(viewer: Any, person_ids: list[int]) -> None:
    """The names in the preview are a list read of personal data."""
    reads.record_reads(
        actor=viewer,
        verb=reads.PEOPLE_LIST,
        person_ids=person_ids,
        details={"page": "privacy.retention_preview"},
    )


def _page(request: HttpRequest, errors: dict[str, RuleForm] | None = None) -> HttpResponse:
    previews = retention.preview_all(request.user)
    _record_preview_read(request.user, retention.preview_names_shown(previews))
    may_change = can(request.user, Capability.SETTINGS_ADMIN)
    rows = []
    for preview in previews:
        form = (errors or {}).get(preview.key) or RuleForm(
            initial={"days": preview.rule.days, "enabled": preview.rule.enabled},
            prefix=preview.key,
        )
        if preview.key not in PEOPLE_RULES or preview.rule.enabled:
            form.fields.pop("confirm", None)
        rows.append((preview, form))
    context = {"nav": NAV, "rows": rows, "may_change": may_change}
    return render(request, "privacy/retention/rules.html", context, status=400 if errors else 200)


@requires(Capability.PRIVACY_RETENTION)
def retention_rules(request: HttpRequest) -> HttpResponse:
    return _page(request)


@requires(Capability.PRIVACY_RETENTION)
@require_POST
def retention_rule_update(request: HttpRequest, key: str) -> HttpResponse:
    if not can(request.user, Capability.SETTINGS_ADMIN) or key not in retention_stores.STORES:
        raise Http404
    form = RuleForm(request.POST, prefix=key)
    if form.is_valid():
        try:
            retention.rule_update(
                actor=request.user,
                key=key,
                days=form.cleaned_data["days"],
                enabled=form.cleaned_data["enabled"],
                confirmed=form.cleaned_data["confirm"],
            )
        except ValidationError as exc:
            for text in exc.messages:
                form.add_error("days", text)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("The rule “%(rule)s” is saved.") % {"rule": RULES[key].label}
            )
            return redirect(reverse("privacy:retention") + f"#rule-{key}")
    return _page(request, errors={key: form})
