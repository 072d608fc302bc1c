"""The privacy pages, mounted at /privacy/ (namespace "privacy")."""

from django.urls import path  # noqa: F401 - the views add their paths

app_name = "privacy"

urlpatterns: list = []
