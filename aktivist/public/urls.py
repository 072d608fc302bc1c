from django.urls import path

from aktivist.public import api, views, views_events, views_mail

app_name = "public"

urlpatterns = [
    path("a/<slug:slug>/", views.action_page, name="action"),
    path("a/<slug:slug>/embed/", views.action_embed, name="action_embed"),
    path("a/<slug:slug>/embed/thanks/", views.action_embed_thanks, name="action_embed_thanks"),
    path("a/<slug:slug>/thanks/", views.action_thanks, name="action_thanks"),
    path("a/<slug:slug>/count/", views.action_count, name="action_count"),
    path("confirm/<str:token>/", views.confirm_email, name="confirm_email"),
    path("privacy/", views.privacy_notice, name="privacy"),
    # Events (aktivist/public/views_events.py).
    path("e/<slug:slug>/", views_events.event_page, name="event"),
    path("e/<slug:slug>/thanks/", views_events.event_thanks, name="event_thanks"),
    path("e/<slug:slug>/calendar.ics", views_events.event_ics, name="event_ics"),
    path("e/<slug:slug>/cancel/<str:token>/", views_events.event_cancel, name="event_cancel"),
    path("events/", views_events.calendar_page, name="calendar"),
    # Links in bulk email (aktivist/public/views_mail.py).
    path("r/<str:token>/", views_mail.personal_link, name="personal_link"),
    path(
        "r/<str:token>/event/",
        views_mail.personal_link,
        {"target": "event"},
        name="personal_link_event",
    ),
    path("u/<str:token>/", views_mail.unsubscribe, name="unsubscribe"),
    path("p/<str:token>/", views_mail.preference_centre, name="preferences"),
    # A fresh preference-centre link by email (expired links lead here).
    path("p/", views_mail.preference_link, name="preferences_request"),
    # The channels' JSON signing endpoint (aktivist/public/api.py).
    path("api/v1/actions/<slug:slug>/signatures", api.sign_action, name="api_sign"),
]
