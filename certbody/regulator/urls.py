from django.urls import path

from . import views

app_name = "regulator"
urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("exports/", views.exports, name="exports"),
]
