"""Import of legacy certificates and the regulator exports (issue 3, "Exchange")."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from certbody.certificates.models import Certificate, CertificateVersion
from certbody.clients.models import Organisation
from certbody.core.audit import verify_chain
from certbody.core.errors import InvalidInput
from certbody.core.models import AuditEvent
from certbody.core.workflow import status_override
from certbody.regulator import exports
from certbody.regulator.importing import IMPORT_KEYS
from certbody.regulator.models import ExportRun, ImportBatch
from certbody.regulator.services import certificates_import, export_request

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)
SCHEME = "NFCC-PC-B01"


def row(number: str, **over) -> dict[str, str]:
    base = {
        "number": number,
        "status": "01",
        "holder_name": "重庆历史银行股份有限公司",
        "holder_address": "重庆市渝中区解放碑1号",
        "holder_uscc": "",
        "scheme_code": SCHEME,
        "product_name": "手机银行客户端",
        "models": "V1; V2",
        "version": "1.0",
        "manufacturer": "重庆历史科技有限公司",
        "production_site": "研发中心",
        "standards": "JR/T 0092-2019; JR/T 0098.3-2012",
        "issued_on": "2025-03-01",
        "expires_on": "2028-02-29",
    }
    base.update(over)
    return base


def csv_bytes(rows: list[dict[str, str]], *, bom: bool = False, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=IMPORT_KEYS)
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode(encoding)


def do_import(actor, rows, mode=ImportBatch.Mode.ALL_OR_NOTHING, **kw) -> ImportBatch:
    return certificates_import(
        actor=actor, file_name="legacy.csv", content=csv_bytes(rows, **kw), mode=mode, today=TODAY
    )


# --- import --------------------------------------------------------------------------------------------------------


def test_import_creates_certificates_versions_and_holders(cast, software_scheme):
    batch = do_import(cast.quality, [row("NFCC-OLD-0001"), row("nfcc-old-0002", status="暂停")], bom=True)
    assert batch.status == ImportBatch.Status.IMPORTED and batch.rows_imported == 2
    first = Certificate.objects.get(number="NFCC-OLD-0001")
    assert first.status == Certificate.Status.VALID and first.scheme == software_scheme
    assert first.issued_on == date(2025, 3, 1) and first.expires_on == date(2028, 2, 29)
    assert Certificate.objects.get(number="NFCC-OLD-0002").status == Certificate.Status.SUSPENDED
    version = CertificateVersion.objects.get(certificate=first)
    assert version.units[0]["models"] == ["V1", "V2"]
    assert version.standards[0] == {"code": "JR/T 0092", "version": "2019", "title_zh": "", "title_en": ""}
    assert Organisation.objects.filter(name="重庆历史银行股份有限公司").count() == 1  # created once, used twice
    assert batch.organisations_created == 1


def test_import_finds_existing_holder_by_name(cast, software_scheme):
    do_import(cast.quality, [row("NFCC-OLD-0001", holder_name=cast.organisation.name)])
    assert Certificate.objects.get(number="NFCC-OLD-0001").organisation == cast.organisation


def test_import_registers_each_new_holder_once_by_code_or_name_with_one_audit_event(cast, software_scheme):
    coded = "91500000MA5U7AB121"
    assert not Organisation.objects.filter(uscc=coded).exists()
    rows = [
        row("NFCC-OLD-0001", holder_name="重庆甲科技有限公司", holder_uscc=coded),
        row("NFCC-OLD-0002", holder_name="重庆甲科技有限公司"),  # no code: the holder of that name in this file
        row("NFCC-OLD-0003", holder_name="重庆乙科技有限公司"),
        row("NFCC-OLD-0004", holder_name="重庆乙科技有限公司"),
        row("NFCC-OLD-0005", holder_name=cast.organisation.name),  # already a client
    ]
    before = AuditEvent.objects.count()
    batch = do_import(cast.quality, rows)
    assert batch.errors == [] and batch.organisations_created == 2
    holder = {c.number: c.organisation for c in Certificate.objects.filter(number__startswith="NFCC-OLD")}
    assert holder["NFCC-OLD-0001"] == holder["NFCC-OLD-0002"] and holder["NFCC-OLD-0001"].uscc == coded
    assert holder["NFCC-OLD-0003"] == holder["NFCC-OLD-0004"] and holder["NFCC-OLD-0003"].uscc is None
    assert holder["NFCC-OLD-0005"] == cast.organisation
    registered = AuditEvent.objects.get(action="organisation.bulk_create")
    assert registered.after["count"] == 2
    assert sorted(o[1] for o in registered.after["organisations"]) == ["重庆乙科技有限公司", "重庆甲科技有限公司"]
    assert AuditEvent.objects.count() == before + 2  # the holders and the batch, not one event per row
    assert verify_chain().ok


def test_one_bad_row_imports_nothing_and_names_row_and_reason(cast, software_scheme, english):
    rows = [row("NFCC-OLD-0001"), row("NFCC-OLD-0002", issued_on="2025-02-30"), row("NFCC-OLD-0003")]
    batch = do_import(cast.quality, rows)
    assert batch.status == ImportBatch.Status.REFUSED
    assert not Certificate.objects.filter(number__startswith="NFCC-OLD").exists()
    assert batch.errors == [[3, "issued_on", "not a date (YYYY-MM-DD)"]]  # header is row 1


def test_valid_rows_mode_imports_only_the_valid_rows(cast, software_scheme, english):
    rows = [row("NFCC-OLD-0001"), row("NFCC-OLD-0002", status="09"), row("NFCC-OLD-0003")]
    batch = do_import(cast.quality, rows, mode=ImportBatch.Mode.VALID_ROWS)
    assert batch.status == ImportBatch.Status.PARTIAL
    assert sorted(Certificate.objects.filter(number__startswith="NFCC-OLD").values_list("number", flat=True)) == [
        "NFCC-OLD-0001",
        "NFCC-OLD-0003",
    ]
    assert batch.rows_imported == 2 and batch.rows_rejected == 1
    assert batch.errors == [[3, "status", "not a CNCA status code 01–05 or a status name"]]


@pytest.mark.parametrize(
    ("over", "column", "reason"),
    [
        ({"number": ""}, "number", "required"),
        ({"number": "NFCC 0001"}, "number", "only letters"),
        ({"number": "N" * 61}, "number", "only letters"),
        ({"issued_on": "2026-06-02"}, "issued_on", "in the future"),
        ({"expires_on": "2025-03-01"}, "expires_on", "not after the grant date"),
        ({"expires_on": "2026-05-31"}, "expires_on", "past its expiry"),
        ({"scheme_code": "NOPE"}, "scheme_code", "no such scheme"),
        ({"holder_uscc": "123"}, "holder_uscc", "unified social credit code"),
        ({"holder_name": " "}, "holder_name", "required"),
    ],
)
def test_each_rule_refuses_a_bad_row(cast, software_scheme, english, over, column, reason):
    batch = do_import(cast.quality, [row("NFCC-OLD-0001"), row("NFCC-OLD-0002") | over])
    assert batch.status == ImportBatch.Status.REFUSED
    assert [(e[0], e[1]) for e in batch.errors] == [(3, column)]
    assert reason in batch.errors[0][2]


def test_duplicates_within_the_file_are_refused(cast, software_scheme, english):
    batch = do_import(cast.quality, [row("NFCC-OLD-0001"), row("nfcc-old-0001")])
    assert batch.errors == [[3, "number", "duplicate of row 2 in this file"]]
    assert not Certificate.objects.filter(number="NFCC-OLD-0001").exists()


def test_duplicates_against_the_register_are_refused(cast, software_scheme, english):
    do_import(cast.quality, [row("NFCC-OLD-0001")])
    batch = do_import(cast.quality, [row("NFCC-OLD-0002"), row("NFCC-OLD-0001")])
    assert batch.errors == [[3, "number", "a certificate with this number already exists"]]
    assert not Certificate.objects.filter(number="NFCC-OLD-0002").exists()


def test_import_batch_is_audited_once_not_per_row(cast, software_scheme):
    before = AuditEvent.objects.count()
    rows = [row(f"NFCC-OLD-{i:04d}", holder_name=cast.organisation.name) for i in range(50)]
    batch = do_import(cast.quality, rows)
    events = AuditEvent.objects.filter(seq__gt=before)
    assert [e.action for e in events] == ["certificate.import"]
    assert events[0].object_id == str(batch.pk) and events[0].after["rows_imported"] == 50
    assert len(batch.sha256) == 64
    assert verify_chain().ok


def test_binary_file_named_csv_is_refused(cast, software_scheme):
    content = bytes(range(256)) * 20
    with pytest.raises(InvalidInput) as exc:
        certificates_import(actor=cast.quality, file_name="legacy.csv", content=content)
    assert exc.value.code == "file_type"
    with pytest.raises(InvalidInput):  # a PDF renamed .csv
        certificates_import(actor=cast.quality, file_name="legacy.csv", content=b"%PDF-1.4\n...")
    assert not ImportBatch.objects.exists()


def test_gb18030_csv_is_read(cast, software_scheme):
    batch = do_import(cast.quality, [row("NFCC-OLD-0001")], encoding="gb18030")
    assert batch.rows_imported == 1
    assert Certificate.objects.get(number="NFCC-OLD-0001").holder_name == "重庆历史银行股份有限公司"


def test_xlsx_is_imported(cast, software_scheme):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(IMPORT_KEYS)
    values = row("NFCC-OLD-0001")
    values["issued_on"], values["expires_on"] = date(2025, 3, 1), date(2028, 2, 29)  # real Excel dates
    sheet.append([values[k] for k in IMPORT_KEYS])
    out = io.BytesIO()
    workbook.save(out)
    batch = certificates_import(actor=cast.quality, file_name="legacy.xlsx", content=out.getvalue(), today=TODAY)
    assert batch.file_format == "xlsx" and batch.rows_imported == 1


def test_only_quality_management_admin_may_import(cast, software_scheme):
    from certbody.core.errors import NotAllowed

    for user in (cast.market, cast.regulator, cast.client):
        with pytest.raises(NotAllowed):
            do_import(user, [row("NFCC-OLD-0001")])


def test_import_page_shows_the_error_report_and_offers_it_as_csv(cast, software_scheme, english):
    browser = Client()
    browser.force_login(cast.quality)
    upload = SimpleUploadedFile("legacy.csv", csv_bytes([row("NFCC-OLD-0001"), row("NFCC-OLD-0002", status="xx")]))
    response = browser.post(reverse("regulator:imports"), {"file": upload, "mode": "all"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    page = browser.get(response["Location"])
    assert "not a CNCA status code" in page.content.decode()
    batch = ImportBatch.objects.get()
    report = browser.get(reverse("regulator:imports"), {"batch": batch.pk, "format": "csv"})
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[1] == ["3", "status", "not a CNCA status code 01–05 or a status name"]


def test_import_page_refuses_a_binary_file_with_a_message(cast, software_scheme):
    browser = Client()
    browser.force_login(cast.quality)
    upload = SimpleUploadedFile("legacy.csv", b"\x00\x01\x02binary" * 100)
    response = browser.post(reverse("regulator:imports"), {"file": upload, "mode": "all"})
    assert response.status_code == 422
    assert not ImportBatch.objects.exists()


# --- exports -------------------------------------------------------------------------------------------------------


def _imported(cast, n: int, **over) -> None:
    rows = [row(f"NFCC-OLD-{i:05d}", holder_name=cast.organisation.name, **over) for i in range(n)]
    certificates_import(actor=cast.quality, file_name="x.csv", content=csv_bytes(rows))


def _sheet(content: bytes) -> list[list]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]


def _run(actor, kind, **kw) -> ExportRun:
    run = export_request(actor=actor, kind=kind, **kw)
    run.refresh_from_db()  # the job ran on commit (eager without a broker)
    return run


def test_cnca_export_has_the_fixed_headers_codes_trimming_and_dates(
    cast, software_scheme, django_capture_on_commit_callbacks
):
    rows = [
        row("nfcc-old-0001", holder_name=f"  {cast.organisation.name} ", product_name="手机银行\n客户端"),
        row("NFCC-OLD-0002", status="注销"),
    ]
    certificates_import(actor=cast.quality, file_name="x.csv", content=csv_bytes(rows))
    Organisation.objects.filter(pk=cast.organisation.pk).update(uscc="91500000MA5U7AB12X".lower())
    records = exports.export_records(since=None, until=timezone.now(), changes_only=True)
    sheet = _sheet(exports.cnca_xlsx(records))
    assert sheet[0] == [
        "证书编号", "证书状态", "认证项目", "认证项目名称", "认证依据", "获证组织名称", "统一社会信用代码",
        "获证组织地址", "产品名称", "产品型号", "生产者（制造商）", "生产企业", "颁证日期", "证书到期日期",
        "初次颁证日期", "状态变更日期",
    ]  # fmt: skip
    by_number = {r[0]: r for r in sheet[1:]}
    first = by_number["NFCC-OLD-0001"]
    assert first[1] == "01" and by_number["NFCC-OLD-0002"][1] == "04"
    assert first[2] == "NFCC-PC-B01"
    assert first[4] == "JR/T 0092-2019; JR/T 0098.3-2012"
    assert first[5] == cast.organisation.name  # trimmed
    assert first[6] == "91500000MA5U7AB12X"  # upper-case code
    assert first[8] == "手机银行 客户端"  # no line break in a cell
    assert first[9] == "V1; V2"
    assert first[12:15] == ["2025-03-01", "2028-02-29", "2025-03-01"]
    assert all(isinstance(c, str) and c == c.strip() for r in sheet for c in r if c is not None)


def test_iaf_export_has_the_fixed_columns_statuses_and_dates(cast, software_scheme):
    certificates_import(
        actor=cast.quality,
        file_name="x.csv",
        content=csv_bytes(
            [row("NFCC-OLD-0001", holder_name=cast.organisation.name), row("NFCC-OLD-0002", status="03")]
        ),
    )
    records = exports.export_records(since=None, until=timezone.now(), changes_only=True)
    content, ext = exports.iaf_upload(records)
    sheet = _sheet(content)
    assert ext == "xlsx"
    assert sheet[0] == [
        "certificate_number", "certification_status", "issue_date", "expiry_date", "certified_entity_name", "address",
        "city", "country", "scheme", "standards", "scope", "sites",
    ]  # fmt: skip
    by_number = {r[0]: r for r in sheet[1:]}
    assert by_number["NFCC-OLD-0001"][1:4] == ["active", "20250301", "20280229"]
    assert by_number["NFCC-OLD-0002"][1] == "withdrawn"
    assert by_number["NFCC-OLD-0001"][6:8] == ["重庆", "CN"]
    body = exports.iaf_json(records)["certificates"]
    first = next(c for c in body if c["certificate_number"] == "NFCC-OLD-0001")
    assert first["schemes"] == [{"scheme": "NFCC-PC-B01", "standards": ["JR/T 0092:2019", "JR/T 0098.3:2012"]}]
    assert first["sites"] == [{"name": "研发中心", "address": ""}]
    assert first["issue_date"] == "20250301"


def test_iaf_upload_splits_into_files_of_at_most_10000_rows(cast, software_scheme):
    _imported(cast, 10_001)
    records = exports.export_records(since=None, until=timezone.now(), changes_only=True)
    content, ext = exports.iaf_upload(records)
    assert ext == "zip"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = sorted(archive.namelist())
        sizes = [len(_sheet(archive.read(n))) - 1 for n in names]
    assert names == ["certsearch-001.xlsx", "certsearch-002.xlsx"]
    assert sizes == [10_000, 1]
    _imported_exact = exports.iaf_upload(records[:10_000])
    assert _imported_exact[1] == "xlsx"


def test_changes_since_last_export_lists_only_what_changed(cast, software_scheme, django_capture_on_commit_callbacks):
    _imported(cast, 3)
    with django_capture_on_commit_callbacks(execute=True):
        first = export_request(actor=cast.regulator, kind="cnca", changes_only=True)
    first.refresh_from_db()
    assert first.status == ExportRun.Status.DONE and first.row_count == 3
    changed = Certificate.objects.get(number="NFCC-OLD-00001")
    with status_override():  # a change after the cutoff, without a suspension's paperwork
        Certificate.objects.filter(pk=changed.pk).update(
            status=Certificate.Status.SUSPENDED, status_changed_at=timezone.now() + timedelta(seconds=1)
        )
    with django_capture_on_commit_callbacks(execute=True):
        second = export_request(actor=cast.regulator, kind="cnca", changes_only=True)
    second.refresh_from_db()
    assert second.row_count == 1 and second.since == first.cutoff
    rows = _sheet(second.file.read())
    assert rows[1][:2] == ["NFCC-OLD-00001", "02"]
    # Another kind keeps its own "last export".
    with django_capture_on_commit_callbacks(execute=True):
        iaf = export_request(actor=cast.regulator, kind="iaf", changes_only=True)
    iaf.refresh_from_db()
    assert iaf.row_count == 3 and json.loads(iaf.json_file.read())["certificates"]


def test_date_range_export(cast, software_scheme, django_capture_on_commit_callbacks):
    _imported(cast, 2)
    old = [row("NFCC-OLD-10000", holder_name=cast.organisation.name, issued_on="2020-01-05", expires_on="2023-01-04",
               status="05")]  # fmt: skip
    certificates_import(actor=cast.quality, file_name="y.csv", content=csv_bytes(old))
    Certificate.objects.filter(number="NFCC-OLD-10000").update(
        updated_at=timezone.now() - timedelta(days=2000), status_changed_at=timezone.now() - timedelta(days=2000)
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = export_request(actor=cast.quality, kind="cnca", date_from=date(2020, 1, 1), date_to=date(2020, 1, 31))
    run.refresh_from_db()
    assert run.row_count == 1
    assert _sheet(run.file.read())[1][:2] == ["NFCC-OLD-10000", "05"]


def test_export_needs_a_range_or_changes(cast):
    with pytest.raises(InvalidInput):
        export_request(actor=cast.regulator, kind="cnca")
    with pytest.raises(InvalidInput):
        export_request(actor=cast.regulator, kind="cnca", date_from=date(2026, 2, 1), date_to=date(2026, 1, 1))


def test_export_commands_write_files(cast, software_scheme, tmp_path):
    _imported(cast, 2)
    call_command("export_cnca", "--changes", "--output", str(tmp_path / "cnca.xlsx"))
    assert _sheet((tmp_path / "cnca.xlsx").read_bytes())[0][0] == "证书编号"
    call_command("export_iaf", "--from", "2025-01-01", "--to", "2025-12-31", "--output", str(tmp_path / "iaf"))
    files = sorted(p.suffix for p in (tmp_path / "iaf").iterdir())
    assert files == [".json", ".xlsx"]
    assert ExportRun.objects.filter(status=ExportRun.Status.DONE).count() == 2


def test_export_page_requests_and_downloads(cast, software_scheme, django_capture_on_commit_callbacks):
    _imported(cast, 2)
    browser = Client()
    browser.force_login(cast.regulator)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(reverse("regulator:exports"), {"kind": "iaf", "changes_only": "on"})
    assert response.status_code == 302
    run = ExportRun.objects.get()
    download = browser.get(reverse("regulator:exports"), {"download": run.pk})
    assert download.status_code == 200
    assert _sheet(b"".join(download.streaming_content))[1][0] == "NFCC-OLD-00000"
    body = browser.get(reverse("regulator:exports"), {"download": run.pk, "part": "json"})
    assert json.loads(b"".join(body.streaming_content))["certificates"][0]["certificate_number"] == "NFCC-OLD-00000"
    bad = browser.post(reverse("regulator:exports"), {"kind": "cnca"})
    assert bad.status_code == 422


def test_too_large_file_is_refused(cast, software_scheme, settings):
    settings.CERTBODY_MAX_IMPORT_BYTES = 100
    with pytest.raises(InvalidInput) as exc:
        do_import(cast.quality, [row("NFCC-OLD-0001")])
    assert exc.value.code == "file_too_large"


def test_unknown_or_missing_columns_are_refused_with_their_names(cast, software_scheme, english):
    content = b"number,status,colour\nNFCC-OLD-0001,01,red\n"
    with pytest.raises(InvalidInput) as exc:
        certificates_import(actor=cast.quality, file_name="legacy.csv", content=content)
    assert "colour" in exc.value.message and "holder_name" in exc.value.message
    assert not ImportBatch.objects.exists()


def test_chinese_headers_are_accepted(cast, software_scheme):
    from certbody.regulator.importing import IMPORT_HEADERS_ZH

    zh = {key: text for text, key in IMPORT_HEADERS_ZH.items()}
    values = row("NFCC-OLD-0001")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([zh[k] for k in IMPORT_KEYS])
    writer.writerow([values[k] for k in IMPORT_KEYS])
    batch = certificates_import(actor=cast.quality, file_name="x.csv", content=out.getvalue().encode(), today=TODAY)
    assert batch.rows_imported == 1
