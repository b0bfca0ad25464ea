from django.urls import path

from . import views

app_name = "console"
urlpatterns = [
    path("console/", views.dashboard, name="dashboard"),
    path("audit/", views.audit, name="audit"),
]
