from django.urls import path

from aktivist.urgent import views

app_name = "urgent"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_new, name="case_new"),
    path("new/preview/", views.case_preview, name="case_preview"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/progress/", views.case_progress, name="case_progress"),
    path("<int:pk>/update/", views.case_update, name="case_update"),
    path("<int:pk>/close/", views.case_close, name="case_close"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_new, name="template_new"),
    path("templates/<int:pk>/", views.template_edit, name="template"),
    path("templates/<int:pk>/request/", views.template_request, name="template_request"),
    path("templates/<int:pk>/approve/", views.template_approve, name="template_approve"),
    path("templates/<int:pk>/archive/", views.template_archive, name="template_archive"),
    path("network/", views.network_page, name="network"),
]
