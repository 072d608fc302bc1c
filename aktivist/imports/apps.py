from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "aktivist.imports"
    label = "imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        # Imported here: models and the modules that use them load once the apps are ready.
        from aktivist.core import retention_rules as rules
        from aktivist.core.registries import (
            nothing_to_merge,
            register_person_relation,
            register_personal_store,
            register_simple,
        )
        from aktivist.core.schedule import Job, register_job
        from aktivist.imports import merge as merge_rules
        from aktivist.imports import registries
        from aktivist.imports.models import (
            DuplicateCandidate,
            ImportBatch,
            ImportIssue,
            PersonMerge,
        )
        from aktivist.imports.tasks import (
            discard_abandoned_uploads,
            find_duplicates_task,
            refuse_unread_uploads,
        )

        # The duplicate finder runs nightly; staff review its pairs in the duplicate queue.
        register_job(
            Job(
                name="find_duplicates", period="daily", task=find_duplicates_task, not_before_hour=3
            )
        )
        # An upload whose reading task never ran is refused after a day, its file deleted.
        register_job(
            Job(name="imports.refuse_unread_uploads", period="hourly", task=refuse_unread_uploads)
        )
        # An upload left unstarted for IMPORT_ABANDONED_DAYS is discarded, its file deleted.
        register_job(
            Job(
                name="imports.discard_abandoned",
                period="daily",
                task=discard_abandoned_uploads,
                not_before_hour=2,
            )
        )

        # Membership values from an import by anyone but the secretariat wait for its review;
        # applying one sets them as the secretariat's own import would (imports/membership.py).
        from aktivist.imports.membership import apply_membership_hold
        from aktivist.people.models import ReviewItem
        from aktivist.people.services import register_review_applier

        register_review_applier(ReviewItem.Kind.IMPORT_MEMBERSHIP, apply_membership_hold)

        # A candidate pair names two people: merge re-points it (and drops a pair that would
        # become a person against itself); erasure deletes the person's candidate pairs.
        register_person_relation(
            DuplicateCandidate,
            merge=merge_rules.merge_candidates,
            export=merge_rules.export_candidates,
            erase=merge_rules.erase_candidates,
            retention=rules.PERSON_RECORD,
        )
        register_simple(
            PersonMerge,
            field="kept",
            export_columns=["dropped_person_id", "fields_from_dropped", "created_at"],
            retention=rules.PERSON_RECORD,
        )
        # What a batch keeps about people without pointing to them: the refused, held and
        # differing rows' cells, the kept copy of the file (imports/registries.py).
        register_personal_store(
            ImportIssue,
            fields=["data", "reason"],
            retention=rules.IMPORT_REFUSED_CELLS,
            merge=registries.merge_issues,
            export=registries.export_issues,
            erase=registries.erase_issues,
        )
        register_personal_store(
            ImportBatch,
            fields=["file", "dry_run"],
            retention=rules.IMPORT_FILES,
            merge=nothing_to_merge,
            export=registries.export_batches,
            erase=registries.erase_batches,
        )
