"""Request bodies are bounded before they are read: a 200 MB upload is refused, not written to disk first.

- `RequestSizeMiddleware` (first in MIDDLEWARE) answers 413 to a request whose Content-Length exceeds the largest
  request allowed on its path, without reading the body;
- `BoundedUploadHandler` (first in FILE_UPLOAD_HANDLERS) counts the file bytes as they stream in: a file over its
  limit is no longer passed on to be stored (the view receives a stand-in of the real size, which the upload checks
  refuse with their usual message), and once the whole request is over its limit parsing stops without reading more.

Limits (config/settings/base.py): CERTBODY_MAX_REQUEST_BYTES for any request, CERTBODY_MAX_UPLOAD_BYTES a file;
on CERTBODY_LARGE_REQUEST_PATHS (the legacy register import) CERTBODY_MAX_IMPORT_BYTES a file, plus the overhead of
the form. The documented nginx configuration (docs/deploy/nginx.conf) sets client_max_body_size to the same values.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

# Room for the form's other fields and the multipart headers around a file of the largest size.
FORM_OVERHEAD_BYTES = 1024 * 1024


def _large(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in settings.CERTBODY_LARGE_REQUEST_PATHS)


def request_limit(path: str) -> int:
    """The largest request body accepted on `path`, in bytes."""
    if _large(path):
        return max(settings.CERTBODY_MAX_REQUEST_BYTES, settings.CERTBODY_MAX_IMPORT_BYTES + FORM_OVERHEAD_BYTES)
    return settings.CERTBODY_MAX_REQUEST_BYTES


def file_limit(path: str) -> int:
    """The largest single uploaded file accepted on `path`, in bytes."""
    return settings.CERTBODY_MAX_IMPORT_BYTES if _large(path) else settings.CERTBODY_MAX_UPLOAD_BYTES


def too_large_response(request, limit: int):
    from django.http import HttpResponse, JsonResponse
    from django.utils import translation
    from django.utils.translation import gettext as _

    # Before LocaleMiddleware: the language is chosen here the same way.
    with translation.override(translation.get_language_from_request(request)):
        message = _("The request is too large: at most %(limit)s MB can be sent at once.") % {
            "limit": round(limit / 1048576, 1)
        }
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "request_too_large", "message": message, "details": {}}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class RequestSizeMiddleware:
    """413 for a declared body over the path's limit, before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads no body for a malformed length
        limit = request_limit(request.path)
        if declared > limit:
            return too_large_response(request, limit)
        return self.get_response(request)


class TooLargeUpload(InMemoryUploadedFile):
    """Stands in for a file that went over its limit: nothing of it is kept, only its name and the size it reached."""

    def __init__(self, *, field_name: str, name: str, content_type: str, size: int, charset=None):
        import io

        super().__init__(io.BytesIO(b""), field_name, name, content_type, size, charset)


class BoundedUploadHandler(FileUploadHandler):
    """Counts uploaded bytes as they stream in and stops storing at the limits (see the module docstring)."""

    def __init__(self, request=None):
        super().__init__(request)
        path = request.path if request is not None else ""
        self.file_limit = file_limit(path)
        self.request_limit = request_limit(path)
        self.request_received = 0
        self.file_received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file_received = 0

    def receive_data_chunk(self, raw_data, start):
        self.file_received += len(raw_data)
        self.request_received += len(raw_data)
        if self.request_received > self.request_limit:
            raise StopUpload(connection_reset=True)  # read no more of this request
        if self.file_received > self.file_limit:
            return None  # the storing handlers after this one get nothing more of this file
        return raw_data

    def file_complete(self, file_size):
        if self.file_received <= self.file_limit:
            return None  # the storing handler completes the file
        return TooLargeUpload(
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.file_received,
            charset=self.charset,
        )
