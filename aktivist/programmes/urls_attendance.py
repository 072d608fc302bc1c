"""The check-in list, the attendance upload and completions recorded by hand, mounted at
/programmes/ (namespace "attendance")."""

from django.urls import path

from aktivist.programmes import views_attendance as views

app_name = "attendance"

urlpatterns = [
    path("events/<int:pk>/checkin/", views.checkin, name="checkin"),
    path(
        "events/<int:pk>/checkin/<int:registration_pk>/",
        views.checkin_toggle,
        name="toggle",
    ),
    path("events/<int:pk>/checkin/walk-in/", views.checkin_walk_in, name="walk_in"),
    path("events/<int:pk>/checkin/no-shows/", views.checkin_no_show, name="no_show"),
    path("events/<int:pk>/attendance/upload/", views.attendance_upload_view, name="upload"),
    path(
        "events/<int:pk>/attendance/upload/<int:upload_pk>/",
        views.attendance_upload_result,
        name="upload_result",
    ),
    path("people/<int:pk>/completions/", views.completion_record, name="completion_record"),
    path("completions/<int:pk>/undo/", views.completion_undo, name="completion_undo"),
]
