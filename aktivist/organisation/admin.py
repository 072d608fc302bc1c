"""Configuration of the organisation for secretariat admins: units and the postcode prefixes
they cover, role types. Memberships and roles are changed on the staff pages (audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from aktivist.accounts.admin import AdminOnlyMixin
from aktivist.organisation.models import PostcodePrefix, RoleType, Unit
from aktivist.organisation.tasks import recompute_home_units


class ConfigAdmin(AdminOnlyMixin, admin.ModelAdmin):
    """Admins may add configuration rows; deleting stays off (deactivate instead)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_module_permission(request)


class PostcodePrefixInline(AdminOnlyMixin, admin.TabularInline):
    model = PostcodePrefix
    extra = 1

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_module_permission(request)


@admin.register(Unit)
class UnitAdmin(ConfigAdmin):
    list_display = ["indented_name", "kind", "municipality", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "municipality", "postcode_prefixes__prefix"]
    fields = [
        "name",
        "kind",
        "parent",
        "municipality",
        "email",
        "school_name",
        "contact",
        "is_active",
    ]
    # People are never edited here: a school group's contact is chosen on the unit page,
    # within the staff member's scope (and audited).
    readonly_fields = ["contact"]
    autocomplete_fields = ["parent"]
    inlines = [PostcodePrefixInline]
    ordering = ["path"]

    @admin.display(description="name", ordering="path")
    def indented_name(self, obj: Unit) -> str:
        return "— " * obj.depth + obj.name

    @admin.display(description="contact person")
    def contact(self, obj: Unit) -> str:
        if obj.contact_person_id is None:
            return "–"
        return f"{obj.contact_person} (set on the unit page)"

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if any(fs.has_changed() for fs in formsets):
            # Home units follow the prefixes: recomputed outside the request.
            transaction.on_commit(recompute_home_units.enqueue)


@admin.register(RoleType)
class RoleTypeAdmin(ConfigAdmin):
    list_display = ["name", "name_en", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "name_en"]
    prepopulated_fields = {"slug": ["name_en"]}
