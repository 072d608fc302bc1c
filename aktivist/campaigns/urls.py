from django.urls import path

from aktivist.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("priorities/", views.priority_list, name="priorities"),
    path("priorities/<int:pk>/edit/", views.priority_edit, name="priority_edit"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/propose/", views.campaign_propose, name="propose"),
    path("<int:pk>/elevate/", views.campaign_elevate, name="elevate"),
    path("<int:pk>/decline/", views.campaign_decline, name="decline"),
    path("<int:pk>/actions/new/", views.action_create, name="action_create"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("actions/<int:pk>/close/", views.action_close, name="action_close"),
    path("actions/<int:pk>/publish/", views.action_publish, name="action_publish"),
    path("actions/<int:pk>/live/", views.action_live, name="action_live"),
    path("actions/<int:pk>/stats/", views.action_stats, name="action_stats"),
    path(
        "actions/<int:pk>/participants.csv",
        views.participants_export,
        name="participants_export",
    ),
]
