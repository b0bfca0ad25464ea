"""Every spreadsheet the platform writes (xlsx, CSV) goes through here: cells can never become live formulas.

A value a client typed (a manufacturer, a product name) ends up in a file a regulator opens in Excel. A cell that
starts with `=`, `+`, `-`, `@`, a tab, CR or LF (or their full-width forms ＝＋－＠, which IMEs and some Excel
locales accept as formula starts) would run as a formula there (CSV/formula injection, OWASP). The rule per format:

- xlsx: every text cell is written as an explicit string cell (`t="inlineStr"`, openpyxl `data_type="s"`), never
  through openpyxl's "a string starting with = is a formula" guess; a cell with a dangerous start also gets the
  `quotePrefix` style, which is what Excel itself stores when a person types `'=...`: it stays text even when
  someone edits the cell later. The cell holds the exact value, no added character, so the IAF CertSearch and
  CNCA importers read exactly what we meant (a CR is written as OOXML's `_x000D_`, which Excel decodes: XML
  itself would turn it into LF).
- CSV has no types, so OWASP's rule applies: a dangerous value is written with a leading `'` (`safe_cell`).
  `unescape_cell` takes it off again (our own importer does this), so a round trip is lossless: a value that
  itself starts with `'` followed by a dangerous character or another `'` gets one more `'`, and only exactly
  that is stripped.

`register_export` lists the functions that produce files; a test writes hostile values into every text field of
every registered export and reads the files back. A test also refuses any spreadsheet writer outside this module.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# Characters that make Excel, LibreOffice or Google Sheets start a formula (or a DDE call) at a cell's start.
DANGEROUS = frozenset("=+-@\t\r\n＝＋－＠")
QUOTE = "'"
OOXML_ESCAPED = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def is_dangerous(value: Any) -> bool:
    return isinstance(value, str) and value[:1] in DANGEROUS


def safe_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet evaluates: a dangerous text gets a leading `'` (see `unescape_cell`)."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in DANGEROUS or unescape_cell(value) != value:
        return QUOTE + value
    return value


def unescape_cell(value: Any) -> Any:
    """The exact value behind a CSV cell written by `safe_cell` (other cells come back unchanged)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == QUOTE and (value[1] in DANGEROUS or value[1] == QUOTE):
        return value[1:]
    return value


# --- xlsx ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    title: str
    rows: Iterable[Sequence[Any]]  # the header row, if any, is the first


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str):
        return value  # numbers, dates, None: openpyxl types them; none of them is a formula
    dangerous = value[:1] in DANGEROUS
    if "\r" in value or "_x" in value:
        # XML turns a bare CR into LF on reading; OOXML's own escape keeps it (Excel decodes _x000D_), and a
        # literal "_xHHHH_" is escaped in turn so that it does not decode into a character.
        value = OOXML_ESCAPED.sub("_x005F_", value).replace("\r", "_x000D_")
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl guessed "f" for a leading "="; this cell is text, whatever it holds
    if dangerous:
        cell.quotePrefix = True
    return cell


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """A workbook (write-only, streaming) whose text cells are all typed text."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title)
        for row in spec.rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- CSV -------------------------------------------------------------------------------------------------------------


def csv_text(rows: Iterable[Sequence[Any]], *, bom: bool = True) -> str:
    """CSV text with every cell through `safe_cell`; with a BOM, which Excel needs to open UTF-8 correctly."""
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


# --- registry --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    name: str
    fmt: str  # "xlsx" (a zip of xlsx files is read as several) or "csv"
    func: Callable[..., Any]


EXPORTS: dict[str, Export] = {}


def register_export(name: str, fmt: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a function that produces a spreadsheet file for users (the hostile-value test covers each)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        EXPORTS[name] = Export(name, fmt, func)
        return func

    return decorate
