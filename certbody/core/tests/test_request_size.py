"""Request bodies are bounded before they are read (certbody/core/requestsize.py)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.core.handlers.wsgi import WSGIRequest
from django.test import Client, RequestFactory, override_settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT

from certbody.core.errors import InvalidInput
from certbody.core.requestsize import BoundedUploadHandler, request_limit
from certbody.core.uploads import check_upload

MB = 1024 * 1024


def _empty_post(path: str) -> dict:
    environ = RequestFactory().post(path, data=b"", content_type="application/octet-stream").environ
    environ["CONTENT_TYPE"] = f"{MULTIPART_CONTENT}; boundary={BOUNDARY}"
    return environ


class UnreadableBody(io.RawIOBase):
    """A body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/portal/register/", "/api/v1/applications/", "/regulator/imports/"])
def test_declared_body_over_the_limit_gets_413_unread(path):
    declared = request_limit(path) + 1
    environ = _empty_post(path)
    environ.update({"CONTENT_LENGTH": str(declared), "wsgi.input": UnreadableBody()})
    response = Client().handler(environ)
    assert response.status_code == 413
    assert "MB" in response.content.decode()
    if path.startswith("/api/"):
        assert json.loads(response.content)["code"] == "request_too_large"


def test_an_anonymous_200_mb_upload_is_refused_and_the_import_page_allows_more():
    assert request_limit("/portal/register/") < 200 * MB
    assert request_limit("/regulator/imports/") >= 100 * MB
    assert request_limit("/portal/register/") >= 50 * MB  # the portal's ten files a message still fit


def test_the_413_is_translated():
    environ = _empty_post("/x/")
    environ.update({"CONTENT_LENGTH": str(request_limit("/x/") + 1), "HTTP_ACCEPT_LANGUAGE": "zh-hans"})
    response = Client().handler(environ)
    assert response.status_code == 413
    assert "MB" in response.content.decode() and "request is too large" not in response.content.decode()


class RecordingHandler(TemporaryFileUploadHandler):
    """Stores to disk like Django's own handler and records the most bytes any file got written."""

    written: list[int] = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.written.append(0)

    def receive_data_chunk(self, raw_data, start):
        self.written[-1] += len(raw_data)
        return super().receive_data_chunk(raw_data, start)


def _streamed_upload(size: int) -> WSGIRequest:
    return RequestFactory().post("/portal/messages/", data={"file": _named(b"%PDF-1.4 " + b"x" * size, "report.pdf")})


def _named(content: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


@override_settings(CERTBODY_MAX_UPLOAD_BYTES=MB, FILE_UPLOAD_MAX_MEMORY_SIZE=0)
def test_a_streamed_file_over_its_limit_stops_being_written_and_is_refused():
    RecordingHandler.written = []
    request = _streamed_upload(3 * MB)
    request.upload_handlers = [BoundedUploadHandler(request), RecordingHandler(request)]
    upload = request.FILES["file"]
    assert RecordingHandler.written and max(RecordingHandler.written) <= MB + 64 * 1024  # one chunk past at most
    assert upload.size > MB
    with pytest.raises(InvalidInput) as refusal:
        check_upload(upload)
    assert refusal.value.code == "file_too_large"


@override_settings(CERTBODY_MAX_UPLOAD_BYTES=4 * MB, CERTBODY_MAX_REQUEST_BYTES=2 * MB)
def test_a_streamed_request_over_its_limit_stops_being_read():
    request = _streamed_upload(3 * MB)
    request.upload_handlers = [BoundedUploadHandler(request), MemoryFileUploadHandler(request)]
    stream = request._stream
    assert "file" not in request.FILES
    assert stream._pos < stream.limit - MB // 2  # the rest of the body was never read


@override_settings(CERTBODY_MAX_UPLOAD_BYTES=MB)
def test_files_within_the_limit_are_stored_whole():
    request = _streamed_upload(MB // 2)
    upload = request.FILES["file"]
    assert upload.size == MB // 2 + len(b"%PDF-1.4 ")
    assert check_upload(upload).kind == "application/pdf"


def test_a_body_without_content_length_is_never_read():
    """Chunked bodies (no Content-Length): Django's WSGI request reads none of it; nginx bounds them before."""
    environ = _empty_post("/portal/messages/")
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": UnreadableBody()})
    request = WSGIRequest(environ)
    assert not request.FILES and not request.POST


def test_every_request_streams_uploads_through_the_bounded_handler():
    request = _streamed_upload(10)
    assert isinstance(request.upload_handlers[0], BoundedUploadHandler)
