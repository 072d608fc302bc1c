"""The alumni list and its invitations, mounted at /units/alumni/ (beside the unit pages)."""

from django.urls import path

from aktivist.mobilization import views_alumni

app_name = "alumni"

urlpatterns = [
    path("", views_alumni.alumni_list, name="list"),
    path("invite/", views_alumni.alumni_invite, name="invite"),
]
