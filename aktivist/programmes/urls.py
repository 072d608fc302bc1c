"""Staff pages of programmes and events, mounted at /programmes/ (namespace "programmes")."""

from django.urls import path

from aktivist.programmes import views, views_registrants

app_name = "programmes"

urlpatterns = [
    path("", views.programme_list, name="programme_list"),
    path("new/", views.programme_create, name="programme_create"),
    path("<int:pk>/", views.programme_detail, name="programme_detail"),
    path("<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("events/", views.event_list, name="event_list"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/cancel/", views.event_cancel, name="event_cancel"),
    path("events/<int:pk>/add/", views.registration_add, name="registration_add"),
    path("events/<int:pk>/message/", views_registrants.event_message, name="event_message"),
    path(
        "events/<int:pk>/registrations.csv",
        views_registrants.registrations_csv,
        name="registrations_csv",
    ),
    path(
        "events/<int:pk>/registrations/<int:registration_pk>/cancel/",
        views.registration_cancel,
        name="registration_cancel",
    ),
    path(
        "events/<int:pk>/registrations/<int:registration_pk>/seat/",
        views.registration_give_seat,
        name="registration_give_seat",
    ),
]
