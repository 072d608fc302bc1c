from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "aktivist.demo"
    label = "demo"
    verbose_name = "Demo data"
