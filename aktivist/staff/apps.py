from django.apps import AppConfig


class StaffConfig(AppConfig):
    """Staff pages that draw on many apps: the start page (the follow-ups panel, recent
    activity) and, outside production, the admins' sent-messages page."""

    name = "aktivist.staff"
    label = "staff"
    verbose_name = "Staff pages"
