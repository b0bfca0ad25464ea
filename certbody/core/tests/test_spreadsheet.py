"""Formula injection: no export writes a cell a spreadsheet would evaluate, and every value comes back exactly."""

from __future__ import annotations

import csv
import importlib
import io
import pkgutil
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape as ooxml_unescape

import certbody
from certbody.core.spreadsheet import DANGEROUS, EXPORTS, Sheet, csv_text, safe_cell, unescape_cell, xlsx_bytes

# Each dangerous start, in front of a payload that is itself a formula (exports trim leading whitespace: a tab,
# CR or LF in front must still leave a dangerous value behind).
PREFIXES = ["=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠"]
HOSTILE = [p + "=1+2*cmd|' /C calc'!A0" for p in PREFIXES] + ["@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd"]
ROOT = Path(certbody.__file__).parent


def _import_all_modules() -> None:
    """Every module that could register an export (the registry fills as modules load)."""
    for info in pkgutil.walk_packages([str(ROOT)], prefix="certbody."):
        if re.search(r"\.(tests|migrations)(\.|$)", info.name) or info.name.endswith("conftest"):
            continue
        importlib.import_module(info.name)


# --- the exports, each fed hostile text in every text field --------------------------------------------------------


def _certificate_record(value: str, n: int = 1) -> dict[str, Any]:
    """What regulator.exports.export_records returns for one certificate, with `value` in every text field."""
    from certbody.certificates.models import Certificate

    unit = {
        "product_name": value,
        "models": [value, value + "2"],
        "version": value,
        "manufacturer": value,
        "production_site": value,
        "production_site_address": value,
    }
    return {
        "id": n,
        "number": value + str(n),
        "status": Certificate.Status.VALID,
        "version_no": 1,
        "first_issued_on": date(2025, 3, 1),
        "issued_on": date(2025, 3, 1),
        "expires_on": date(2028, 2, 29),
        "status_changed_at": datetime(2025, 3, 1, 8, 0),
        "holder_name": value,
        "product_name": value,
        "scheme__code": value,
        "scheme__name_zh": value,
        "organisation__uscc": value,
        "organisation__city": value,
        "organisation__country": value,
        "version": {
            "holder_name": value,
            "holder_address": value,
            "units": [unit],
            "standards": [{"code": value, "version": value}],
            "scheme_code": value,
        },
    }


def _cnca(value: str, monkeypatch) -> tuple[Any, list[list[str]], set[int]]:
    from certbody.regulator import exports

    records = [_certificate_record(value)]
    content = EXPORTS["regulator.cnca"].func(records)
    return content, [exports.CNCA_HEADERS, *[exports.cnca_row(r) for r in records]], {1, 12, 13, 14, 15}


def _iaf(value: str, monkeypatch) -> tuple[Any, list[list[str]], set[int]]:
    from certbody.regulator import exports

    monkeypatch.setattr(exports, "IAF_MAX_ROWS", 1)  # the zip of several files too
    records = [_certificate_record(value, 1), _certificate_record(value, 2)]
    content, ext = EXPORTS["regulator.iaf"].func(records)
    assert ext == "zip"
    expected = []
    for r in records:
        expected += [exports.IAF_COLUMNS, exports.iaf_row(r)]
    return content, expected, {1, 2, 3}


def _import_errors(value: str, monkeypatch) -> tuple[Any, list[list[str]], set[int]]:
    content = EXPORTS["regulator.import_errors"].func([[2, value, value]], [value, value, value])
    return content, [[value, value, value], ["2", value, value]], {0}


def _demo_template(value: str, monkeypatch) -> tuple[Any, list[list[str]], set[int]]:
    content = EXPORTS["publicsite.demo_template"].func(value, [value, value])
    return content, [[value], [value, value]], set()


# A new registered export without an entry here fails test_every_registered_export_has_a_hostile_value_test.
BUILDERS: dict[str, Callable[..., tuple[Any, list[list[str]], set[int]]]] = {
    "regulator.cnca": _cnca,
    "regulator.iaf": _iaf,
    "regulator.import_errors": _import_errors,
    "publicsite.demo_template": _demo_template,
}


