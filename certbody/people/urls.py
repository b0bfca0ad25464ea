from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("alerts/", views.alerts, name="alerts"),
    path("headcount/", views.headcount, name="headcount"),
    path("consultancy/", views.consultancy, name="consultancy"),
    path("committee/", views.committee, name="committee"),
    path("risks/", views.risks, name="risks"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("overrides/", views.overrides, name="overrides"),
    path("declaration/", views.declaration, name="declaration"),
]
