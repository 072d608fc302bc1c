from django.apps import AppConfig


class MobilizationConfig(AppConfig):
    name = "aktivist.mobilization"
    label = "mobilization"
    verbose_name = "Mobilization"

    def ready(self) -> None:
        from aktivist.core import emails, tracking
        from aktivist.core.schedule import Job, register_job
        from aktivist.imports.optouts import register_address_suppressor
        from aktivist.mobilization import (
            panels,
            registries,
            segment_conditions,
            segment_forms,
            webhooks,
        )
        from aktivist.mobilization.recipients import blocking_reason
        from aktivist.mobilization.suppressions import record_refusal, suppress_many
        from aktivist.mobilization.tasks import sweep
        from aktivist.mobilization.tracking import record_response

        registries.register()
        panels.register()
        segment_conditions.register()
        segment_forms.register()
        webhooks.connect()
        # Transactional mail never goes to an address that bounced or complained (asked of
        # recipients.py, the one place that decides who may receive a message).
        emails.register_recipient_check(blocking_reason)
        emails.register_refusal_handler(record_refusal)
        # An import's opt-out columns suppress their addresses through the bulk path.
        register_address_suppressor(suppress_many)
        # A signature or sign-up through a personal link is attributed to its delivery.
        tracking.register_response_handler(record_response)
        register_job(Job(name="mobilization.sweep", period="minutely", task=sweep))
