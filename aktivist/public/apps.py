from django.apps import AppConfig


class PublicConfig(AppConfig):
    """Pages with no login: action pages, consent confirmation, the channels' JSON endpoint."""

    name = "aktivist.public"
    label = "public"
    verbose_name = "Public pages"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is loaded before the app registry is ready.
        from aktivist.core.next_steps import register_next_step_provider
        from aktivist.public.views import other_actions_of_campaign

        register_next_step_provider(other_actions_of_campaign)
