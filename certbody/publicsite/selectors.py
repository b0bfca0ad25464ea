"""Reads of the public website: only what is published, in the order a visitor needs it."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from certbody.labs.models import Lab
from certbody.schemes.models import ProductCategory, RuleVersion, Scheme

from .models import DocumentKind, DocumentVersion, FeeItem, PublishedDocument


def public_documents(kind: str | None = None) -> QuerySet[PublishedDocument]:
    """Published documents that have a version, each with its versions (current first) prefetched."""
    has_version = DocumentVersion.objects.filter(document=OuterRef("pk"))
    qs = (
        PublishedDocument.objects.filter(status=PublishedDocument.Status.PUBLISHED)
        .filter(Exists(has_version))
        .select_related("scheme")
        .prefetch_related(Prefetch("versions", queryset=DocumentVersion.objects.order_by("-is_current", "-pk")))
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "code", "pk")


def current_version(doc: PublishedDocument) -> DocumentVersion | None:
    versions = list(doc.versions.all())
    return next((v for v in versions if v.is_current), versions[0] if versions else None)


def library_kinds() -> list[tuple[str, str]]:
    """The kinds shown in the library (CSR reports have their own page)."""
    return [(k, label) for k, label in DocumentKind.choices if k != DocumentKind.CSR_REPORT]


def categories_with_schemes(code: str | None = None) -> list[ProductCategory]:
    """Active categories (or the one with `code`) with their active schemes, rule versions and public documents."""
    rules = RuleVersion.objects.prefetch_related("standards").order_by("-is_current", "-effective_from")
    docs = public_documents()
    schemes = (
        Scheme.objects.filter(is_active=True)
        .prefetch_related(Prefetch("rule_versions", queryset=rules), Prefetch("published_documents", queryset=docs))
        .order_by("code")
    )
    categories = ProductCategory.objects.filter(is_active=True)
    if code is not None:
        categories = categories.filter(code=code)
    return list(categories.prefetch_related(Prefetch("schemes", queryset=schemes)).order_by("sort_order", "code"))


def partner_labs() -> QuerySet[Lab]:
    """Active partner laboratories only: a lab no longer used is not advertised."""
    return Lab.objects.filter(is_active=True, is_partner=True).prefetch_related("categories").order_by("name")


def public_fees() -> list[FeeItem]:
    return list(FeeItem.objects.filter(is_active=True).select_related("category").order_by("sort_order", "pk"))
