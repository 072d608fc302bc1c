"""Programmes and events in the admin: read-only lists for secretariat admins. Every change
goes through the staff pages (/programmes/), whose services validate, keep seats and the
waiting list consistent, tell registrants and write the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aktivist.accounts.admin import AdminOnlyMixin
from aktivist.programmes.models import Event, Programme


class ReadOnlyAdmin(AdminOnlyMixin, admin.ModelAdmin):
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Programme)
class ProgrammeAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "counts_as_training", "events_to_complete", "is_active"]
    list_filter = ["kind", "counts_as_training", "is_active"]
    search_fields = ["name"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["title", "starts_at", "unit", "programme", "capacity", "cancelled_at"]
    list_filter = ["for_young_people", "is_published", "language"]
    search_fields = ["title", "slug"]
    date_hierarchy = "starts_at"
    list_select_related = ["unit", "programme"]
