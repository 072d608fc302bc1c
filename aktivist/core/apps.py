from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "aktivist.core"
    label = "core"
    verbose_name = "Core"
