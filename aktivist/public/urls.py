from django.urls import path

from aktivist.public import api, views

app_name = "public"

urlpatterns = [
    path("a/<slug:slug>/", views.action_page, name="action"),
    path("a/<slug:slug>/embed/", views.action_embed, name="action_embed"),
    path("a/<slug:slug>/embed/thanks/", views.action_embed_thanks, name="action_embed_thanks"),
    path("a/<slug:slug>/thanks/", views.action_thanks, name="action_thanks"),
    path("a/<slug:slug>/count/", views.action_count, name="action_count"),
    path("confirm/<str:token>/", views.confirm_email, name="confirm_email"),
    path("privacy/", views.privacy_notice, name="privacy"),
    # The channels' JSON signing endpoint (aktivist/public/api.py).
    path("api/v1/actions/<slug:slug>/signatures", api.sign_action, name="api_sign"),
    path("api/v1/actions/<slug:slug>/signatures", api.sign_action, name="api_sign"),
]
