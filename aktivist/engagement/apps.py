from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "aktivist.engagement"
    label = "engagement"
    verbose_name = "Engagement"
