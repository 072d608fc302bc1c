from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "aktivist.organisation"
    label = "organisation"
    verbose_name = "Organisation"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py is loaded before the app registry is ready.
        from aktivist.core import retention_rules as rules
        from aktivist.core.registries import null_out, register_simple
        from aktivist.core.schedule import Job, register_job
        from aktivist.organisation import registries, scoping
        from aktivist.organisation.models import Role, Unit, UnitMembership
        from aktivist.organisation.tasks import end_access_of_ended_roles
        from aktivist.people.scoping import register_scope_provider

        register_job(
            Job(
                name="end_access_of_ended_roles",
                period="daily",
                task=end_access_of_ended_roles,
                not_before_hour=2,
            )
        )
        register_scope_provider(scoping.home_unit_provider)
        register_scope_provider(scoping.membership_and_role_provider)
        # Erasure deletes memberships and ends roles (organisation/registries.py).
        register_simple(
            UnitMembership,
            field="person",
            export_columns=["unit__name", "started_on", "ended_on"],
            merge=registries.merge_memberships,
            retention=rules.PERSON_RECORD,
        )
        register_simple(
            Role,
            field="person",
            export_columns=["role_type__name", "unit__name", "started_on", "ended_on"],
            merge=registries.merge_roles,
            erase=registries.erase_roles,
            retention=rules.PERSON_RECORD,
        )
        # The units a person is the contact for (a teacher at a school group …): a merge
        # moves them, the export lists them, erasure leaves the unit without a contact.
        register_simple(
            Unit,
            field="contact_person",
            export_columns=["name", "kind", "school_name"],
            erase=null_out(Unit, "contact_person"),
            export_section="organisation.unit.contact_person",
            fields=["contact_person"],
            retention=rules.PERSON_RECORD,
        )
        # Imported here, not at the top: apps.py is loaded before the app registry is ready.
        from aktivist.organisation import segment_conditions, segment_forms

        segment_conditions.register()
        segment_forms.register()
