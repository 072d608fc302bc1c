from django.urls import path

from aktivist.organisation import views

app_name = "organisation"

urlpatterns = [
    path("", views.unit_list, name="unit_list"),
    path("<int:pk>/", views.unit_detail, name="unit_detail"),
    path("<int:pk>/school/", views.unit_school, name="unit_school"),
]
