from django.urls import path

from aktivist.imports import views, views_duplicates

app_name = "imports"

urlpatterns = [
    # --- Import pages: batches, upload, mapping, dry run, progress, undo (views.py) ---
    path("", views.batch_list, name="batch_list"),
    path("new/", views.upload, name="upload"),
    path("mappings/", views.mapping_list, name="mapping_list"),
    path("<int:pk>/", views.dry_run, name="dry_run"),
    path("<int:pk>/mapping/", views.mapping, name="mapping"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/start/", views.start, name="start"),
    path("<int:pk>/resume/", views.resume, name="resume"),
    path("<int:pk>/undo/", views.undo, name="undo"),
    path("<int:pk>/discard/", views.discard, name="discard"),
    path("<int:pk>/refused.csv", views.refused_csv, name="refused_csv"),
    # --- end of import pages ---
    # --- Duplicate review queue (views_duplicates.py) ---
    path("duplicates/", views_duplicates.duplicate_list, name="duplicate_list"),
    path("duplicates/run/", views_duplicates.duplicate_run, name="duplicate_run"),
    path("duplicates/<int:pk>/", views_duplicates.duplicate_detail, name="duplicate_detail"),
    path("duplicates/<int:pk>/merge/", views_duplicates.duplicate_merge, name="duplicate_merge"),
    path(
        "duplicates/<int:pk>/dismiss/", views_duplicates.duplicate_dismiss, name="duplicate_dismiss"
    ),
    # --- end of duplicate review queue ---
]
