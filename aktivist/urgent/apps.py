from django.apps import AppConfig


class UrgentConfig(AppConfig):
    name = "aktivist.urgent"
    label = "urgent"
    verbose_name = "Urgent actions"
