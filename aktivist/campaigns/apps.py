from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "aktivist.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is loaded before the app registry is ready.
        from aktivist.campaigns import panels, registries, segment_conditions, segment_forms
        from aktivist.campaigns.tasks import purge_idempotency_keys, send_letters
        from aktivist.core.schedule import Job, register_job

        registries.register()
        segment_conditions.register()
        segment_forms.register()
        panels.register()
        # Letters go to their targets once a day, in office hours.
        register_job(
            Job(name="campaigns.send_letters", period="daily", task=send_letters, not_before_hour=7)
        )
        register_job(
            Job(
                name="campaigns.purge_idempotency_keys", period="daily", task=purge_idempotency_keys
            )
        )
