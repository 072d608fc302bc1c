"""Free public addresses (slugs) for pages such as /a/<slug>/ and /e/<slug>/."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.text import slugify

SLUG_BASE_MAX = 70  # room for a "-12" suffix within a SlugField(max_length=80)


def free_slug(
    text: str, queryset: QuerySet[Any], *, fallback: str, exclude_pk: int | None = None
) -> str:
    """A slug from a title that no row of ``queryset`` has: "Frige Ahmed!" → "frige-ahmed",
    then "frige-ahmed-2", "-3" … when taken (one query)."""
    base = slugify(text)[:SLUG_BASE_MAX].strip("-_") or fallback
    taken_qs = queryset.filter(slug__startswith=base)
    if exclude_pk is not None:
        taken_qs = taken_qs.exclude(pk=exclude_pk)
    taken = set(taken_qs.values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"
