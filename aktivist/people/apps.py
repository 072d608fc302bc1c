from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "aktivist.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from aktivist.core.registries import null_out, register_simple
        from aktivist.people import merge_rules
        from aktivist.people.models import Consent, Interaction, ReviewItem, Tagging

        register_simple(
            Tagging,
            field="person",
            export_columns=["tag__name", "created_at"],
            merge=merge_rules.merge_taggings,
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
        )
        register_simple(
            Interaction,
            field="person",
            export_columns=["kind", "occurred_at", "text", "outcome", "follow_up_due"],
        )
        register_simple(
            ReviewItem,
            field="matched_person",
            export_columns=["kind", "status", "created_at"],
            erase=null_out(ReviewItem, "matched_person"),
        )
        from aktivist.people import jobs, segment_conditions, segment_forms

        segment_conditions.register()
        segment_forms.register()
        jobs.register()
