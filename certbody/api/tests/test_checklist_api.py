"""The checklist holds for applications made by API as in the portal: application_submit refuses, whoever calls it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certbody.applications import services
from certbody.applications.models import Application, Dossier
from certbody.core.errors import InvalidInput
from certbody.core.models import AuditEvent
from certbody.demo.scenarios import MINIMAL_PDF

pytestmark = pytest.mark.django_db


def _unit(client, application_id: int) -> None:
    manufacturer = client.get("/me")["organisation"]["manufacturers"][0]
    client.post(
        f"/applications/{application_id}/units",
        {
            "product_name": "手机银行客户端",
            "model_names": ["V1"],
            "version": "1.0",
            "manufacturer_id": manufacturer["id"],
            "production_site_id": manufacturer["sites"][0]["id"],
        },
        status=201,
    )


def _api_draft(client, scheme) -> int:
    app = client.post("/applications", {"scheme": scheme.code, "title": "手机银行客户端"}, status=201)
    _unit(client, app["id"])
    return app["id"]


def _required(client, application_id: int) -> list[str]:
    checklist = client.get(f"/portal/applications/{application_id}/documents")["checklist"]
    return [item["code"] for item in checklist if item["required"]]


def test_api_submit_without_the_required_documents_is_refused_like_the_portal(cast, software_scheme, as_user):
    client = as_user(cast.client)
    application_id = _api_draft(client, software_scheme)
    assert Dossier.objects.filter(application_id=application_id).exists()
    refusal = client.post(f"/applications/{application_id}/submit", status=422)
    # The portal's own refusal: the same service, the same code.
    portal_app = services.application_start(actor=cast.client, scheme=software_scheme, title="门户申请")
    application = Application.objects.get(pk=application_id)
    units = application.units.all()
    for unit in units:
        services.unit_add(
            actor=cast.client,
            application=portal_app,
            product_name=unit.product_name,
            model_names=unit.model_names,
            version=unit.version,
            manufacturer=unit.manufacturer,
            production_site=unit.production_site,
        )
    with pytest.raises(InvalidInput) as portal_refusal:
        services.application_submit(actor=cast.client, application=portal_app)
    assert refusal["code"] == portal_refusal.value.code == "documents_missing"
    assert sorted(refusal["details"]["missing"]) == sorted(_required(client, application_id))
    assert Application.objects.get(pk=application_id).status == Application.Status.DRAFT


def test_api_submit_passes_once_the_documents_are_uploaded(cast, software_scheme, as_user):
    client = as_user(cast.client)
    application_id = _api_draft(client, software_scheme)
    for code in _required(client, application_id):
        upload = SimpleUploadedFile(f"{code}.pdf", MINIMAL_PDF, content_type="application/pdf")
        client.upload(f"/portal/applications/{application_id}/documents", {"item": code, "file": upload}, status=201)
    assert client.post(f"/applications/{application_id}/submit")["status"] == "submitted"


def test_market_records_paper_documents_then_the_application_can_be_submitted(cast, software_scheme, as_user):
    market, client = as_user(cast.market), as_user(cast.client)
    app = market.post(
        "/applications",
        {"scheme": software_scheme.code, "title": "纸质材料申请", "organisation_id": cast.client.organisation_id},
        status=201,
    )
    _unit(client, app["id"])
    assert market.post(f"/applications/{app['id']}/submit", status=422)["code"] == "documents_missing"
    required = _required(market, app["id"])
    # Only the market staff record paper; the client uploads instead.
    client.post(f"/applications/{app['id']}/paper-documents", {"items": required}, status=403)
    assert market.post(f"/applications/{app['id']}/paper-documents", {"items": ["nonsense"]}, status=422)
    market.post(f"/applications/{app['id']}/paper-documents", {"items": required})
    recorded = AuditEvent.objects.get(action="dossier.paper_received")
    assert recorded.actor_id == cast.market.pk and recorded.after == {"paper_items": sorted(required)}
    assert market.post(f"/applications/{app['id']}/submit")["status"] == "submitted"
