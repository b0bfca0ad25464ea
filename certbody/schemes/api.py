"""REST endpoints for the catalogue: product categories, schemes, rule versions and standards."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema

from certbody.api.common import Page, PageIn, Text, paginate, visible
from certbody.api.errors import ERRORS

from .models import ProductCategory, RuleVersion, Scheme

router = Router(tags=["catalogue"])

SCHEME = gettext_lazy("Scheme")


class CategoryOut(Schema):
    code: str
    name: str = Field(description="In the language of the request.")
    name_zh: str
    name_en: str
    batch_year: int
    is_active: bool

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class StandardOut(Schema):
    code: str
    version: str
    title_zh: str
    title_en: str


class RuleVersionOut(Schema):
    document_code: str
    version: str
    effective_from: date
    is_current: bool
    standards: list[StandardOut]

    @staticmethod
    def resolve_standards(obj) -> list:
        return list(obj.standards.all())


class SchemeOut(Schema):
    code: str
    number_code: str
    name: str = Field(description="In the language of the request.")
    name_zh: str
    name_en: str
    category: str = Field(description="Product category code.")
    type_testing: bool
    initial_inspection: bool
    surveillance_methods: list[str]
    validity_years: int
    surveillance_interval_months: int
    suspension_deadline_days: int
    max_suspension_days: int
    mode_text: str
    is_active: bool
    rule_versions: list[RuleVersionOut]

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category.code

    @staticmethod
    def resolve_rule_versions(obj) -> list:
        return list(obj.rule_versions.all())


class SchemeFilter(Schema):
    category: Text(20) | None = Field(None, description="Product category code.")
    active: bool | None = None


def _schemes():
    rules = RuleVersion.objects.order_by("-effective_from").prefetch_related("standards")
    return Scheme.objects.select_related("category").prefetch_related(Prefetch("rule_versions", queryset=rules))


@router.get("/categories", response={200: Page[CategoryOut], **ERRORS}, summary="Product categories")
def category_list(request, page: Query[PageIn]):
    return paginate(ProductCategory.objects.order_by("sort_order", "code"), page)


@router.get("/schemes", response={200: Page[SchemeOut], **ERRORS}, summary="Schemes with rule versions and standards")
def scheme_list(request, filters: Query[SchemeFilter], page: Query[PageIn]):
    qs = _schemes()
    if filters.category:
        qs = qs.filter(category__code=filters.category)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return paginate(qs.order_by("category__sort_order", "code"), page)


@router.get("/schemes/{code}", response={200: SchemeOut, **ERRORS}, summary="A scheme with rule versions and standards")
def scheme_get(request, code: str):
    return visible(_schemes(), SCHEME, code=code)
