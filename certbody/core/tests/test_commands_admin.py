"""Admin: reference data editable and audited; lifecycle records read-only; no page lists every client."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from certbody.applications.models import Application
from certbody.certificates.models import Certificate, CertificateVersion
from certbody.clients.models import Organisation
from certbody.core.audit import verify_chain
from certbody.core.models import AuditEvent, StatusChange, SystemSetting
from certbody.demo import scenarios as sc
from certbody.schemes.admin import SchemeForm
from certbody.schemes.models import Scheme, Standard

# Messages are asserted in English; the default language is Chinese.
pytestmark = pytest.mark.usefixtures("english")

LIFECYCLE = [Application, Certificate, CertificateVersion, AuditEvent, StatusChange]


@pytest.fixture
def admin_client(cast):
    client = Client()
    client.force_login(cast.admin)
    return client


@pytest.fixture
def certificate(cast, software_scheme):
    return sc.certified(cast, software_scheme)


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.django_db
def test_admin_pages_open_for_the_administrator(admin_client, certificate):
    for model in admin.site._registry:
        response = admin_client.get(_url(model, "changelist"))
        assert response.status_code == 200, model
    for obj in (certificate, certificate.versions.get(), certificate.application, AuditEvent.objects.last()):
        assert admin_client.get(_url(type(obj), "change", obj.pk)).status_code == 200


@pytest.mark.django_db
def test_lifecycle_records_are_read_only_in_admin(admin_client, certificate):
    objects = {
        Application: certificate.application,
        Certificate: certificate,
        CertificateVersion: certificate.versions.get(),
        AuditEvent: AuditEvent.objects.last(),
        StatusChange: StatusChange.objects.last(),
    }
    for model in LIFECYCLE:
        obj = objects[model]
        assert admin_client.get(_url(model, "add")).status_code == 403
        assert admin_client.get(_url(model, "delete", obj.pk)).status_code == 403
        assert admin_client.post(_url(model, "change", obj.pk), {"status": "withdrawn"}).status_code == 403
        page = admin_client.get(_url(model, "change", obj.pk)).content.decode()
        assert 'name="_save"' not in page
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID


@pytest.mark.django_db
def test_certificate_admin_finds_a_number_exactly(admin_client, certificate):
    page = admin_client.get(_url(Certificate, "changelist"), {"q": certificate.number.lower()}).content.decode()
    assert certificate.number in page


@pytest.mark.django_db
def test_scheme_number_template_is_validated_with_a_clear_message(db):
    scheme = Scheme.objects.get(code="NFCC-PC-B01")
    data = dict(SchemeForm(instance=scheme).initial)
    data.update({"category": scheme.category_id, "number_template": "NFCC{year}{scheme}"})
    form = SchemeForm(data=data, instance=scheme)
    assert not form.is_valid()
    assert "exactly one {seq}" in str(form.errors["number_template"])
    data["number_template"] = "CB-{year}-{scheme}-{seq:06d}"
    form = SchemeForm(data=data, instance=scheme)
    assert form.is_valid(), form.errors


@pytest.mark.django_db
def test_catalogue_edits_in_admin_join_the_audit_chain(admin_client):
    standard = Standard.objects.get(code="JR/T 0092")
    response = admin_client.post(
        _url(Standard, "change", standard.pk),
        {"code": standard.code, "version": "2024", "title_zh": standard.title_zh, "title_en": "Mobile banking apps"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "standard.admin_change"
    assert event.before == {"version": "2019", "title_en": ""}
    assert event.after == {"version": "2024", "title_en": "Mobile banking apps"}
    assert verify_chain().ok


@pytest.mark.django_db
def test_system_settings_take_known_keys_and_values_of_the_right_kind(admin_client):
    response = admin_client.post(_url(SystemSetting, "add"), {"key": "review_days", "value": '"ten"'})
    assert response.status_code == 200 and not SystemSetting.objects.exists()
    response = admin_client.post(_url(SystemSetting, "add"), {"key": "no_such_setting", "value": "3"})
    assert response.status_code == 200 and not SystemSetting.objects.exists()
    response = admin_client.post(_url(SystemSetting, "add"), {"key": "review_days", "value": "15"})
    assert response.status_code == 302
    assert SystemSetting.objects.get(key="review_days").value == 15


@pytest.mark.django_db
def test_no_admin_page_lists_every_organisation(admin_client, cast):
    for n in range(5):
        Organisation.objects.create(name=f"批量客户{n}有限公司", address="重庆")
    for url in (_url(type(cast.client), "change", cast.client.pk), _url(type(cast.manufacturer), "add")):
        page = admin_client.get(url).content.decode()
        assert "批量客户3有限公司" not in page
        assert "admin-autocomplete" in page
