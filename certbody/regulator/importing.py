"""Reading and validating legacy certificate files (CSV, XLSX). Pure Python over rows: no query per row.

The import columns are fixed; the first row of the file names them (the keys below, in English, or the Chinese
headers of IMPORT_HEADERS_ZH). Columns may come in any order; unknown columns are refused so that a misnamed
column is not silently dropped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certbody.certificates.models import Certificate
from certbody.clients.validators import is_valid_uscc
from certbody.core.errors import InvalidInput
from certbody.core.spreadsheet import QUOTE, unescape_cell
from certbody.core.uploads import sniff

# Import columns: (key, required, label). The key is the header in the file; the Chinese header is accepted too.
IMPORT_COLUMNS: list[tuple[str, bool, Any]] = [
    ("number", True, gettext_lazy("certificate number")),
    ("status", True, gettext_lazy("status (CNCA code 01–05 or name)")),
    ("holder_name", True, gettext_lazy("holder name")),
    ("holder_address", True, gettext_lazy("holder address")),
    ("holder_uscc", False, gettext_lazy("holder unified social credit code")),
    ("scheme_code", True, gettext_lazy("scheme code")),
    ("product_name", True, gettext_lazy("product name")),
    ("models", False, gettext_lazy("models (separated by ;)")),
    ("version", False, gettext_lazy("version")),
    ("manufacturer", False, gettext_lazy("manufacturer")),
    ("production_site", False, gettext_lazy("production site")),
    ("standards", False, gettext_lazy("standards (separated by ;)")),
    ("issued_on", True, gettext_lazy("issued date (YYYY-MM-DD)")),
    ("expires_on", True, gettext_lazy("expiry date (YYYY-MM-DD)")),
]
IMPORT_KEYS = [key for key, _req, _label in IMPORT_COLUMNS]
IMPORT_HEADERS_ZH = {
    "证书编号": "number",
    "证书状态": "status",
    "持证人名称": "holder_name",
    "持证人地址": "holder_address",
    "统一社会信用代码": "holder_uscc",
    "认证方案代码": "scheme_code",
    "产品名称": "product_name",
    "型号": "models",
    "版本": "version",
    "制造商": "manufacturer",
    "生产企业": "production_site",
    "认证依据": "standards",
    "颁证日期": "issued_on",
    "到期日期": "expires_on",
}

NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/_.()]*$")
NUMBER_MAX = 60
LIST_SPLIT = re.compile(r"\s*[;；、]\s*")
STANDARD_RE = re.compile(r"^(.*?)\s*[-—–]\s*(\d{4})$")
DATE_RE = re.compile(r"^(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})$")
S = Certificate.Status
STATUS_BY_TEXT: dict[str, str] = {}
for _status, _code in Certificate.CNCA_CODES.items():
    STATUS_BY_TEXT[_code] = _status
    STATUS_BY_TEXT[str(int(_code))] = _status
    STATUS_BY_TEXT[_status.value] = _status
for _status, _names in {
    S.VALID: ("有效", "active", "valid"),
    S.SUSPENDED: ("暂停", "suspended"),
    S.WITHDRAWN: ("撤销", "withdrawn"),
    S.CANCELLED: ("注销", "cancelled", "canceled"),
    S.EXPIRED: ("过期失效", "过期", "expired"),
}.items():
    for _name in _names:
        STATUS_BY_TEXT[_name] = _status
LIMITS = {"holder_name": 200, "holder_address": 300, "product_name": 200, "version": 60}


@dataclass(slots=True)
class Row:
    """A validated row, ready to insert."""

    line: int
    number: str
    status: str
    holder_name: str
    holder_address: str
    holder_uscc: str
    scheme_code: str
    product_name: str
    models: list[str]
    version: str
    manufacturer: str
    production_site: str
    standards: list[dict[str, str]]
    issued_on: date
    expires_on: date


@dataclass
class Validation:
    rows: list[Row] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, reason)
    total: int = 0
    bad_lines: set[int] = field(default_factory=set)

    def error(self, line: int, column: str, reason: str) -> None:
        self.errors.append((line, column, reason))
        self.bad_lines.add(line)


# --- reading --------------------------------------------------------------------------------------------------------


def decode_text(content: bytes) -> str:
    """CSV is text: UTF-8 (with or without BOM), else GB18030 (what Chinese Excel saves); binary is refused."""
    head = content[:65536]
    if b"\x00" in head:
        raise InvalidInput(
            _("The file is not a CSV text file (its content was checked, not its name)."), code="file_type"
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Control characters other than tab and line ends mean it was not text after all.
        if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text[:65536]):
            break
        return text
    raise InvalidInput(
        _("The file is not a CSV text file in UTF-8 or GB18030 (its content was checked, not its name)."),
        code="file_type",
    )


def read_rows(content: bytes) -> tuple[str, Iterator[list[Any]]]:
    """(format, rows including the header row) of an upload, judged by its bytes, never its name."""
    kind = sniff(content)
    if kind == "application/zip":
        return "xlsx", _xlsx_rows(content)
    if kind is not None:
        raise InvalidInput(
            _("Upload a CSV or an XLSX file; this file is %(kind)s (its content was checked, not its name).")
            % {"kind": kind},
            code="file_type",
        )
    text = decode_text(content)
    return "csv", _csv_rows(text)


def _csv_rows(text: str) -> Iterator[list[str]]:
    """CSV rows with the `'` that keeps a formula-like value from running (core.spreadsheet) taken off again.

    XLSX cells need no such step: ours are typed text holding the exact value.
    """
    for row in csv.reader(io.StringIO(text, newline="")):
        if any(cell[:1] == QUOTE for cell in row):
            row = [unescape_cell(cell) for cell in row]
        yield row


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a zip that is not a workbook, or a damaged one
        raise InvalidInput(_("The file is not a readable XLSX workbook."), code="file_type") from exc

    def rows() -> Iterator[list[Any]]:
        try:
            sheet = workbook.worksheets[0]
            for values in sheet.iter_rows(values_only=True):
                # Text as the CSV path sees it; dates stay dates (Excel stores them as such).
                yield [
                    "" if v is None else v if isinstance(v, date) else f"{v:g}" if isinstance(v, float) else str(v)
                    for v in values
                ]
        finally:
            workbook.close()

    return rows()


# --- validating -----------------------------------------------------------------------------------------------------


def _header(cells: list[Any]) -> list[str]:
    keys = []
    for cell in cells:
        text = str(cell).strip().lstrip("\ufeff")
        key = IMPORT_HEADERS_ZH.get(text, text.lower())
        keys.append(key)
    unknown = [k for k in keys if k and k not in IMPORT_KEYS]
    missing = [k for k, required, _label in IMPORT_COLUMNS if required and k not in keys]
    if unknown or missing:
        raise InvalidInput(
            _("The first row must name the import columns. Unknown: %(unknown)s. Missing: %(missing)s.")
            % {"unknown": ", ".join(unknown) or "-", "missing": ", ".join(missing) or "-"},
            code="columns",
        )
    return keys


def validate(rows: Iterator[list[Any]], *, schemes: set[str], today: date) -> Validation:
    """Check every row; collect every problem (not only the first). Duplicates against the database come later."""
    result = Validation()
    try:
        header = next(rows)
    except StopIteration:
        raise InvalidInput(_("The file is empty."), code="empty") from None
    keys = _header(header)
    width = len(keys)
    index = {k: i for i, k in enumerate(keys) if k}
    # A missing optional column reads the empty cell appended at position `width` of every row.
    getter = itemgetter(*[index.get(k, width) for k in IMPORT_KEYS])
    check = _RowChecker(result, schemes=schemes, today=today).check
    rows_out = result.rows
    line = 1
    for cells in rows:
        line += 1
        if len(cells) != width:
            cells = (list(cells) + [""] * width)[:width]
        cells.append("")
        values = getter(cells)
        if not values[0].strip() and not any(cells):
            continue  # blank line
        result.total += 1
        row = check(line, values)
        if row is not None:
            rows_out.append(row)
    return result


class _RowChecker:
    """The rules of one row, with the translated messages and the per-file caches (no query per row)."""

    def __init__(self, result: Validation, *, schemes: set[str], today: date) -> None:
        self.err = result.error
        self.schemes = schemes
        self.today = today
        self.dates: dict[Any, date | None] = {}
        self.seen: dict[str, int] = {}
        self.uscc_ok: dict[str, bool] = {}
        self.split_cache: dict[str, list[str]] = {}
        self.standards_cache: dict[str, list[dict[str, str]]] = {}
        self.msg_required = _("required")
        self.msg_number = _("only letters, digits and - / _ . ( ) are allowed, at most %(n)d characters") % {
            "n": NUMBER_MAX
        }
        self.msg_status = _("not a CNCA status code 01–05 or a status name")
        self.msg_scheme = _("no such scheme")
        self.msg_date = _("not a date (YYYY-MM-DD)")
        self.msg_future = _("the grant date is in the future")
        self.msg_order = _("the expiry date is not after the grant date")
        self.msg_valid_expired = _("a valid certificate cannot be past its expiry date")
        self.msg_uscc = _("not a valid unified social credit code")
        self.msg_long = _("longer than %(n)d characters")
        self.msg_duplicate = _("duplicate of row %(row)d in this file")

    def check(self, line: int, values: tuple[Any, ...]) -> Row | None:
        """The row to import, or None after recording every problem of the row."""
        (
            number, status_text, holder_name, holder_address, uscc, scheme, product_name, models_text, version,
            manufacturer, production_site, standards_text, issued_raw, expires_raw,
        ) = values  # fmt: skip
        number, ok = self._number(line, number.strip())
        status = STATUS_BY_TEXT.get(status_text) or STATUS_BY_TEXT.get(status_text.strip().lower())
        if status is None:
            self.err(line, "status", self.msg_status)
            ok = False
        holder_name, holder_address, product_name, version = (
            holder_name.strip(), holder_address.strip(), product_name.strip(), version.strip()
        )  # fmt: skip
        ok &= self._texts(line, holder_name, holder_address, product_name, version)
        uscc, good = self._uscc(line, uscc)
        ok &= good
        scheme, good = self._scheme(line, scheme)
        ok &= good
        issued, expires, good = self._dates(line, issued_raw, expires_raw, status)
        if not (ok and good):
            return None
        return Row(
            line, number, status, holder_name, holder_address, uscc, scheme, product_name, self._models(models_text),
            version, manufacturer.strip(), production_site.strip(), self._standards(standards_text), issued, expires,
        )  # fmt: skip

    def _number(self, line: int, number: str) -> tuple[str, bool]:
        if not number:
            self.err(line, "number", self.msg_required)
            return number, False
        if len(number) > NUMBER_MAX or not NUMBER_RE.match(number):
            self.err(line, "number", self.msg_number)
            return number, False
        number = number.upper()
        first = self.seen.get(number)
        if first is not None:
            self.err(line, "number", self.msg_duplicate % {"row": first})
            return number, False
        self.seen[number] = line
        return number, True

    def _texts(self, line: int, holder_name: str, holder_address: str, product_name: str, version: str) -> bool:
        ok = True
        for key, text in (
            ("holder_name", holder_name), ("holder_address", holder_address), ("product_name", product_name)
        ):  # fmt: skip
            if not text:
                self.err(line, key, self.msg_required)
                ok = False
            elif len(text) > LIMITS[key]:
                self.err(line, key, self.msg_long % {"n": LIMITS[key]})
                ok = False
        if len(version) > LIMITS["version"]:
            self.err(line, "version", self.msg_long % {"n": LIMITS["version"]})
            ok = False
        return ok

    def _uscc(self, line: int, uscc: str) -> tuple[str, bool]:
        if uscc:
            uscc = uscc.strip().upper()
            if uscc:
                ok = self.uscc_ok.get(uscc)
                if ok is None:
                    ok = self.uscc_ok[uscc] = is_valid_uscc(uscc)
                if not ok:
                    self.err(line, "holder_uscc", self.msg_uscc)
                    return uscc, False
        return uscc, True

    def _scheme(self, line: int, scheme: str) -> tuple[str, bool]:
        if scheme in self.schemes:
            return scheme, True
        scheme = scheme.strip().upper()
        if not scheme:
            self.err(line, "scheme_code", self.msg_required)
            return scheme, False
        if scheme not in self.schemes:
            self.err(line, "scheme_code", self.msg_scheme)
            return scheme, False
        return scheme, True

    def _dates(self, line: int, issued_raw: Any, expires_raw: Any, status: Any) -> tuple[Any, Any, bool]:
        issued = self._parse_date(issued_raw)
        expires = self._parse_date(expires_raw)
        ok = True
        if issued is None:
            self.err(line, "issued_on", self.msg_date if issued_raw else self.msg_required)
            ok = False
        elif issued > self.today:
            self.err(line, "issued_on", self.msg_future)
            ok = False
        if expires is None:
            self.err(line, "expires_on", self.msg_date if expires_raw else self.msg_required)
            ok = False
        elif issued is not None and expires <= issued:
            self.err(line, "expires_on", self.msg_order)
            ok = False
        elif status == S.VALID and expires < self.today:
            self.err(line, "expires_on", self.msg_valid_expired)
            ok = False
        return issued, expires, ok

    def _parse_date(self, value: Any) -> date | None:
        got = self.dates.get(value, False)
        if got is not False:
            return got
        parsed: date | None = None
        if isinstance(value, datetime):
            parsed = value.date()
        elif isinstance(value, date):
            parsed = value
        else:
            m = DATE_RE.match(value.strip())
            if m:
                try:
                    parsed = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    parsed = None
        self.dates[value] = parsed
        return parsed

    def _models(self, models_text: str) -> list[str]:
        models = self.split_cache.get(models_text)
        if models is None:
            stripped = models_text.strip()
            models = self.split_cache[models_text] = LIST_SPLIT.split(stripped) if stripped else []
        return models

    def _standards(self, standards_text: str) -> list[dict[str, str]]:
        standards = self.standards_cache.get(standards_text)
        if standards is None:
            stripped = standards_text.strip()
            standards = self.standards_cache[standards_text] = _standards(stripped) if stripped else []
        return standards


def _standards(text: str) -> list[dict[str, str]]:
    out = []
    for part in LIST_SPLIT.split(text):
        m = STANDARD_RE.match(part)
        code, version = (m.group(1), m.group(2)) if m else (part, "")
        out.append({"code": code, "version": version, "title_zh": "", "title_en": ""})
    return out
