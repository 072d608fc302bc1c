from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "aktivist.privacy"
    label = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        # Imported here: these modules import other apps' models, loaded only by now.
        from aktivist.privacy import jobs, panels, registries

        for module in (registries, panels, jobs):
            module.register()
