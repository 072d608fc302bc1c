from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "aktivist.programmes"
    label = "programmes"
    verbose_name = "Programmes"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is loaded before the app registry is ready.
        from aktivist.programmes import (
            jobs,
            next_steps,
            panels,
            registries,
            reviews,
            segment_conditions,
            segment_forms,
        )

        # Each module registers one kind of thing into the base's registries.
        for module in (
            registries,
            reviews,
            segment_conditions,
            segment_forms,
            panels,
            jobs,
            next_steps,
        ):
            module.register()
