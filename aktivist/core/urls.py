from django.urls import path

from aktivist.core import views

app_name = "core"

urlpatterns = [
    path("", views.start, name="start"),
]
