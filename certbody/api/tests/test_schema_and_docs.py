"""The OpenAPI document and the docs page: served by us, offline, nothing from a CDN."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from .conftest import BASE


@pytest.mark.django_db
def test_openapi_document_lists_every_area_and_the_cnca_code():
    response = Client().get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/v1/applications",
        "/api/v1/applications/{application_id}/decide",
        "/api/v1/test-orders/{order_id}/report",
        "/api/v1/inspections/{inspection_id}/findings",
        "/api/v1/surveillances/{surveillance_id}/complete",
        "/api/v1/certificates/{number}/suspend",
        "/api/v1/catalogue/schemes",
        "/api/v1/me/tasks",
    ):
        assert path in paths, path
    assert "cnca_code" in schema["components"]["schemas"]["CertificateOut"]["properties"]
    assert set(schema["components"]["securitySchemes"]) == {"BearerToken", "Session"}
    report = paths["/api/v1/test-orders/{order_id}/report"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in report
    # Every operation documents the error shape; every action is a POST.
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert method in ("get", "post"), (method, path)
            assert "422" in operation["responses"], (method, path)


@pytest.mark.django_db
def test_docs_page_loads_swagger_from_our_static_files_only():
    response = Client().get(f"{BASE}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in sources
    assert "/static/vendor/swagger-ui/swagger-ui.css" in sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))], sources
    assert "<script>" not in html  # no inline script: the settings are a JSON data block
    assert '"url": "/api/v1/openapi.json"' in html
    for name in ("vendor/swagger-ui/swagger-ui-bundle.js", "vendor/swagger-ui/swagger-ui.css", "api/swagger-init.js"):
        assert finders.find(name), name
    with open(finders.find("vendor/swagger-ui/swagger-ui-bundle.js"), encoding="utf-8") as bundle:
        assert "SwaggerUIBundle" in bundle.read()


@pytest.mark.django_db
def test_my_tasks_lists_the_work_queue_of_the_caller(cast, software_scheme, as_user):
    from certbody.demo import scenarios as sc

    application = sc.submitted_application(cast, software_scheme)
    tasks = as_user(cast.market).get("/me/tasks")
    assert tasks["count"] >= 1
    task = next(t for t in tasks["items"] if application.number in t["subject"])
    assert task["kind"] == "application" and task["url"]
    assert as_user(cast.lab_user).get("/me/tasks")["count"] == 0
    assert as_user(cast.market).get("/me/tasks", {"limit": 1})["limit"] == 1


@pytest.mark.django_db
def test_catalogue_lists_categories_and_schemes_with_rules_and_standards(as_user, cast, software_scheme):
    api = as_user(cast.client)
    categories = api.get("/catalogue/categories", {"limit": 200})
    assert categories["count"] >= 11
    schemes = api.get("/catalogue/schemes", {"category": software_scheme.category.code})
    scheme = next(s for s in schemes["items"] if s["code"] == software_scheme.code)
    assert scheme["rule_versions"] and scheme["rule_versions"][0]["standards"]
    assert api.get(f"/catalogue/schemes/{software_scheme.code}")["validity_years"] == software_scheme.validity_years
