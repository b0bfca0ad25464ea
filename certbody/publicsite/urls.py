from django.urls import path

from . import views

app_name = "publicsite"
urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("services/", views.services_page, name="services"),
    path("services/<str:code>/", views.category, name="category"),
    path("library/", views.library, name="library"),
    path("library/<int:pk>/", views.document, name="document"),
    path("library/<int:pk>/versions/<int:version_pk>/", views.download, name="download"),
    path("fees/", views.fees, name="fees"),
    path("query/", views.query, name="query"),
    path("labs/", views.labs, name="labs"),
    path("complaint/", views.complaint, name="complaint"),
    path("complaint/received/", views.complaint_done, name="complaint_done"),
    path("responsibility/", views.csr, name="csr"),
    path("console/website/", views.staff, name="staff"),
    path("console/website/documents/", views.staff_documents, name="staff_documents"),
    path("console/website/documents/<int:pk>/", views.staff_document, name="staff_document"),
    path("console/website/fees/", views.staff_fees, name="staff_fees"),
    path("console/website/complaints/", views.staff_complaints, name="staff_complaints"),
    path("console/website/complaints/<int:pk>/", views.staff_complaint, name="staff_complaint"),
]