def _xlsx_rows(content: bytes) -> list[list[Any]]:
    rows = []
    for sheet in load_workbook(io.BytesIO(content)).worksheets:
        for cells in sheet.iter_rows():
            values = []
            for cell in cells:
                assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"
                # openpyxl hands OOXML escapes (_x000D_) through; Excel decodes them
                value = ooxml_unescape(cell.value) if isinstance(cell.value, str) else cell.value
                if isinstance(value, str) and value[:1] in DANGEROUS:
                    assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
                values.append(value)
            while values and values[-1] is None:
                values.pop()
            rows.append(values)
    return rows


def read_back(fmt: str, content: Any) -> list[list[Any]]:
    """The exact values of a produced file, failing on any cell a spreadsheet would evaluate."""
    if fmt == "csv":
        text = content.decode("utf-8-sig") if isinstance(content, bytes) else content.lstrip("\ufeff")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        for row in rows:
            for cell in row:
                assert cell[:1] not in DANGEROUS, f"CSV cell starts a formula: {cell!r}"
        return [[unescape_cell(cell) for cell in row] for row in rows]
    if content[:4] == b"PK\x03\x04" and "xl/workbook.xml" not in zipfile.ZipFile(io.BytesIO(content)).namelist():
        rows = []
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for name in sorted(archive.namelist()):
                rows += _xlsx_rows(archive.read(name))
        return rows
    return _xlsx_rows(content)


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_export_writes_hostile_text_as_inert_exact_text(name, value, monkeypatch):
    _import_all_modules()
    content, expected, fixed = BUILDERS[name](value, monkeypatch)
    assert read_back(EXPORTS[name].fmt, content) == expected
    # The hostile value reached every text column (else this test would prove nothing for that column).
    for row in expected[1:]:
        if row in expected[:1]:
            continue  # a header row (the IAF zip repeats it per file)
        for i, cell in enumerate(row):
            if i not in fixed:
                assert cell[:1] in DANGEROUS, (name, i, cell)


def test_every_registered_export_has_a_hostile_value_test():
    _import_all_modules()
    assert set(EXPORTS) == set(BUILDERS)


def test_no_spreadsheet_is_written_outside_the_kernel_helper():
    """A new export cannot bypass the neutraliser: workbooks and CSV writers are made only in core.spreadsheet."""
    pattern = re.compile(r"\bWorkbook\(|csv\.(writer|DictWriter)\(|\bopenpyxl\.Workbook\b")
    offenders = []
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or path == ROOT / "core" / "spreadsheet.py":
            continue
        if pattern.search(path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# --- the neutraliser itself ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [*HOSTILE, "", "plain", "O'Brien", "'", "''", "'=x", "''=x", "'abc", "'-", "-", "=", 5, -5, None]
)
def test_csv_round_trip_is_lossless_and_inert(value):
    cell = safe_cell(value)
    if isinstance(cell, str):
        assert cell[:1] not in DANGEROUS
    assert unescape_cell(cell) == value


def test_csv_only_touches_dangerous_text():
    assert safe_cell("手机银行") == "手机银行" and safe_cell("O'Brien") == "O'Brien" and safe_cell("'abc") == "'abc"
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("＠x") == "'＠x" and safe_cell("'=1") == "''=1"


def test_xlsx_keeps_numbers_and_dates_typed():
    content = xlsx_bytes([Sheet("s", [["=1", 5, -5, date(2025, 3, 1), None, "x"]])])
    sheet = load_workbook(io.BytesIO(content)).active
    cells = next(iter(sheet.iter_rows()))
    assert [c.data_type for c in cells] == ["s", "n", "n", "d", "n", "s"]
    assert cells[0].value == "=1" and cells[1].value == 5 and not cells[5].quotePrefix


@pytest.mark.parametrize("value", ["\r=1", "a\r\nb", "_x000D_", "_x005F_x000D_", "a_xZZZZ_b"])
def test_xlsx_keeps_carriage_returns_and_literal_escapes_exact(value):
    sheet = load_workbook(io.BytesIO(xlsx_bytes([Sheet("s", [[value]])]))).active
    assert ooxml_unescape(sheet["A1"].value) == value


def test_csv_text_has_a_bom_for_excel():
    assert csv_text([["a"]]).startswith("\ufeff") and not csv_text([["a"]], bom=False).startswith("\ufeff")
