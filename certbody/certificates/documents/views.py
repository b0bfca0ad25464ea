"""Published public keys, and the download of a certificate version's PDF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from ..models import CertificateVersion
from ..selectors import certificates_for
from .models import SigningKey
from .services import document_for


@require_GET
def public_keys(request: HttpRequest) -> JsonResponse:
    """Every key that ever signed a certificate, with when it was in use: documents verify offline."""
    data = {
        "algorithm": "Ed25519",
        "encoding": "base64 of the raw 32-byte public key",
        "keys": {
            k.key_id: {
                "public_key": k.public_key,
                "valid_from": k.created_at.isoformat(),
                "retired_at": k.retired_at.isoformat() if k.retired_at else None,
            }
            for k in SigningKey.objects.order_by("created_at", "id")
        },
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=300"
    return response


@login_required
@require_GET
def certificate_pdf(request: HttpRequest, pk: int, version_no: int) -> FileResponse:
    """The signed PDF of a version, reissued first if the certificate's status changed since the last one."""
    certificate = get_object_or_404(certificates_for(request.user), pk=pk)
    version = get_object_or_404(CertificateVersion, certificate=certificate, version_no=version_no)
    document = document_for(actor=request.user, version=version)
    filename = f"{certificate.number}-v{version.version_no}.pdf"
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf")
