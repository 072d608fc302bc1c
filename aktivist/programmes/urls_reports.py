"""Reports on the red thread, mounted at /programmes/ (namespace "programme_reports")."""

from django.urls import path

from aktivist.programmes import views_reports as views

app_name = "programme_reports"

urlpatterns = [
    path("reports/red-thread/", views.red_thread, name="red_thread"),
    path("reports/red-thread.csv", views.red_thread_csv, name="red_thread_csv"),
]
