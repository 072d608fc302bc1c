from django.urls import path

from aktivist.people import views, views_export, views_review

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("export/", views_export.export_people, name="export"),
    path("review/", views_review.review_list, name="review_list"),
    path("review/<int:pk>/apply/", views_review.review_apply, name="review_apply"),
    path("review/<int:pk>/dismiss/", views_review.review_dismiss, name="review_dismiss"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/interactions/", views.interaction_add, name="interaction_add"),
    path(
        "<int:pk>/follow-ups/<int:interaction_pk>/done/",
        views.follow_up_done,
        name="follow_up_done",
    ),
    path("<int:pk>/tags/", views.tag_add, name="tag_add"),
    path("<int:pk>/tags/<int:tag_pk>/remove/", views.tag_remove, name="tag_remove"),
    path("<int:pk>/memberships/", views.membership_start, name="membership_start"),
    path(
        "<int:pk>/memberships/<int:membership_pk>/end/",
        views.membership_end,
        name="membership_end",
    ),
    path("<int:pk>/roles/", views.role_start, name="role_start"),
    path("<int:pk>/roles/<int:role_pk>/end/", views.role_end, name="role_end"),
]
