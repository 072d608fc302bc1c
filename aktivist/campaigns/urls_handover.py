"""Hand-over downloads, mounted under /campaigns/ (namespace "handover")."""

from django.urls import path

from aktivist.campaigns import views_handover

app_name = "handover"

urlpatterns = [
    path("actions/<int:pk>/handover/", views_handover.index, name="index"),
    path("actions/<int:pk>/handover.csv", views_handover.petition_csv, name="petition_csv"),
    path("actions/<int:pk>/handover.pdf", views_handover.petition_pdf, name="petition_pdf"),
    path("actions/<int:pk>/letters.pdf", views_handover.letters_pdf, name="letters_pdf"),
]
