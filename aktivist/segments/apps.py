from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "aktivist.segments"
    label = "segments"
    verbose_name = "Segments"
