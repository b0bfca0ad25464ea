"""ZIP archives: the entry-count, unpacked-size, ratio and path checks, each tested at its exact bound.

The sizes an archive claims are what the checker reads (its central directory), so most archives here are
built with empty entries whose claimed sizes are then written into the directory: a 500 MB claim costs
nothing to build and nothing to check.
"""

import io
import struct
import zipfile

import pytest
from django.utils import translation

from certbody.core import uploads
from certbody.core.errors import InvalidInput
from certbody.core.uploads import DOCX, PPTX, XLSX, ZIP, check_upload

MIB = 1024 * 1024


class Upload(io.BytesIO):
    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name = name
        self.size = len(content)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def zip_of(names, data: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in names:
            archive.writestr(zipfile.ZipInfo(name), data)
    return buffer.getvalue()


def zip_claiming(sizes: list[tuple[int, int]]) -> bytes:
    """An archive of empty entries whose directory claims (unpacked size, packed size) for each entry."""
    content = bytearray(zip_of([f"f{i}.bin" for i in range(len(sizes))]))
    at = 0
    for file_size, compress_size in sizes:
        at = content.index(b"PK\x01\x02", at)
        struct.pack_into("<II", content, at + 20, compress_size, file_size)
        at += 4
    archive = zipfile.ZipFile(io.BytesIO(bytes(content)))
    assert [(e.file_size, e.compress_size) for e in archive.infolist()] == sizes  # the claim is what is read
    return bytes(content)


def refusal(content: bytes, name: str = "docs.zip") -> InvalidInput:
    with pytest.raises(InvalidInput) as err:
        check_upload(Upload(name, content))
    return err.value


def accepted(content: bytes, name: str = "docs.zip") -> str:
    return check_upload(Upload(name, content)).kind


# --- number of entries ---------------------------------------------------------------------------------


def test_the_entry_limit_is_two_thousand():
    assert uploads.ZIP_MAX_ENTRIES == 2000


def test_an_archive_with_exactly_the_maximum_number_of_entries_is_accepted():
    assert accepted(zip_of(f"{i}.txt" for i in range(uploads.ZIP_MAX_ENTRIES))) == ZIP


def test_one_entry_more_than_the_maximum_is_refused():
    err = refusal(zip_of(f"{i}.txt" for i in range(uploads.ZIP_MAX_ENTRIES + 1)))
    assert err.code == "zip_bomb"
    assert err.message == "docs.zip holds more than 2000 files."


# --- total unpacked size ----------------------------------------------------------------------------------


def test_the_total_limit_is_500_mib():
    assert uploads.ZIP_MAX_TOTAL == 500 * MIB


def test_an_archive_that_unpacks_to_exactly_the_total_limit_is_accepted():
    half = uploads.ZIP_MAX_TOTAL // 2  # two entries: the limit is on the sum, not on one entry
    assert accepted(zip_claiming([(half, half), (half, half)])) == ZIP


def test_an_archive_that_unpacks_to_one_byte_more_than_the_total_limit_is_refused():
    half = uploads.ZIP_MAX_TOTAL // 2
    err = refusal(zip_claiming([(half, half), (half + 1, half + 1)]))
    assert err.code == "zip_bomb"
    assert err.message == "docs.zip unpacks to far more than it weighs (a zip bomb); it was refused."


def test_the_total_counts_every_entry_not_only_the_last():
    third = uploads.ZIP_MAX_TOTAL // 3
    assert refusal(zip_claiming([(third, third)] * 3 + [(3, 3)])).code == "zip_bomb"


# --- unpacked/packed ratio of one large entry --------------------------------------------------------------


def test_the_ratio_limit_is_one_hundred():
    assert uploads.ZIP_MAX_RATIO == 100


def test_a_large_entry_at_exactly_the_ratio_limit_is_accepted():
    assert accepted(zip_claiming([(200 * MIB, 2 * MIB)])) == ZIP


def test_a_large_entry_just_over_the_ratio_limit_is_refused():
    assert refusal(zip_claiming([(200 * MIB + 1, 2 * MIB)])).code == "zip_bomb"


def test_an_entry_of_exactly_one_mib_may_compress_any_amount():
    assert accepted(zip_claiming([(MIB, 1)])) == ZIP


def test_an_entry_of_one_byte_over_one_mib_is_held_to_the_ratio():
    assert refusal(zip_claiming([(MIB + 1, 1)])).code == "zip_bomb"


def test_an_entry_claiming_zero_packed_bytes_is_judged_as_one_byte():
    # No division by zero: a large entry that claims to be stored in nothing is a bomb, a small one is not.
    assert refusal(zip_claiming([(2 * MIB, 0)])).code == "zip_bomb"
    assert accepted(zip_claiming([(100, 0)])) == ZIP


# --- paths that leave the archive -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry",
    [
        "/etc/passwd",  # absolute
        "\\windows\\system32\\evil.dll",  # absolute, Windows separators
        "../evil",
        "docs/../../evil",
        "docs\\..\\..\\evil",  # climbing with Windows separators
        "..",
        "C:evil.exe",  # a drive letter
        "c:/windows/evil.exe",
        "Z:\\evil.exe",
    ],
)
def test_an_entry_that_leaves_the_archive_is_refused(entry):
    err = refusal(zip_of(["ok.txt", entry]))
    assert err.code == "zip_traversal"
    assert err.message == f"docs.zip contains a path that leaves the archive ({entry})."


@pytest.mark.parametrize("entry", ["docs/a..b.txt", "..hidden", "docs/C:note.txt", "1:x.txt", "docs/", "a/b/c.txt"])
def test_names_that_only_look_like_paths_out_are_accepted(entry):
    assert accepted(zip_of([entry])) == ZIP


# --- damaged archives and Office documents --------------------------------------------------------------------


def test_a_damaged_archive_is_refused():
    content = zip_of(["a.txt"])
    err = refusal(content[:4] + b"\x00" * 40)
    assert err.code == "file_damaged"
    assert err.message == "docs.zip is a damaged ZIP file."


@pytest.mark.parametrize(
    ("folder", "extension", "kind"), [("word/", "docx", DOCX), ("xl/", "xlsx", XLSX), ("ppt/", "pptx", PPTX)]
)
def test_office_documents_are_told_apart_by_their_parts(folder, extension, kind):
    assert accepted(zip_of(["[Content_Types].xml", f"{folder}document.xml"]), f"file.{extension}") == kind
    # Without the content-types part it is an ordinary archive, whatever folders it holds.
    assert accepted(zip_of([f"{folder}document.xml"])) == ZIP
    # The folder must start the name.
    assert accepted(zip_of(["[Content_Types].xml", f"x{folder}document.xml"])) == ZIP


def test_the_content_types_are_the_standard_names():
    # Stored with each document and sent back as its content type: a typo would reach every browser.
    assert (uploads.PDF, uploads.PNG, uploads.JPEG, uploads.ZIP) == (
        "application/pdf",
        "image/png",
        "image/jpeg",
        "application/zip",
    )
    assert uploads.OLE == "application/x-ole-storage"
    assert uploads.DOCX == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert uploads.XLSX == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert uploads.PPTX == "application/vnd.openxmlformats-officedocument.presentationml.presentation"
