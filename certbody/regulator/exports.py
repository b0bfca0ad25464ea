"""The fixed export formats: CNCA 证书信息表 and the IAF CertSearch upload (xlsx and JSON body).

Sources (docs/DOMAIN.md):
- CNCA: "certificate and activity data to CNCA monthly ... in fixed Excel sheets (审核计划信息表, 证书信息表,
  审核结果信息表) with fixed headers, trimmed cells, upper-case codes"; the CNCA public query for voluntary product
  certificates shows status, dates, certification project, standard, product name and model, applicant, producer,
  manufacturer. CNCA_HEADERS is that sheet's column list, in this order; status as the CNCA code 01–05
  (认证认可条例: 01 有效, 02 暂停, 03 撤销, 04 注销, 05 过期失效); dates YYYY-MM-DD.
- IAF CertSearch: "upload fields: certificate_number, certification_status (active/suspended/withdrawn/
  cancelled/expired...), issue/expiry dates (YYYYMMDD), certified_entity_name, address, city, country,
  schemes[].standards[], scope, sites[]. Excel upload: .xlsx only, fixed columns, at most 10,000 rows a file."
  Several files are zipped when there are more rows.
Changing a header or its order breaks the regulator's import: the tests pin them.
Cells are written by certbody.core.spreadsheet: typed text holding the exact value, never a formula.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from typing import Any

from django.db.models import F, Q

from certbody.certificates.models import Certificate, CertificateVersion
from certbody.core.spreadsheet import Sheet, csv_text, register_export, xlsx_bytes

CNCA_SHEET = "证书信息表"
CNCA_HEADERS = [
    "证书编号",  # certificate number (upper case)
    "证书状态",  # CNCA status code 01–05
    "认证项目",  # scheme code (upper case)
    "认证项目名称",  # scheme name
    "认证依据",  # standards with versions, separated by ;
    "获证组织名称",  # holder (applicant)
    "统一社会信用代码",  # holder USCC (upper case)
    "获证组织地址",  # holder address
    "产品名称",  # product name(s)
    "产品型号",  # models, separated by ;
    "生产者（制造商）",  # manufacturer
    "生产企业",  # production site
    "颁证日期",  # grant date of the current version, YYYY-MM-DD
    "证书到期日期",  # expiry, YYYY-MM-DD
    "初次颁证日期",  # first issued, YYYY-MM-DD
    "状态变更日期",  # date of the last status change, YYYY-MM-DD
]

IAF_MAX_ROWS = 10_000
IAF_SHEET = "certificates"
IAF_COLUMNS = [
    "certificate_number",
    "certification_status",
    "issue_date",
    "expiry_date",
    "certified_entity_name",
    "address",
    "city",
    "country",
    "scheme",
    "standards",
    "scope",
    "sites",
]
IAF_STATUS = {
    Certificate.Status.VALID: "active",
    Certificate.Status.SUSPENDED: "suspended",
    Certificate.Status.WITHDRAWN: "withdrawn",
    Certificate.Status.CANCELLED: "cancelled",
    Certificate.Status.EXPIRED: "expired",
}
CHUNK = 5000


def clean(value: Any) -> str:
    """A cell as the regulators want it: text, whitespace trimmed and collapsed, no line breaks."""
    return " ".join(str(value or "").split())


def export_records(
    *,
    since: datetime | None,
    until: datetime,
    date_from: date | None = None,
    date_to: date | None = None,
    changes_only: bool = False,
) -> list[dict[str, Any]]:
    """The certificates of an export with their current version, as plain records, in number order.

    Date range: certificates granted, or whose status or data changed, within it. Changes since the last export:
    certificates whose status_changed_at or updated_at is after it (everything, the first time).
    """
    qs = Certificate.objects.filter(Q(updated_at__lte=until) | Q(status_changed_at__lte=until))
    if changes_only:
        if since is not None:
            qs = qs.filter(Q(status_changed_at__gt=since) | Q(updated_at__gt=since))
    else:
        qs = qs.filter(
            Q(issued_on__range=(date_from, date_to))
            | Q(status_changed_at__date__range=(date_from, date_to))
            | Q(updated_at__date__range=(date_from, date_to))
        )
    certs = list(
        qs.order_by("number").values(
            "id",
            "number",
            "status",
            "version_no",
            "first_issued_on",
            "issued_on",
            "expires_on",
            "status_changed_at",
            "holder_name",
            "product_name",
            "scheme__code",
            "scheme__name_zh",
            "organisation__uscc",
            "organisation__city",
            "organisation__country",
        )
    )
    versions: dict[int, dict[str, Any]] = {}
    ids = [c["id"] for c in certs]
    for i in range(0, len(ids), CHUNK):
        for v in (
            CertificateVersion.objects.filter(
                certificate_id__in=ids[i : i + CHUNK], version_no=F("certificate__version_no")
            )
            .values("certificate_id", "holder_name", "holder_address", "units", "standards", "scheme_code")
            .iterator()
        ):
            versions[v["certificate_id"]] = v
    for c in certs:
        c["version"] = versions.get(c["id"]) or {}
    return certs


def _standards_text(standards: list[dict[str, Any]]) -> str:
    parts = []
    for s in standards or []:
        code, version = clean(s.get("code")), clean(s.get("version"))
        parts.append(f"{code}-{version}" if version else code)
    return "; ".join(parts)


def _units(record: dict[str, Any]) -> list[dict[str, Any]]:
    return record["version"].get("units") or []


def _join(values: list[str]) -> str:
    seen: list[str] = []
    for v in values:
        v = clean(v)
        if v and v not in seen:
            seen.append(v)
    return "; ".join(seen)


def _d(value: date | None, fmt: str = "%Y-%m-%d") -> str:
    return value.strftime(fmt) if value else ""


def cnca_row(r: dict[str, Any]) -> list[str]:
    units = _units(r)
    version = r["version"]
    changed = r["status_changed_at"]
    return [
        clean(r["number"]).upper(),
        Certificate.CNCA_CODES[r["status"]],
        clean(r["scheme__code"]).upper(),
        clean(r["scheme__name_zh"]),
        _standards_text(version.get("standards") or []),
        clean(version.get("holder_name") or r["holder_name"]),
        clean(r["organisation__uscc"]).upper(),
        clean(version.get("holder_address")),
        _join([u.get("product_name", "") for u in units]) or clean(r["product_name"]),
        _join([m for u in units for m in u.get("models") or []]),
        _join([u.get("manufacturer", "") for u in units]),
        _join([u.get("production_site", "") for u in units]),
        _d(r["issued_on"]),
        _d(r["expires_on"]),
        _d(r["first_issued_on"]),
        _d(changed.date() if changed else None),
    ]


def _xlsx(sheet_title: str, headers: list[str], rows: list[list[str]]) -> bytes:
    return xlsx_bytes([Sheet(sheet_title, [headers, *rows])])


@register_export("regulator.cnca", "xlsx")
def cnca_xlsx(records: list[dict[str, Any]]) -> bytes:
    return _xlsx(CNCA_SHEET, CNCA_HEADERS, [cnca_row(r) for r in records])


def iaf_record(r: dict[str, Any]) -> dict[str, Any]:
    units = _units(r)
    version = r["version"]
    standards = [
        clean(s.get("code")) + (f":{clean(s.get('version'))}" if s.get("version") else "")
        for s in version.get("standards") or []
    ]
    scope = _join(
        [
            " ".join(filter(None, [clean(u.get("product_name")), " / ".join(u.get("models") or []), u.get("version")]))
            for u in units
        ]
    ) or clean(r["product_name"])
    sites = []
    for u in units:
        name = clean(u.get("production_site"))
        if name and name not in [s["name"] for s in sites]:
            sites.append({"name": name, "address": clean(u.get("production_site_address"))})
    return {
        "certificate_number": clean(r["number"]).upper(),
        "certification_status": IAF_STATUS[r["status"]],
        "issue_date": _d(r["issued_on"], "%Y%m%d"),
        "expiry_date": _d(r["expires_on"], "%Y%m%d"),
        "certified_entity_name": clean(version.get("holder_name") or r["holder_name"]),
        "address": clean(version.get("holder_address")),
        "city": clean(r["organisation__city"]),
        "country": clean(r["organisation__country"]).upper(),
        "schemes": [{"scheme": clean(r["scheme__code"]).upper(), "standards": standards}],
        "scope": scope,
        "sites": sites,
    }


def iaf_row(r: dict[str, Any]) -> list[str]:
    rec = iaf_record(r)
    return [
        rec["certificate_number"],
        rec["certification_status"],
        rec["issue_date"],
        rec["expiry_date"],
        rec["certified_entity_name"],
        rec["address"],
        rec["city"],
        rec["country"],
        rec["schemes"][0]["scheme"],
        "; ".join(rec["schemes"][0]["standards"]),
        rec["scope"],
        "; ".join(s["name"] for s in rec["sites"]),
    ]


@register_export("regulator.iaf", "xlsx")
def iaf_upload(records: list[dict[str, Any]]) -> tuple[bytes, str]:
    """(content, extension): one xlsx up to IAF_MAX_ROWS rows, else a zip of xlsx files of at most that many."""
    rows = [iaf_row(r) for r in records]
    if len(rows) <= IAF_MAX_ROWS:
        return _xlsx(IAF_SHEET, IAF_COLUMNS, rows), "xlsx"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, start in enumerate(range(0, len(rows), IAF_MAX_ROWS), 1):
            archive.writestr(
                f"certsearch-{n:03d}.xlsx", _xlsx(IAF_SHEET, IAF_COLUMNS, rows[start : start + IAF_MAX_ROWS])
            )
    return out.getvalue(), "zip"


def iaf_json(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"certificates": [iaf_record(r) for r in records]}


@register_export("regulator.import_errors", "csv")
def import_errors_csv(errors: list[list[Any]], headers: list[str]) -> str:
    """The per-row report of a legacy import: (row, column, reason) a line."""
    return csv_text([headers, *errors])
