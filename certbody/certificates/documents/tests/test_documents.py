"""Certificate documents: signed bilingual PDFs, verification without trusting the PDF, key rotation, jobs."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from certbody.certificates import services as cert_svc
from certbody.certificates.documents import pdf as pdf_mod
from certbody.certificates.documents import services as doc_svc
from certbody.certificates.documents.keys import generate_key_text, private_key_from_text
from certbody.certificates.documents.models import CertificateDocument, SigningKey
from certbody.certificates.documents.selectors import versions_needing_documents
from certbody.certificates.documents.verify import ALTERED, GENUINE, UNKNOWN, read_pdf, verify_pdf
from certbody.certificates.models import SuspensionReason
from certbody.core.audit import verify_chain
from certbody.core.models import AuditEvent
from certbody.demo import scenarios as sc

pytestmark = pytest.mark.django_db

KEY1 = generate_key_text()
KEY2 = generate_key_text()
URL = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def english_and_key1(settings):
    settings.CERTBODY_SIGNING_KEY = KEY1
    with translation.override("en"):
        yield


@pytest.fixture
def certificate(cast, software_scheme):
    return sc.certified(cast, software_scheme)


def version_of(certificate):
    return certificate.versions.get(version_no=certificate.version_no)


def pdf_bytes(document) -> bytes:
    with document.file.open("rb") as fh:
        return fh.read()


def test_genuine_pdf_verifies_and_its_text_carries_the_chinese_holder_and_number(certificate):
    document = doc_svc.document_generate(actor=None, version=version_of(certificate))
    data = pdf_bytes(document)
    _, text = read_pdf(data)
    assert certificate.number in text
    assert certificate.holder_name in text and any("\u4e00" <= ch <= "\u9fff" for ch in certificate.holder_name)
    assert "认 证 证 书" in text and "CERTIFICATE" in text
    verdict = verify_pdf(data)
    assert verdict.result == GENUINE, verdict.message
    assert verdict.exit_code == 0
    assert AuditEvent.objects.filter(action="certificate.document_generated").count() == 1
    assert verify_chain().ok


def test_the_pdf_embeds_the_font_and_is_identical_for_identical_content(certificate):
    document = doc_svc.document_generate(actor=None, version=version_of(certificate))
    data = pdf_bytes(document)
    again = pdf_mod.render_pdf(document.payload, document.key_id, document.signature, URL)
    assert again == data
    assert b"/FontFile2" in data  # the TrueType subset is embedded, not referenced


def test_pdf_with_one_printed_field_changed_but_the_original_signature_is_altered(certificate, monkeypatch):
    document = doc_svc.document_generate(actor=None, version=version_of(certificate))
    original = pdf_mod.keywords(document.payload, document.key_id, document.signature)
    forged_payload = {**document.payload, "holder_name": "伪造科技有限公司"}
    monkeypatch.setattr(pdf_mod, "keywords", lambda *a: original)  # keep the genuine signed data
    forged = pdf_mod.render_pdf(forged_payload, document.key_id, document.signature, URL)
    assert "伪造科技有限公司" in read_pdf(forged)[1]
    verdict = verify_pdf(forged)
    assert verdict.result == ALTERED
    assert verdict.exit_code == 1


def test_pdf_whose_signed_data_was_changed_too_is_altered(certificate):
    document = doc_svc.document_generate(actor=None, version=version_of(certificate))
    forged_payload = {**document.payload, "valid_until": "2099-12-31"}
    forged = pdf_mod.render_pdf(forged_payload, document.key_id, document.signature, URL)
    assert verify_pdf(forged).result == ALTERED


def test_pdf_with_a_flipped_signature_character_is_altered(certificate):
    document = doc_svc.document_generate(actor=None, version=version_of(certificate))
    code = document.signature
    flipped = code[:10] + ("A" if code[10] != "A" else "B") + code[11:]
    forged = pdf_mod.render_pdf(document.payload, document.key_id, flipped, URL)
    assert verify_pdf(forged).result == ALTERED


def test_pdf_signed_with_a_foreign_key_is_not_genuine(certificate):
    document = doc_svc.document_generate(actor=None, version=version_of(certificate))
    attacker = private_key_from_text(generate_key_text())
    payload = {**document.payload, "holder_name": "伪造科技有限公司", "key_id": "FORGED22"}
    code = pdf_mod.encode_signature(attacker.sign(pdf_mod.signed_message(payload)))
    forged = pdf_mod.render_pdf(payload, "FORGED22", code, URL)
    verdict = verify_pdf(forged)
    assert verdict.result == UNKNOWN and "FORGED22" in verdict.message
    # The attacker's own key under our key id: the signature fails against our published key.
    payload = {**document.payload, "holder_name": "伪造科技有限公司"}
    code = pdf_mod.encode_signature(attacker.sign(pdf_mod.signed_message(payload)))
    assert verify_pdf(pdf_mod.render_pdf(payload, document.key_id, code, URL)).result == ALTERED


def test_old_pdf_stays_genuine_after_key_rotation_and_new_pdfs_use_the_new_key(certificate, settings):
    version = version_of(certificate)
    old = doc_svc.document_generate(actor=None, version=version)
    settings.CERTBODY_SIGNING_KEY = KEY2
    new = doc_svc.document_for(actor=None, version=version)  # the key changed: a fresh document
    assert new.pk != old.pk and new.key_id != old.key_id
    assert verify_pdf(pdf_bytes(old)).result == GENUINE
    assert verify_pdf(pdf_bytes(new)).result == GENUINE
    keys = {k.key_id: k for k in SigningKey.objects.all()}
    assert keys[old.key_id].retired_at is not None and keys[new.key_id].retired_at is None
    published = Client().get(reverse("documents:keys")).json()["keys"]
    assert set(published) == {old.key_id, new.key_id}
    assert published[old.key_id]["retired_at"] and published[new.key_id]["retired_at"] is None


def test_signature_dated_after_its_key_was_retired_is_altered(certificate, settings):
    version = version_of(certificate)
    old = doc_svc.document_generate(actor=None, version=version)
    settings.CERTBODY_SIGNING_KEY = KEY2
    doc_svc.document_generate(actor=None, version=version)
    late = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    payload = {**old.payload, "signed_at": late.isoformat()}
    code = pdf_mod.encode_signature(private_key_from_text(KEY1).sign(pdf_mod.signed_message(payload)))
    assert verify_pdf(pdf_mod.render_pdf(payload, old.key_id, code, URL)).result == ALTERED


def test_validly_signed_number_missing_from_the_registry_is_unknown(certificate):
    document = doc_svc.document_generate(actor=None, version=version_of(certificate))
    payload = {**document.payload, "number": "NFCC2099XX99999"}
    code = pdf_mod.encode_signature(private_key_from_text(KEY1).sign(pdf_mod.signed_message(payload)))
    verdict = verify_pdf(pdf_mod.render_pdf(payload, document.key_id, code, URL))
    assert verdict.result == UNKNOWN and verdict.exit_code == 2


def test_pdf_without_a_signature_or_not_a_pdf_is_unknown():
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(100, 700, "NFCC2026B0100001")
    page.save()
    assert verify_pdf(buffer.getvalue()).result == UNKNOWN
    assert verify_pdf(b"not a pdf at all").result == UNKNOWN


def test_a_status_change_reissues_the_document_and_keeps_the_old_one(cast, certificate):
    version = version_of(certificate)
    first = doc_svc.document_for(actor=None, version=version)
    assert doc_svc.document_for(actor=None, version=version).pk == first.pk  # nothing changed
    assert not versions_needing_documents().filter(pk=version.pk).exists()
    cert_svc.certificate_suspend(
        actor=cast.decider,
        certificate=certificate,
        reason_code=SuspensionReason.NONCONFORMITY,
        reason="不符合",
        until=timezone.localdate() + timedelta(days=30),
    )
    assert versions_needing_documents().filter(pk=version.pk).exists()
    second = doc_svc.document_for(actor=None, version=version)
    assert second.pk != first.pk and second.status == "suspended"
    assert "暂停 Suspended" in read_pdf(pdf_bytes(second))[1]
    assert CertificateDocument.objects.filter(version=version).count() == 2
    verdict = verify_pdf(pdf_bytes(first))
    assert verdict.result == GENUINE and verdict.notes  # still ours, but it says the status changed since


def test_bulk_generation_job_makes_the_missing_documents_with_progress(cast, software_scheme, capsys):
    certificates = [sc.certified(cast, software_scheme) for _ in range(3)]
    out = io.StringIO()
    call_command("generate_certificate_pdfs", "--missing", "--batch", "2", stdout=out)
    assert "2/3 generated" in out.getvalue() and "3/3 generated" in out.getvalue()
    for certificate in certificates:
        assert CertificateDocument.objects.filter(version__certificate=certificate).count() == 1
    out = io.StringIO()
    call_command("generate_certificate_pdfs", "--missing", stdout=out)
    assert "Nothing to generate" in out.getvalue()


def test_verify_certificate_command_answers_with_exit_codes(certificate, tmp_path):
    document = doc_svc.document_generate(actor=None, version=version_of(certificate))
    genuine = tmp_path / "genuine.pdf"
    genuine.write_bytes(pdf_bytes(document))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_certificate", str(genuine), stdout=out)
    assert exit_info.value.code == 0 and "GENUINE" in out.getvalue()
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(pdf_mod.render_pdf({**document.payload, "version": 9}, document.key_id, document.signature, URL))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_certificate", str(forged), stdout=out)
    assert exit_info.value.code == 1 and "ALTERED" in out.getvalue()


def test_client_downloads_its_own_certificate_pdf(cast, certificate):
    browser = Client()
    browser.force_login(cast.client)
    response = browser.get(reverse("documents:pdf", args=[certificate.pk, certificate.version_no]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    assert verify_pdf(data).result == GENUINE
    assert response.status_code == 200
    missing = browser.get(reverse("documents:pdf", args=[certificate.pk, 99]))
    assert missing.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_issue_and_status_change_reissue_the_document_once_committed(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    version = version_of(certificate)
    assert list(CertificateDocument.objects.filter(version=version).values_list("status", flat=True)) == ["valid"]
    cert_svc.certificate_suspend(
        actor=cast.decider,
        certificate=certificate,
        reason_code=SuspensionReason.NONCONFORMITY,
        reason="不符合",
        until=timezone.localdate() + timedelta(days=30),
    )
    statuses = CertificateDocument.objects.filter(version=version).order_by("generated_at", "id")
    assert list(statuses.values_list("status", flat=True)) == ["valid", "suspended"]
    assert verify_pdf(pdf_bytes(statuses.last())).result == GENUINE


def test_the_qr_code_verifies_against_our_documents(certificate):
    from certbody.certificates.documents.verify import verify_code

    document = doc_svc.document_generate(actor=None, version=version_of(certificate))
    n, v = certificate.number, document.payload["version"]
    assert verify_code(n, v, document.key_id, pdf_mod.grouped(document.signature)).result == GENUINE
    assert verify_code("NFCC2099XX99999", v, document.key_id, document.signature).result == ALTERED
    other = pdf_mod.encode_signature(bytes(64))
    assert verify_code(n, v, document.key_id, other).result == UNKNOWN
    assert verify_code(n, v, document.key_id, "not base32!").result == ALTERED


def test_production_refuses_to_sign_without_a_configured_key(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from certbody.certificates.documents import keys

    settings.CERTBODY_SIGNING_KEY = ""
    settings.CERTBODY_SIGNING_KEY_REQUIRED = True  # as config/settings/prod.py says
    with pytest.raises(ImproperlyConfigured):
        keys.active_key()
    key_file = tmp_path / "key"
    key_file.write_text(KEY2)
    settings.CERTBODY_SIGNING_KEY_FILE = str(key_file)
    assert keys.active_key()[0] == keys.key_id_for(keys.raw_public(private_key_from_text(KEY2).public_key()))


def test_development_key_is_generated_once_into_var(settings, tmp_path):
    from certbody.certificates.documents import keys

    settings.CERTBODY_SIGNING_KEY = ""
    settings.VAR_DIR = tmp_path
    first = keys.active_key()[0]
    assert (tmp_path / "signing-key").stat().st_mode & 0o777 == 0o600
    assert keys.active_key()[0] == first


# --- the public page: the scanned QR code and an uploaded PDF ------------------------------------------------------


def _qr_text(pdf: bytes) -> str:
    """Render the PDF's page and decode its QR code, as a phone would."""
    import pypdfium2
    import zxingcpp

    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=3).to_pil()
    codes = [c for c in zxingcpp.read_barcodes(image) if c.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(codes) == 1
    return codes[0].text


def _verdict(response) -> str:
    import re

    found = re.search(rb'data-verdict="(\w+)"', response.content)
    return found.group(1).decode() if found else ""


def test_scanning_the_printed_qr_code_opens_a_genuine_verdict(certificate):
    from urllib.parse import urlsplit

    document = doc_svc.document_generate(actor=None, version=version_of(certificate))
    url = urlsplit(_qr_text(pdf_bytes(document)))
    assert url.path == reverse("website:verify", args=[certificate.number])
    page = Client().get(f"{url.path}?{url.query}")
    assert page.status_code == 200 and _verdict(page) == "genuine"
    assert certificate.number.encode() in page.content
    # The same code on another certificate's page, or with one character changed, is not genuine.
    other = sc.certified(sc.make_cast("沪"), certificate.scheme)
    assert _verdict(Client().get(f"{reverse('website:verify', args=[other.number])}?{url.query}")) == "altered"
    at = url.query.index("s=") + 12  # a character inside the signature (the last one also holds padding bits)
    flipped = url.query[:at] + ("A" if url.query[at] != "A" else "B") + url.query[at + 1 :]
    assert _verdict(Client().get(f"{url.path}?{flipped}")) in ("altered", "unknown")
    assert _verdict(Client().get(f"{url.path}?s=ABC&k=")) == "altered"  # incomplete code: said so, not an error
    assert _verdict(Client().get(url.path)) == ""  # no code: the registry record only


def test_anyone_can_check_a_pdf_on_the_public_page(certificate, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = doc_svc.document_generate(actor=None, version=version_of(certificate))
    check = reverse("website:check_document")
    client = Client()
    assert client.get(check).status_code == 200
    genuine = client.post(check, {"document": SimpleUploadedFile("c.pdf", pdf_bytes(document))})
    assert genuine.status_code == 200 and _verdict(genuine) == "genuine"

    original = pdf_mod.keywords(document.payload, document.key_id, document.signature)
    monkeypatch.setattr(pdf_mod, "keywords", lambda *a: original)
    forged_payload = {**document.payload, "holder_name": "伪造科技有限公司"}
    forged = pdf_mod.render_pdf(forged_payload, document.key_id, document.signature, URL)
    answer = client.post(check, {"document": SimpleUploadedFile("c.pdf", forged)})
    assert _verdict(answer) == "altered"

    not_pdf = client.post(check, {"document": SimpleUploadedFile("c.pdf", b"PK\x03\x04 not a pdf")})
    assert not_pdf.status_code == 422 and b"c.pdf" in not_pdf.content and _verdict(not_pdf) == ""
    assert client.post(check, {}).status_code == 422
