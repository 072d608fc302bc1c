from django.urls import path

from aktivist.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.start, name="start"),
    # Outside production only (404 with AKTIVIST_PRODUCTION=true): admins read what was sent.
    path("sent-messages/", views.sent_messages, name="sent_messages"),
]
