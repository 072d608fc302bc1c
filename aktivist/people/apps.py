from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "aktivist.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is loaded before the app registry is ready.
        from aktivist.core import retention_rules as rules
        from aktivist.core.registries import register_simple
        from aktivist.people import merge_rules, registries
        from aktivist.people.models import Consent, Interaction, ReviewItem, Tagging

        # Erasure deletes taggings, consents and interactions; see people/registries.py.
        register_simple(
            Tagging,
            field="person",
            export_columns=["tag__name", "created_at"],
            merge=merge_rules.merge_taggings,
            retention=rules.PERSON_RECORD,
        )
        register_simple(
            Consent,
            field="person",
            export_columns=[
                "channel",
                "purpose",
                "status",
                "confirmed_at",
                "withdrawn_at",
                "wording_version",
                "source",
            ],
            merge=merge_rules.merge_consents,
            erase=registries.erase_consents,
            fields=["source", "pending_mobile"],
            retention=rules.PERSON_RECORD,
        )
        register_simple(
            Interaction,
            field="person",
            export_columns=["kind", "occurred_at", "text", "outcome", "follow_up_due"],
            fields=["text", "outcome"],
            retention=rules.PERSON_RECORD,
        )
        register_simple(
            ReviewItem,
            field="matched_person",
            export_columns=["kind", "status", "created_at"],
            erase=registries.erase_review_items,
            fields=["payload"],
            retention=rules.REVIEW_PAYLOADS,
        )
        # Imported here, not at the top: apps.py is loaded before the app registry is ready.
        from aktivist.people import jobs, segment_conditions, segment_forms

        segment_conditions.register()
        segment_forms.register()
        jobs.register()
