"""Upload attacks on the application file: every one refused with a message naming the file, and nothing lost."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from certbody.applications import dossier as dossier_svc
from certbody.applications.models import Document
from certbody.core.errors import InvalidInput
from certbody.core.tests.pages import form_errors
from certbody.demo import scenarios as sc
from certbody.demo.scenarios import MINIMAL_PDF

from .helpers import PNG, RawUpload, pdf, portal_application, zip_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(cast, software_scheme):
    application = portal_application(cast, software_scheme)
    browser = Client()
    browser.force_login(cast.client)
    browser.cookies["django_language"] = "en"
    return cast, application, browser


def _post(browser, application, **files):
    return browser.post(
        reverse("portal:documents", args=[application.pk]),
        {"action": "upload", **{f"file_{k}": v for k, v in files.items()}},
    )


def _kept(application):
    return sorted(Document.objects.filter(application=application).values_list("item", "version", "sha256"))


def _refused(response, *needles):
    assert response.status_code == 422
    errors = form_errors(response)
    for needle in needles:
        assert needle in errors, errors
    return errors


def test_wrong_type_with_a_pdf_name_is_refused_and_a_good_file_in_the_same_batch_is_kept(setup):
    _cast, application, browser = setup
    before = _kept(application)
    response = _post(
        browser,
        application,
        manual=SimpleUploadedFile("manual.pdf", b"MZ\x90\x00 this is a Windows program"),
        declarations=SimpleUploadedFile("declarations.pdf", MINIMAL_PDF + b"%v2"),
    )
    _refused(response, "manual.pdf", "content was checked")
    after = _kept(application)
    assert len(after) == len(before) + 1 and ("declarations", 2) in [(i, v) for i, v, _h in after]
    assert set(before) <= set(after)  # the earlier versions are all still there


def test_an_image_named_pdf_is_refused_for_the_mismatch(setup):
    _cast, application, browser = setup
    before = _kept(application)
    _refused(_post(browser, application, manual=SimpleUploadedFile("scan.pdf", PNG)), "scan.pdf", "PNG")
    assert _kept(application) == before


def test_an_oversize_file_is_refused(setup):
    _cast, application, browser = setup
    before = _kept(application)
    with override_settings(CERTBODY_MAX_UPLOAD_BYTES=1024):
        _refused(_post(browser, application, manual=pdf("big.pdf", b"0" * 4096)), "big.pdf", "larger than")
    assert _kept(application) == before


def test_a_zip_bomb_is_refused(setup):
    _cast, application, browser = setup
    bomb = zip_bytes({"a.bin": b"\x00" * (40 * 1024 * 1024)})  # 40 MB of zeros in a few dozen KB
    assert len(bomb) < 200 * 1024
    before = _kept(application)
    _refused(
        _post(browser, application, quality_documents=SimpleUploadedFile("quality.zip", bomb)),
        "quality.zip",
        "zip bomb",
    )
    assert _kept(application) == before


def test_a_zip_whose_entries_climb_out_is_refused(setup):
    _cast, application, browser = setup
    evil = zip_bytes({"../../etc/cron.d/evil": b"* * * * * root sh", "ok.txt": b"ok"})
    before = _kept(application)
    _refused(
        _post(browser, application, quality_documents=SimpleUploadedFile("docs.zip", evil)),
        "docs.zip",
        "../../etc/cron.d/evil",
    )
    assert _kept(application) == before


def test_a_file_name_with_a_path_is_refused_by_the_service(setup):
    cast, application, _browser = setup
    for name in ("../../evil.pdf", "..\\..\\evil.pdf", "/etc/passwd.pdf", "ok\x00.pdf"):
        with pytest.raises(InvalidInput) as err:
            dossier_svc.document_upload(
                actor=cast.client, application=application, item="manual", upload=RawUpload(name, MINIMAL_PDF)
            )
        assert err.value.code == "file_name"
    # Two dots inside an ordinary name are just a name.
    kept = dossier_svc.document_upload(
        actor=cast.client, application=application, item="manual", upload=RawUpload("说明书..终版.pdf", MINIMAL_PDF)
    )
    assert kept.original_name == "说明书..终版.pdf"


def test_a_path_in_the_posted_file_name_never_reaches_the_disk(setup, settings):
    _cast, application, browser = setup
    # Django keeps only the last part of a posted name; the file itself is stored under a random name anyway.
    _post(browser, application, manual=SimpleUploadedFile("../../../evil.pdf", MINIMAL_PDF + b"%x"))
    document = Document.objects.filter(application=application, item="manual").order_by("-version").first()
    assert document.original_name == "evil.pdf"
    assert document.file.name.startswith(f"portal/{application.pk}/") and ".." not in document.file.name
    assert "evil" not in document.file.name


def test_office_documents_images_and_plain_zips_are_accepted(setup):
    _cast, application, browser = setup
    docx = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    response = _post(
        browser,
        application,
        manual=SimpleUploadedFile("manual.docx", docx),
        declarations=SimpleUploadedFile("scan.png", PNG),
        quality_documents=SimpleUploadedFile("quality.zip", zip_bytes({"manual.pdf": MINIMAL_PDF})),
    )
    assert response.status_code == 302
    kinds = dict(Document.objects.filter(application=application, version=2).values_list("item", "content_type"))
    assert kinds["manual"].endswith("wordprocessingml.document") and kinds["declarations"] == "image/png"
    assert kinds["quality_documents"] == "application/zip"


def test_another_organisations_document_id_is_not_found(setup, software_scheme):
    cast, application, browser = setup
    other = sc.make_cast(prefix="o_", password=None)
    theirs = portal_application(other, software_scheme)
    document = theirs.documents.first()
    assert browser.get(reverse("portal:document", args=[document.pk])).status_code == 404
    before = _kept(theirs)
    response = browser.post(
        reverse("portal:documents", args=[theirs.pk]), {"action": "upload", "file_manual": pdf("x.pdf")}
    )
    assert response.status_code == 404 and _kept(theirs) == before
    # ...and through the service, naming their application
    with pytest.raises(Exception) as err:
        dossier_svc.document_upload(actor=cast.client, application=theirs, item="manual", upload=pdf("x.pdf"))
    assert getattr(err.value, "code", "") == "forbidden"
    own = browser.get(reverse("portal:document", args=[application.documents.first().pk]))
    assert own.status_code == 200 and own["Content-Disposition"].startswith("attachment")


def test_a_unit_typed_with_an_error_keeps_everything_typed(setup):
    _cast, application, browser = setup
    data = {
        "action": "add",
        "product_name": "网银盾",
        "model_names": "K1, K2",  # several models need a difference statement
        "version": "2.0",
        "trademark": "安心",
        "manufacturer_name": "深圳某电子",
        "manufacturer_address": "深圳市南山区",
        "site_name": "龙岗工厂",
        "site_address": "深圳市龙岗区",
        "difference_statement": "",
    }
    response = browser.post(reverse("portal:units", args=[application.pk]), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "difference statement" in form_errors(response)
    for value in ("网银盾", "K1, K2", "深圳某电子", "深圳市南山区", "龙岗工厂", "安心"):
        assert f'value="{value}"' in text
    assert application.units.count() == 1
