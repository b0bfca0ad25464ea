from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("register/sent/", views.register_sent, name="register_sent"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("colleagues/", views.colleagues, name="colleagues"),
    path("notifications/", views.notifications, name="notifications"),
    path("certificates/", views.certificates, name="certificates"),
    path("apply/", views.apply, name="apply"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/units/", views.units, name="units"),
    path("applications/<int:pk>/documents/", views.documents, name="documents"),
    path("applications/<int:pk>/submit/", views.submit, name="submit"),
    path("applications/<int:pk>/contract/", views.contract, name="contract"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<int:pk>/messages/", views.thread, name="messages"),
    path("applications/<int:pk>/changes/", views.changes, name="changes"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("staff/organisations/", views.approvals, name="approvals"),
]
