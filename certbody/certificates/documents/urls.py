"""Included at the site root: /keys/ (public) and the PDF download under /certificates/."""

from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("keys/", views.public_keys, name="keys"),
    path("certificates/<int:pk>/versions/<int:version_no>/pdf/", views.certificate_pdf, name="pdf"),
]
