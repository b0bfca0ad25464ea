from django.urls import path

from . import views

app_name = "certification"
urlpatterns = [
    path("test-orders/", views.test_order_list, name="test_order_list"),
    path("test-orders/<int:pk>/", views.test_order_detail, name="test_order_detail"),
    path("test-orders/<int:pk>/report.pdf", views.test_order_report, name="test_order_report"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("surveillance/", views.surveillance_list, name="surveillance_list"),
    path("surveillance/<int:pk>/", views.surveillance_detail, name="surveillance_detail"),
]
