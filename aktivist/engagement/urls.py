from django.urls import path

from aktivist.engagement import views

app_name = "engagement"

urlpatterns = [
    path("", views.report, name="report"),
]
