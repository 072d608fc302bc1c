"""The report's choice of two snapshot months."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


def _key(month: dt.date) -> str:
    return f"{month:%Y-%m}"


class MovementForm(forms.Form):
    """Compare two months that have a snapshot (``YYYY-MM``); defaults to the latest two."""

    earlier = forms.ChoiceField(label=_("From month"))
    later = forms.ChoiceField(label=_("To month"))

    def __init__(self, data: Any, *, months: list[dt.date]) -> None:
        self.months = {_key(m): m for m in months}
        initial = {}
        if len(months) >= 2:
            initial = {"earlier": _key(months[1]), "later": _key(months[0])}
        if not data or not {"earlier", "later"} & set(data):
            data = initial
        super().__init__(data, initial=initial)
        choices = [(_key(m), date_format(m, "YEAR_MONTH_FORMAT")) for m in months]
        for name in ("earlier", "later"):
            cast(forms.ChoiceField, self.fields[name]).choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        earlier, later = data.get("earlier"), data.get("later")
        if earlier and later and earlier >= later:
            raise forms.ValidationError(_("Choose an earlier month first, then a later one."))
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        return self.months[self.cleaned_data["earlier"]], self.months[self.cleaned_data["later"]]
