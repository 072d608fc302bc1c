from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "aktivist.engagement"
    label = "engagement"
    verbose_name = "Engagement"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is loaded before the app registry is ready.
        from aktivist.core.schedule import Job, register_job
        from aktivist.engagement import (
            panels,
            registries,
            segment_conditions,
            segment_forms,
            signals,
        )
        from aktivist.engagement.tasks import monthly_snapshot, recompute_everyone

        registries.register()
        segment_conditions.register()
        segment_forms.register()
        panels.register()
        signals.connect()
        # Everyone's level from the facts, at night; the monthly snapshot recomputes first
        # itself, so the two jobs may run in any order.
        register_job(
            Job(
                name="engagement.recompute",
                period="daily",
                task=recompute_everyone,
                not_before_hour=2,
            )
        )
        register_job(
            Job(
                name="engagement.snapshot",
                period="monthly",
                task=monthly_snapshot,
                not_before_hour=3,
            )
        )
