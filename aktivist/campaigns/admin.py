"""Configuration for secretariat admins: the action plan's priorities and the channels that
sign through the JSON endpoint. A channel's API key is shown once — on the page right after
it was made or rotated — and never stored in plain text (not even in a message cookie)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktivist.accounts.admin import AdminOnlyMixin
from aktivist.accounts.capabilities import Capability, can
from aktivist.campaigns.channels import (
    channel_create,
    channel_deactivate,
    channel_rotate_key,
    channel_update,
)
from aktivist.campaigns.models import Channel, Priority

NEW_KEYS = "_aktivist_new_channel_keys"  # request attribute: keys made during this request


class ConfigAdmin(AdminOnlyMixin, admin.ModelAdmin):
    """Admins may add and change configuration rows; deleting stays off (history points at
    them)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Capability.SETTINGS_ADMIN)


@admin.register(Priority)
class PriorityAdmin(ConfigAdmin):
    list_display = ["name", "year"]
    list_filter = ["year"]
    search_fields = ["name"]
    fields = ["name", "year", "description"]


def _show_keys(request: HttpRequest, keys: list[tuple[Channel, str]]) -> TemplateResponse:
    response = TemplateResponse(
        request,
        "admin/campaigns/channel/api_key.html",
        {
            **admin.site.each_context(request),
            "title": _("API key"),
            "keys": keys,
            "opts": Channel._meta,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@admin.register(Channel)
class ChannelAdmin(ConfigAdmin):
    list_display = ["name", "key_prefix", "rate_limit_per_minute", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "key_prefix"]
    fields = ["name", "key_prefix", "rate_limit_per_minute", "allowed_origins", "is_active"]
    readonly_fields = ["key_prefix"]
    actions = ["rotate_keys", "deactivate"]

    def save_model(self, request: HttpRequest, obj: Channel, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            channel_update(
                actor=request.user,
                channel=obj,
                name=data["name"],
                rate_limit_per_minute=data["rate_limit_per_minute"],
                allowed_origins=data["allowed_origins"],
                is_active=data["is_active"],
            )
            return
        channel, key = channel_create(
            actor=request.user,
            name=data["name"],
            rate_limit_per_minute=data["rate_limit_per_minute"],
            allowed_origins=data["allowed_origins"],
        )
        if not data["is_active"]:
            channel_deactivate(actor=request.user, channel=channel)
        obj.pk = channel.pk
        obj.key_prefix = channel.key_prefix
        setattr(request, NEW_KEYS, [(channel, key)])

    def response_add(
        self, request: HttpRequest, obj: Channel, post_url_continue: Any = None
    ) -> Any:
        keys = getattr(request, NEW_KEYS, None)
        if keys:
            return _show_keys(request, keys)
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=gettext_lazy("Rotate the API key (the old key stops working)"))
    def rotate_keys(self, request: HttpRequest, queryset: QuerySet[Channel]) -> HttpResponse:
        keys = [
            (channel, channel_rotate_key(actor=request.user, channel=channel))
            for channel in queryset.order_by("name")
        ]
        return _show_keys(request, keys)

    @admin.action(description=gettext_lazy("Deactivate (the key stops working)"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
        for channel in queryset:
            channel_deactivate(actor=request.user, channel=channel)
        self.message_user(request, _("The channels were deactivated."))
