"""Public registry pages: verify a certificate by number, search the registry. No sign-in."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from certbody.certificates.models import Certificate
from certbody.certificates.search import SearchParams, public_certificate, search_certificates
from certbody.core.errors import InvalidInput
from certbody.core.throttle import retry_after

from .services import count_verification

TEXT_PARAMS = ("q", "number", "holder", "product", "manufacturer", "category", "status", "cursor")


def _too_many(request: HttpRequest, seconds: int) -> HttpResponse:
    response = render(request, "website/too_many.html", {"seconds": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _day(value: str, errors: list[str], label: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(_("%(field)s is not a date (YYYY-MM-DD).") % {"field": label})
        return None


def search(request: HttpRequest) -> HttpResponse:
    wait = retry_after(request)
    if wait is not None:
        return _too_many(request, wait)
    errors: list[str] = []
    values = {name: request.GET.get(name, "")[:200] for name in TEXT_PARAMS}
    params = SearchParams(
        **values,
        issued_from=_day(request.GET.get("issued_from", ""), errors, _("Issued from")),
        issued_to=_day(request.GET.get("issued_to", ""), errors, _("Issued to")),
    )
    page = None
    if not errors and not params.is_empty():
        try:
            page = search_certificates(params)
        except InvalidInput as exc:
            errors.append(str(exc.message))
    from certbody.schemes.models import ProductCategory

    context = {
        "values": values,
        "issued_from": request.GET.get("issued_from", ""),
        "issued_to": request.GET.get("issued_to", ""),
        "errors": errors,
        "page": page,
        "statuses": Certificate.Status.choices,
        "categories": ProductCategory.objects.order_by("code"),
    }
    if page and page["next_cursor"]:
        query = request.GET.copy()
        query["cursor"] = page["next_cursor"]
        context["next_query"] = query.urlencode()
    return render(request, "website/search.html", context, status=422 if errors else 200)


def verify(request: HttpRequest, number: str) -> HttpResponse:
    wait = retry_after(request)
    if wait is not None:
        return _too_many(request, wait)
    data = public_certificate(number)
    if data is None:
        from certbody.schemes.models import ProductCategory

        context = {
            "number": number[:60],
            "values": {},
            "statuses": Certificate.Status.choices,
            "categories": ProductCategory.objects.order_by("code"),
        }
        return render(request, "website/not_found.html", context, status=404)
    count_verification(data["id"])
    return render(request, "website/verify.html", {"c": data, "verdict": _code_verdict(request, data["number"])})


def _code_verdict(request: HttpRequest, number: str):
    """The verdict on the signature code a scanned QR code carries (?v=&k=&s=), or None without one."""
    from certbody.certificates.documents.verify import ALTERED, Verdict, verify_code

    signature, key_id, version = (request.GET.get(k, "")[:200].strip() for k in ("s", "k", "v"))
    if not signature and not key_id:
        return None
    if not version.isdigit() or not key_id:
        return Verdict(ALTERED, _("The code is incomplete: scan the QR code again or check the printed code."))
    return verify_code(number, int(version), key_id, signature)


@require_http_methods(["GET", "POST"])
def check_document(request: HttpRequest) -> HttpResponse:
    """Anyone may check a certificate PDF: genuine, altered or unknown, decided by our keys and registry only."""
    from certbody.certificates.documents.verify import verify_pdf
    from certbody.core.uploads import check_document as checked_upload

    verdict, error = None, ""
    if request.method == "POST":
        wait = retry_after(request)
        if wait is not None:
            return _too_many(request, wait)
        upload = request.FILES.get("document")
        if upload is None:
            error = _("Choose the PDF file of the certificate.")
        else:
            try:
                verdict = verify_pdf(checked_upload(upload))
            except InvalidInput as exc:
                error = str(exc.message)
    status = 422 if error else 200
    return render(request, "website/check_document.html", {"verdict": verdict, "error": error}, status=status)
