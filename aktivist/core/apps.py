from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "aktivist.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Imported here: these modules import models, loaded only by now.
        from aktivist.core import checks  # noqa: F401 - registers the start-up checks
        from aktivist.core.schedule import Job, register_job
        from aktivist.core.tasks import purge_scheduled_runs
        from aktivist.lib import lookups

        lookups.register()
        register_job(
            Job(name="core.purge_scheduled_runs", period="daily", task=purge_scheduled_runs)
        )
