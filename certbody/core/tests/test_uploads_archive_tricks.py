"""Archive tricks past the one-entry checks: many small entries, archives in archives, links and Office macros."""

import io
import zipfile

import pytest
from django.utils import translation

from certbody.core.errors import InvalidInput
from certbody.core.uploads import DOCX, XLSX, ZIP, check_upload

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class Upload(io.BytesIO):
    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name = name
        self.size = len(content)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def make_zip(entries: dict, *, deflate: bool = True, links: tuple = ()) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            if name in links:
                info.create_system = 3
                info.external_attr = 0o120777 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def office(folder: str, **extra) -> dict:
    parts = {
        "[Content_Types].xml": b'<Types><Default Extension="xml" ContentType="application/xml"/></Types>',
        f"{folder}/document.xml": b"<doc>" + b"text " * 200 + b"</doc>",
    }
    parts.update(extra)
    return parts


MACRO_TYPES = b'<Types><Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>'
DOCX_BYTES = make_zip(office("word"))
XLSX_BYTES = make_zip(office("xl"))
PLAIN_ZIP = make_zip({"a.txt": b"hello"})
TAR_HEAD = b"file.txt".ljust(257, b"\x00") + b"ustar\x0000" + b"\x00" * 200

REFUSED = {
    # 600 entries of 4 KiB zeros: each far under the one-entry threshold, ~2.4 MB at ~100x+ in total
    "many small entries": (make_zip({f"f{i}.txt": b"\x00" * 4096 for i in range(600)}), "docs.zip", "zip_bomb"),
    "nested zip": (make_zip({"inner.zip": PLAIN_ZIP}), "docs.zip", "zip_nested"),
    "nested zip named like a PDF": (make_zip({"report.pdf": PLAIN_ZIP}), "docs.zip", "zip_nested"),
    "nested zip named like a Word file": (make_zip({"report.docx": PLAIN_ZIP}), "docs.zip", "zip_nested"),
    "nested archive by name only": (make_zip({"backup.7z": b"not really"}), "docs.zip", "zip_nested"),
    "nested gzip by content": (make_zip({"notes.txt": b"\x1f\x8b\x08\x00rest"}), "docs.zip", "zip_nested"),
    "nested rar by content": (make_zip({"notes.txt": b"Rar!\x1a\x07\x00rest"}), "docs.zip", "zip_nested"),
    "nested tar by content": (make_zip({"notes.txt": TAR_HEAD}), "docs.zip", "zip_nested"),
    "nested 7z by content": (make_zip({"notes.txt": b"7z\xbc\xaf\x27\x1c\x00"}), "docs.zip", "zip_nested"),
    "symlink entry": (make_zip({"a.txt": b"x", "link": b"/etc/passwd"}, links=("link",)), "docs.zip", "zip_symlink"),
    "docm with vbaProject.bin": (make_zip(office("word", **{"word/vbaProject.bin": b"vba"})), "a.docm", "file_macros"),
    "xlsm with vbaProject.bin": (make_zip(office("xl", **{"xl/vbaProject.bin": b"vba"})), "a.xlsm", "file_macros"),
    "docx with vbaProject.bin renamed .docx": (
        make_zip(office("word", **{"word/vbaProject.bin": b"vba"})),
        "a.docx",
        "file_macros",
    ),
    "docx declaring macro content": (
        make_zip(
            {
                "[Content_Types].xml": MACRO_TYPES,
                "word/document.xml": b"<doc/>",
            }
        ),
        "a.docx",
        "file_macros",
    ),
    "macro document inside a zip": (make_zip({"tool.xlsm": XLSX_BYTES}), "docs.zip", "file_macros"),
    "docx with macros inside a zip": (
        make_zip({"a.docx": make_zip(office("word", **{"word/vbaProject.bin": b"vba"}))}),
        "docs.zip",
        "file_macros",
    ),
    "old Word file with a VBA project": (
        OLE_MAGIC + b"\x00" * 100 + "_VBA_PROJECT".encode("utf-16-le") + b"\x00" * 100,
        "a.doc",
        "file_macros",
    ),
    "symlink inside an Office document": (
        make_zip(office("word", **{"word/link.xml": b"/etc/passwd"}), links=("word/link.xml",)),
        "a.docx",
        "zip_symlink",
    ),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_archive_tricks_are_refused(case):
    content, name, code = REFUSED[case]
    with pytest.raises(InvalidInput) as err:
        check_upload(Upload(name, content))
    assert err.value.code == code
    assert name in err.value.message


ACCEPTED = {
    "docx": (DOCX_BYTES, "a.docx", DOCX),
    "xlsx": (XLSX_BYTES, "a.xlsx", XLSX),
    "zip of text files": (make_zip({"a.txt": b"hello", "b/c.txt": b"world " * 1000}), "docs.zip", ZIP),
    "zip of Office documents": (make_zip({"a.docx": DOCX_BYTES, "b.xlsx": XLSX_BYTES}), "docs.zip", ZIP),
    "Word file embedding an Excel chart": (
        make_zip(office("word", **{"word/embeddings/Microsoft_Excel_Worksheet.xlsx": XLSX_BYTES})),
        "a.docx",
        DOCX,
    ),
    "a few small compressible entries": (make_zip({f"f{i}.txt": b"\x00" * 4096 for i in range(100)}), "docs.zip", ZIP),
    "old Word file without macros": (
        OLE_MAGIC + b"\x00" * 100 + "Text".encode("utf-16-le"),
        "a.doc",
        "application/x-ole-storage",
    ),
}


@pytest.mark.parametrize("case", ACCEPTED, ids=list(ACCEPTED))
def test_legitimate_documents_and_archives_are_accepted(case):
    content, name, kind = ACCEPTED[case]
    assert check_upload(Upload(name, content)).kind == kind


def test_a_scheme_may_allow_macros():
    content = make_zip(office("word", **{"word/vbaProject.bin": b"vba"}))
    assert check_upload(Upload("a.docx", content), allow_macros=True).kind == DOCX


def test_the_refusals_are_translated():
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as err:
        check_upload(Upload("docs.zip", REFUSED["nested zip"][0]))
    assert "inner.zip" in err.value.message
    assert "contains another archive" not in err.value.message
