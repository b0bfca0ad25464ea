from django.urls import path

from . import views

app_name = "applications"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("new/", views.application_create, name="create"),
    path("new/organisations/", views.organisation_search, name="organisation_search"),
    path("<int:pk>/", views.application_detail, name="detail"),
]
