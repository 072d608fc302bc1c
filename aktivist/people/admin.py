"""Configuration for secretariat admins: the tags staff choose from. People themselves are
edited on the staff pages, scoped and audited — never here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aktivist.accounts.admin import AdminOnlyMixin
from aktivist.people.models import Tag


@admin.register(Tag)
class TagAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "description", "created_at"]
    search_fields = ["name"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_module_permission(request)
