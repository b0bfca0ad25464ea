"""Objects of the public website for the permission matrix (certbody/core/tests/test_permission_matrix.py).

Made on first use inside the matrix world's transaction and kept in `w.objects`, so matrix_world.py needs no change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certbody.demo.scenarios import MINIMAL_PDF


def site_objects(w: Any) -> dict[str, Any]:
    from certbody.publicsite.models import PublishedDocument

    cached = w.objects.get("ps_doc")
    # The world outlives each test's savepoint: objects made during an earlier test were rolled back with it.
    if cached is None or not PublishedDocument.objects.filter(pk=cached.pk, code=cached.code).exists():
        from certbody.publicsite import services
        from certbody.publicsite.models import DocumentKind

        quality = w.users["quality"]
        doc = services.document_create(
            actor=quality, kind=DocumentKind.RULES, code="NFCC-IR-MATRIX", title_zh="矩阵规则"
        )
        version = services.version_publish(
            actor=quality,
            document=doc,
            version="V1.0",
            effective_from=date(2024, 1, 1),
            file=SimpleUploadedFile("m.pdf", MINIMAL_PDF),
        )
        withdrawn = services.document_create(actor=quality, kind=DocumentKind.FORM, code="MATRIX-OFF", title_zh="撤下")
        services.document_withdraw(actor=quality, document=withdrawn, reason="矩阵")
        intake, _ = services.complaint_submit(
            submit_token="matrix", topic="service", name="矩阵", phone="023-1", description="矩阵投诉内容，十个字以上。"
        )
        market = w.users["market"]
        shown = services.fee_create(actor=market, item_zh="矩阵 申请费", amount=100, sort_order=1)
        hidden = services.fee_create(actor=market, item_zh="矩阵 旧费用", amount=50, sort_order=2)
        services.fee_set_shown(actor=market, fee=hidden, shown=False)
        w.objects.update(
            ps_doc=doc,
            ps_version=version,
            ps_withdrawn=withdrawn,
            ps_complaint=intake,
            ps_fee_shown=shown,
            ps_fee_hidden=hidden,
        )
    return {
        "doc": w.objects["ps_doc"],
        "version": w.objects["ps_version"],
        "withdrawn": w.objects["ps_withdrawn"],
        "complaint": w.objects["ps_complaint"],
        "fee_shown": w.objects["ps_fee_shown"],
        "fee_hidden": w.objects["ps_fee_hidden"],
    }


LIBRARY = frozenset({"quality", "management", "admin"})
FEES = frozenset({"market", "management", "admin"})
COMPLAINTS = frozenset({"quality", "management", "admin"})


def site_steps(step: Callable[..., Any]) -> list[Any]:
    """The POST steps of the website's staff pages, as test_permission_matrix.Step rows (passed in as `step`)."""
    from certbody.portal.tests.helpers import RewindingUpload
    from certbody.publicsite.models import FeeItem, PublishedDocument

    def obj(key: str) -> Callable[[Any], Any]:
        return lambda w: site_objects(w)[key]

    def fresh(key: str, attr: str) -> Callable[[Any], Any]:
        return lambda w: getattr(type(site_objects(w)[key]).objects.get(pk=site_objects(w)[key].pk), attr)

    def page(name: str, key: str | None = None) -> Callable[[Any], str]:
        return lambda w: reverse(f"publicsite:{name}", args=[obj(key)(w).pk] if key else [])

    return [
        step(
            "publicsite:staff_documents",
            page("staff_documents"),
            LIBRARY,
            lambda w: {"kind": "form", "code": "MATRIX-NEW", "title_zh": "矩阵 新表格"},
            lambda w: PublishedDocument.objects.count(),
        ),
        step(
            "publicsite:staff_document",
            page("staff_document", "doc"),
            LIBRARY,
            lambda w: {
                "action": "publish",
                "version": "V9.9",
                "effective_from": "2025-01-01",
                "file": RewindingUpload("rules-v9.pdf", MINIMAL_PDF),
            },
            lambda w: obj("doc")(w).versions.count(),
        ),
        step(
            "publicsite:staff_document",
            page("staff_document", "doc"),
            LIBRARY,
            lambda w: {"action": "withdraw", "reason": "矩阵 撤下"},
            fresh("doc", "status"),
        ),
        step(
            "publicsite:staff_document",
            page("staff_document", "withdrawn"),
            LIBRARY,
            lambda w: {"action": "restore"},
            fresh("withdrawn", "status"),
        ),
        step(
            "publicsite:staff_fees",
            page("staff_fees"),
            FEES,
            lambda w: {"action": "create", "item_zh": "矩阵 检测费", "amount": "200.00", "sort_order": "3"},
            lambda w: FeeItem.objects.count(),
        ),
        step(
            "publicsite:staff_fees",
            page("staff_fees"),
            FEES,
            lambda w: {"action": "hide", "fee": obj("fee_shown")(w).pk},
            fresh("fee_shown", "is_active"),
        ),
        step(
            "publicsite:staff_fees",
            page("staff_fees"),
            FEES,
            lambda w: {"action": "show", "fee": obj("fee_hidden")(w).pk},
            fresh("fee_hidden", "is_active"),
        ),
        step(
            "publicsite:staff_complaint",
            page("staff_complaint", "complaint"),
            COMPLAINTS,
            lambda w: {"action": "forward", "note": "矩阵 转投诉处理"},
            fresh("complaint", "status"),
        ),
        step(
            "publicsite:staff_complaint",
            page("staff_complaint", "complaint"),
            COMPLAINTS,
            lambda w: {"action": "close", "note": "矩阵 非投诉"},
            fresh("complaint", "status"),
        ),
    ]
