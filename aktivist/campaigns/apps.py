from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "aktivist.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        from aktivist.campaigns import registries

        registries.register()
