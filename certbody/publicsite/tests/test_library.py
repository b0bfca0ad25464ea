"""The document library: versions (current first, history kept and downloadable), file checks, withdraw."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from certbody.core.errors import InvalidInput, NotAllowed
from certbody.core.models import AuditEvent
from certbody.core.tests.pages import Pages, form_errors
from certbody.demo.scenarios import MINIMAL_PDF
from certbody.publicsite import services
from certbody.publicsite.models import DocumentKind, DocumentVersion, PublishedDocument

from .conftest import pdf

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_new_version_becomes_current_and_the_old_stays_in_history(library):
    doc, _ = library
    versions = list(DocumentVersion.objects.filter(document=doc).order_by("pk"))
    assert [(v.version, v.is_current) for v in versions] == [("V1.0/0", False), ("V1.1/0", True)]
    page = Client(headers={"accept-language": "en"}).get(reverse("publicsite:document", args=[doc.pk]))
    text = page.content.decode()
    assert text.index("V1.1/0") < text.index("V1.0/0")  # current first
    old = Client().get(reverse("publicsite:download", args=[doc.pk, versions[0].pk]))
    assert old.status_code == 200 and b"".join(old.streaming_content) == MINIMAL_PDF
    new = Client().get(reverse("publicsite:download", args=[doc.pk, versions[1].pk]))
    assert b"".join(new.streaming_content).endswith(b"% second\n")
    assert new["Content-Type"] == "application/pdf"


def test_publishing_is_audited(library):
    doc, _ = library
    events = AuditEvent.objects.filter(action="publicsite.document.publish", subject_id=str(doc.pk))
    assert [e.after["current_version"] for e in events.order_by("seq")] == ["V1.0/0", "V1.1/0"]
    assert events.order_by("seq").last().before == {"current_version": "V1.0/0"}


def test_the_same_version_number_cannot_be_published_twice(library, cast, english):
    doc, _ = library
    with pytest.raises(InvalidInput, match="already published"):
        services.version_publish(
            actor=cast.quality, document=doc, version="V1.1/0", effective_from=date(2024, 1, 1), file=pdf()
        )
    assert doc.versions.filter(is_current=True).get().version == "V1.1/0"


def test_only_library_keepers_publish(library, cast):
    doc, _ = library
    with pytest.raises(NotAllowed):
        services.version_publish(
            actor=cast.engineer, document=doc, version="V9", effective_from=date(2024, 1, 1), file=pdf()
        )


def test_a_png_named_pdf_is_refused_with_a_clear_message_and_the_form_keeps_input(library, cast, client):
    doc, _ = library
    pages = Pages(client)
    pages.login(cast.quality)
    url = reverse("publicsite:staff_document", args=[doc.pk])
    response = client.post(
        url,
        {
            "action": "publish",
            "version": "V2.0/0",
            "effective_from": "2025-01-01",
            "change_note": "全面修订",
            "file": SimpleUploadedFile("rules.pdf", PNG, content_type="application/pdf"),
        },
    )
    assert response.status_code == 200
    errors = form_errors(response)
    assert "rules.pdf" in errors and "content was checked" in errors
    page = response.content.decode()
    assert 'value="V2.0/0"' in page and 'value="全面修订"' in page and 'value="2025-01-01"' in page
    assert not doc.versions.filter(version="V2.0/0").exists()


def test_rules_must_be_pdf_but_a_template_may_be_excel(cast, catalogue):
    from certbody.demo.publicsite import xlsx_bytes

    xlsx = xlsx_bytes("模板", ["a", "b"])
    rules = services.document_create(actor=cast.quality, kind=DocumentKind.RULES, title_zh="规则")
    with pytest.raises(InvalidInput):
        services.version_publish(
            actor=cast.quality,
            document=rules,
            version="V1",
            effective_from=date(2024, 1, 1),
            file=SimpleUploadedFile("r.xlsx", xlsx),
        )
    template = services.document_create(actor=cast.quality, kind=DocumentKind.TEMPLATE, title_zh="模板")
    v = services.version_publish(
        actor=cast.quality,
        document=template,
        version="V1",
        effective_from=date(2024, 1, 1),
        file=SimpleUploadedFile("t.xlsx", xlsx),
    )
    assert v.extension == "xlsx"
    response = Client().get(reverse("publicsite:download", args=[template.pk, v.pk]))
    assert "attachment" in response["Content-Disposition"]


def test_publishing_through_the_staff_page(library, cast, client):
    doc, _ = library
    Pages(client).login(cast.quality)
    Pages(client).act(
        reverse("publicsite:staff_document", args=[doc.pk]),
        "publish",
        version="V2.0/0",
        effective_from="2025-01-01",
        file=pdf("v3.pdf", MINIMAL_PDF + b"% third\n"),
    )
    assert doc.versions.get(is_current=True).version == "V2.0/0"
    assert doc.versions.count() == 3


def test_a_withdrawn_document_leaves_the_website_but_keeps_its_versions(library, cast):
    doc, _ = library
    version = doc.versions.get(is_current=True)
    services.document_withdraw(actor=cast.quality, document=doc, reason="规则废止")
    anonymous = Client()
    assert anonymous.get(reverse("publicsite:document", args=[doc.pk])).status_code == 404
    assert anonymous.get(reverse("publicsite:download", args=[doc.pk, version.pk])).status_code == 404
    assert "NFCC-IR-B06-01" not in anonymous.get(reverse("publicsite:library")).content.decode()
    assert doc.versions.count() == 2
    services.document_restore(actor=cast.quality, document=doc)
    assert anonymous.get(reverse("publicsite:document", args=[doc.pk])).status_code == 200
    actions = list(
        AuditEvent.objects.filter(object_type="publicsite.publisheddocument").values_list("action", flat=True)
    )
    assert "publicsite.document.withdraw" in actions and "publicsite.document.restore" in actions


def test_a_document_without_a_version_is_not_shown(cast, catalogue):
    doc = services.document_create(actor=cast.quality, kind=DocumentKind.FORM, title_zh="空表", code="EMPTY-1")
    assert Client().get(reverse("publicsite:document", args=[doc.pk])).status_code == 404
    assert "EMPTY-1" not in Client().get(reverse("publicsite:library")).content.decode()


def test_library_lists_current_versions_by_kind_and_csr_reports_separately(library):
    _doc, report = library
    text = Client().get(reverse("publicsite:library") + "?kind=rules").content.decode()
    assert "NFCC-IR-B06-01" in text and "V1.1/0" in text and "CSR-2021" not in text
    csr = Client().get(reverse("publicsite:csr")).content.decode()
    assert "2021年度企业社会责任报告" in csr
    assert reverse("publicsite:download", args=[report.pk, report.versions.get().pk]) in csr


def test_category_page_lists_schemes_rules_standards_and_documents(library):
    doc, _ = library
    text = Client().get(reverse("publicsite:category", args=["FT06"])).content.decode()
    assert "NFCC-PC-B06" in text and "JR/T 0001-2019" in text
    assert reverse("publicsite:document", args=[doc.pk]) in text
    assert Client().get(reverse("publicsite:category", args=["NOPE"])).status_code == 404


def test_creating_a_document_keeps_input_on_error(cast, catalogue, client):
    Pages(client).login(cast.quality)
    response = client.post(
        reverse("publicsite:staff_documents"), {"kind": "csr_report", "title_zh": "2025年度报告", "code": "CSR-X"}
    )
    assert response.status_code == 200
    assert "Enter the year" in form_errors(response)
    assert 'value="2025年度报告"' in response.content.decode()
    assert not PublishedDocument.objects.exists()


def test_demo_seed_publishes_every_schemes_rules(cast, catalogue):
    from certbody.demo.publicsite import seed
    from certbody.schemes.models import Scheme

    assert seed(cast.admin) > 14
    rules = PublishedDocument.objects.filter(kind=DocumentKind.RULES)
    assert rules.count() == Scheme.objects.count() == 14
    assert all(d.versions.filter(is_current=True).count() == 1 for d in rules)
    assert seed(cast.admin) == 0  # once only


def test_a_publish_that_rolls_back_leaves_no_file_in_storage(library, cast, monkeypatch):
    import os

    from django.conf import settings

    doc, _ = library

    def stored() -> set[str]:
        root = os.path.join(settings.MEDIA_ROOT, "public-documents")
        return {os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files}

    before = stored()

    def broken_audit(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        services.version_publish(
            actor=cast.quality,
            document=doc,
            version="V3.0/0",
            effective_from=date(2025, 1, 1),
            file=pdf("v3.pdf", MINIMAL_PDF + b"% orphan?\n"),
        )
    assert not doc.versions.filter(version="V3.0/0").exists()
    assert stored() == before  # the file written before the failure is gone again
