from django.apps import AppConfig


class PublicConfig(AppConfig):
    """Pages with no login: action pages, consent confirmation, the channels' JSON endpoint."""

    name = "aktivist.public"
    label = "public"
    verbose_name = "Public pages"
