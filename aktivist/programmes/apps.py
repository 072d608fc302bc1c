from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "aktivist.programmes"
    label = "programmes"
    verbose_name = "Programmes"
