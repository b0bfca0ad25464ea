"""Uploads: a name must say what the content is (known extension, matching content); no hidden characters in names."""

import io

import pytest
from django.utils import translation

from certbody.core.errors import InvalidInput
from certbody.core.uploads import PDF, PNG, check_upload, safe_name
from certbody.demo.scenarios import MINIMAL_PDF

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Upload(io.BytesIO):
    """An upload named exactly as the client sent it."""

    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name = name
        self.size = len(content)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("manual.hta", MINIMAL_PDF),  # a PDF that Windows would run as an HTML application
        ("x.svg", PNG_BYTES),  # PNG bytes under a name browsers treat as script-capable SVG
        ("manual.html", MINIMAL_PDF),
        ("manual", MINIMAL_PDF),  # no extension at all
        ("manual.pdf.exe", MINIMAL_PDF),
    ],
)
def test_a_name_with_an_unknown_extension_is_refused_whatever_the_content(name, content):
    with pytest.raises(InvalidInput) as err:
        check_upload(Upload(name, content))
    assert err.value.code == "file_extension"
    assert name in err.value.message and ".pdf" in err.value.message  # names the file and what is accepted


def test_the_accepted_extensions_in_the_message_follow_what_the_caller_allows():
    with pytest.raises(InvalidInput) as err:
        check_upload(Upload("scan.tiff", PNG_BYTES), allowed=(PDF, PNG))
    assert ".png" in err.value.message and ".docx" not in err.value.message


def test_a_known_extension_must_match_the_content():
    with pytest.raises(InvalidInput) as err:
        check_upload(Upload("photo.png", MINIMAL_PDF))
    assert err.value.code == "file_type_mismatch" and "photo.png" in err.value.message


@pytest.mark.parametrize("name", ["说明书.pdf", "Manual.PDF", "scan.JPG", "photo.png"])
def test_ordinary_names_are_accepted(name):
    content = PNG_BYTES if name.endswith("png") else (b"\xff\xd8\xff" + b"\x00" * 32 if "JPG" in name else MINIMAL_PDF)
    checked = check_upload(Upload(name, content))
    assert checked.name == name


@pytest.mark.parametrize(
    "name",
    [
        "invoice\u202efdp.exe.pdf",  # right-to-left override: shows a different name than it is
        "manual\u200b.pdf",  # zero-width space (format character)
        "manual\u2066.pdf",  # bidi isolate
        "manual\x85.pdf",  # C1 control (next line)
        "manual\u2028.pdf",  # line separator
        "manual\r\n.pdf",
    ],
)
def test_names_with_format_or_control_characters_are_refused(name):
    with pytest.raises(InvalidInput) as err:
        safe_name(name)
    assert err.value.code == "file_name"
    assert "\\u" in err.value.message or "\\x" in err.value.message or "\\r" in err.value.message  # made visible
    with pytest.raises(InvalidInput):
        check_upload(Upload(name, MINIMAL_PDF))
