"""Public registry API: no authentication, rate-limited per client, nothing personal or confidential."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from certbody.api.common import Day, Text
from certbody.api.errors import ErrorOut, error_body
from certbody.certificates.search import SearchParams, public_certificate, search_certificates
from certbody.core.throttle import retry_after

from .services import count_verification

router = Router(auth=None, tags=["public registry"])

PUBLIC_ERRORS = {404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class PublicStandardOut(Schema):
    code: str
    version: str
    title: str


class PublicProductOut(Schema):
    product: str
    models: list[str]
    version: str
    manufacturer: str


class PublicHistoryOut(Schema):
    date: date
    status: str
    status_display: str


class PublicCertificateOut(Schema):
    number: str
    status: str
    status_display: str
    cnca_code: str
    holder: str
    holder_en: str
    product: str
    products: list[PublicProductOut]
    models: list[str]
    category: str
    category_name: str
    scheme: str
    scheme_name: str
    rule_document: str
    rule_version: str
    standards: list[PublicStandardOut]
    certification_body: str
    version_no: int
    first_issued_on: date
    issued_on: date
    expires_on: date
    suspended_until: date | None
    ended_on: date | None
    history: list[PublicHistoryOut]


class PublicListItemOut(Schema):
    number: str
    status: str
    status_display: str
    cnca_code: str
    holder: str
    product: str
    category: str
    issued_on: date
    expires_on: date


class PublicPageOut(Schema):
    limit: int
    next_cursor: str | None
    items: list[PublicListItemOut]


class PublicSearchIn(Schema):
    q: Text(100) = Field("", description="Number prefix, or part of the holder, product or manufacturer.")
    number: Text(60) = Field("", description="Certificate number prefix.")
    holder: Text(100) = ""
    product: Text(100) = ""
    manufacturer: Text(100) = ""
    category: Text(40) = ""
    status: Text(12) = ""
    issued_from: Day | None = None
    issued_to: Day | None = None
    cursor: Text(200) = ""
    limit: int = Field(20, ge=1, le=100)


def too_many(request: HttpRequest, seconds: int) -> JsonResponse:
    response = JsonResponse(
        error_body(
            "rate_limited",
            _("Too many requests. Please wait %(seconds)d seconds and try again.") % {"seconds": seconds},
        ),
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def not_found(number: str) -> JsonResponse:
    return JsonResponse(
        error_body(
            "not_found",
            _("There is no certificate numbered %(number)s in the registry. Check the number as printed.")
            % {"number": number},
        ),
        status=404,
    )


@router.get(
    "/certificates",
    response={200: PublicPageOut, **PUBLIC_ERRORS},
    summary="Search the public registry, newest first (keyset pagination: pass next_cursor back as cursor)",
)
def public_search(request, filters: Query[PublicSearchIn]):
    wait = retry_after(request)
    if wait is not None:
        return too_many(request, wait)
    return search_certificates(SearchParams(**filters.dict()))


@router.get(
    "/certificates/{number}",
    response={200: PublicCertificateOut, **PUBLIC_ERRORS},
    summary="Verify a certificate by its number: status (with CNCA code), holder, product, dates",
)
def public_verify(request, number: str):
    wait = retry_after(request)
    if wait is not None:
        return too_many(request, wait)
    data = public_certificate(number)
    if data is None:
        return not_found(number)
    count_verification(data["id"])
    return data
