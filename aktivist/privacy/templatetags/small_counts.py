"""``{{ value|count }}``: a figure of a report as the page shows it. A hidden count
(``aktivist.lib.figures.HiddenCount``: "<5", or "×" for one hidden so that a small one
cannot be worked out) gets its words for screen readers; any other value is left as it is,
or with ``|count:"g"`` written with thousands separators (``floatformat:"0g"``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.utils.safestring import mark_safe

from aktivist.lib.figures import HiddenCount

register = template.Library()


@register.filter
def count(value: Any, grouping: str = "") -> Any:
    if isinstance(value, HiddenCount):
        return mark_safe(value.__html__())  # noqa: S308 - format_html built it
    if grouping == "g" and isinstance(value, int):
        return floatformat(value, "0g")
    return value
