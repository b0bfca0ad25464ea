from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("certbody.api.urls")),
    path("accounts/", include("certbody.accounts.urls")),
    path("applications/", include("certbody.applications.urls")),
    path("certificates/", include("certbody.certificates.urls")),
    path("evaluation/", include("certbody.certification.urls")),
    path("catalogue/", include("certbody.schemes.urls")),
    path("regulator/", include("certbody.regulator.urls")),
    path("portal/", include("certbody.portal.urls")),
    path("people/", include("certbody.people.urls")),
    path("", include("certbody.certificates.documents.urls")),
    path("", include("certbody.website.urls")),
    path("", include("certbody.publicsite.urls")),
    path("", include("certbody.console.urls")),
]

# Uploaded and generated files (MEDIA_ROOT) are never served by URL, in any mode: only the views that check who may
# read each file open it (test_media_not_served).
