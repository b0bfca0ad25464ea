from django.urls import path

from . import views

app_name = "website"

urlpatterns = [
    path("verify/", views.search, name="search"),
    path("verify/document/", views.check_document, name="check_document"),
    path("verify/<str:number>", views.verify, name="verify"),
]
