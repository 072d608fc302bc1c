from django.urls import path

from aktivist.segments import views

app_name = "segments"

urlpatterns = [
    path("", views.segment_list, name="list"),
    path("new/", views.segment_create, name="create"),
    path("builder/", views.segment_builder, name="builder"),
    path("count/", views.segment_count, name="count"),
    path("<int:pk>/", views.segment_detail, name="detail"),
    path("<int:pk>/edit/", views.segment_edit, name="edit"),
    path("<int:pk>/archive/", views.segment_archive, name="archive"),
]
