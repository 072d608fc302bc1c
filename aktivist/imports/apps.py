from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "aktivist.imports"
    label = "imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        from aktivist.core.registries import register_person_relation, register_simple
        from aktivist.core.schedule import Job, register_job
        from aktivist.imports import merge as merge_rules
        from aktivist.imports.models import DuplicateCandidate, PersonMerge
        from aktivist.imports.tasks import find_duplicates_task

        # The duplicate finder runs nightly; staff review its pairs in the duplicate queue.
        register_job(
            Job(
                name="find_duplicates", period="daily", task=find_duplicates_task, not_before_hour=3
            )
        )

        # A candidate pair names two people: merge re-points it (and drops a pair that would
        # become a person against itself); erasure deletes the person's candidate pairs.
        register_person_relation(
            DuplicateCandidate,
            merge=merge_rules.merge_candidates,
            export=merge_rules.export_candidates,
            erase=merge_rules.erase_candidates,
        )
        register_simple(
            PersonMerge,
            field="kept",
            export_columns=["dropped_person_id", "fields_from_dropped", "created_at"],
        )
