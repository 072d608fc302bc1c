from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "aktivist.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from aktivist.lib import lookups

        lookups.register()
