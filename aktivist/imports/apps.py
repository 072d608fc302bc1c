from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "aktivist.imports"
    label = "imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        from aktivist.core.registries import register_person_relation, register_simple
        from aktivist.imports import merge as merge_rules
        from aktivist.imports.models import DuplicateCandidate, PersonMerge

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
