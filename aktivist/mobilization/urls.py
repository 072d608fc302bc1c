from django.urls import path

from aktivist.mobilization import views

app_name = "mobilization"

urlpatterns = [
    path("", views.mobilization_list, name="list"),
    path("new/", views.mobilization_create, name="create"),
    path("<int:pk>/", views.mobilization_detail, name="detail"),
    path("<int:pk>/edit/", views.mobilization_edit, name="edit"),
    path("<int:pk>/progress/", views.mobilization_progress, name="progress"),
    path("<int:pk>/reach/", views.mobilization_reach, name="reach"),
    path("<int:pk>/conditions/", views.mobilization_conditions, name="conditions"),
    path("<int:pk>/send/", views.mobilization_send, name="send"),
    path("<int:pk>/approve/", views.mobilization_approve, name="approve"),
    path("<int:pk>/decline/", views.mobilization_decline, name="decline"),
    path("<int:pk>/pause/", views.mobilization_pause, name="pause"),
    path("<int:pk>/resume/", views.mobilization_resume, name="resume"),
    path("<int:pk>/cancel/", views.mobilization_cancel, name="cancel"),
    path("messages/", views.message_list, name="message_list"),
    path("messages/new/", views.message_create, name="message_create"),
    path("messages/preview/", views.message_preview, name="message_preview"),
    path("messages/<int:pk>/", views.message_edit, name="message_edit"),
    path("messages/<int:pk>/test/", views.message_test_send, name="message_test"),
    path("messages/<int:pk>/archive/", views.message_archive, name="message_archive"),
]
