"""Django admin registrations: configuration for secretariat admins who passed two-factor
(the site itself checks that, see ``admin_site.py``). Access changes go through the staff
pages, which audit them, so access fields are read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from aktivist.accounts.capabilities import Capability, can
from aktivist.accounts.models import AccessScope, User


class AdminOnlyMixin:
    """Permissions follow the access role, not Django's per-model permissions."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Capability.SETTINGS_ADMIN)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Capability.SETTINGS_ADMIN)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Capability.SETTINGS_ADMIN)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are invited, scopes granted, on the staff pages

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the audit trail points at accounts


class AccessScopeInline(AdminOnlyMixin, admin.TabularInline):
    model = AccessScope
    fk_name = "user"
    extra = 0
    fields = ["unit", "role", "ends_with_role", "created_at"]
    readonly_fields = ["unit", "role", "ends_with_role", "created_at"]
    can_delete = False


@admin.register(User)
class UserAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["email", "name", "access_role", "is_active", "last_login"]
    list_filter = ["access_role", "is_active"]
    search_fields = ["email", "name"]
    ordering = ["email"]
    fields = [
        "email",
        "name",
        "language",
        "access_role",
        "person",
        "is_active",
        "is_staff",
        "is_superuser",
        "invited_by",
        "date_joined",
        "last_login",
    ]
    readonly_fields = [
        "email",
        "access_role",
        "person",
        "is_active",
        "is_staff",
        "is_superuser",
        "invited_by",
        "date_joined",
        "last_login",
    ]
    inlines = [AccessScopeInline]


@admin.register(AccessScope)
class AccessScopeAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "unit", "role", "ends_with_role", "created_at"]
    list_filter = ["ends_with_role"]
    search_fields = ["user__email", "user__name", "unit__name"]
    list_select_related = ["user", "unit", "role__role_type", "role__unit", "role__person"]
    readonly_fields = ["user", "unit", "role", "ends_with_role", "created_at", "updated_at"]


# --- Two-factor devices: seen, never their secrets -------------------------------------
# django-otp's own admins show a TOTP key, its QR code and every recovery code to whoever
# may change devices. Ours list which accounts have which device and when it was last used;
# resets go through the staff pages, which audit them and tell the account.


# Never the key, the QR code or the tokens.
DEVICE_FIELDS = ("user", "name", "confirmed", "created_at", "last_used_at")


class DeviceAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__email", "user__name"]
    list_select_related = ["user"]
    fields = DEVICE_FIELDS
    readonly_fields = DEVICE_FIELDS

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, DeviceAdmin)
