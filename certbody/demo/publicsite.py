"""Demo content of the public website, through the real services: the rules of every scheme as documents
(one with an earlier version in its history), an application form and templates, the 2021 CSR report
and a fee schedule. Called once by `seed_demo` (certbody/demo/story.py); does nothing if content exists.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from certbody.core import spreadsheet
from certbody.core.roles import Role
from certbody.core.spreadsheet import register_export
from certbody.publicsite import services
from certbody.publicsite.models import DocumentKind, PublishedDocument
from certbody.schemes.models import ProductCategory, Scheme

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pdf_bytes(title: str, lines: list[str]) -> bytes:
    """A short PDF with Chinese text (ReportLab's built-in CID font: nothing to download or embed)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    page.setTitle(title)
    width, height = A4
    page.setFont("STSong-Light", 18)
    page.drawCentredString(width / 2, height - 90, title)
    page.setFont("STSong-Light", 11)
    y = height - 140
    for line in lines:
        page.drawString(60, y, line)
        y -= 20
    page.showPage()
    page.save()
    return buffer.getvalue()


@register_export("publicsite.demo_template", "xlsx")
def xlsx_bytes(title: str, header: list[str]) -> bytes:
    return spreadsheet.xlsx_bytes([spreadsheet.Sheet("Sheet1", [[title], header])])


def _upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _actor() -> Any:
    from certbody.accounts.models import User

    return User.objects.filter(is_active=True, role_grants__role=Role.ADMIN).order_by("pk").first()


_CENTRE = "重庆国家金融科技认证中心"

_GENERAL = [
    (
        DocumentKind.FORM,
        "NFCC-QR-01",
        "金融科技产品认证申请书",
        "Application form for fintech product certification",
        "pdf",
    ),
    (
        DocumentKind.TEMPLATE,
        "NFCC-QR-02",
        "认证单元划分及产品描述表",
        "Certification units and product description",
        "xlsx",
    ),
    (
        DocumentKind.TEMPLATE,
        "NFCC-QR-03",
        "生产企业质量保证能力自查表",
        "Factory quality assurance self-check list",
        "pdf",
    ),
]


def seed(actor: Any = None) -> int:
    """Publish the demo library and fees; returns the number of documents created (0 if already there)."""
    actor = actor or _actor()
    if actor is None or PublishedDocument.objects.exists():
        return 0
    created = _rules(actor) + _general(actor) + _csr_report(actor)
    _fees(actor)
    return created


def _rules(actor: Any) -> int:
    """Each active scheme's implementation rules, the first scheme's with its earlier version."""
    created = 0
    for scheme in Scheme.objects.filter(is_active=True).select_related("category").order_by("code"):
        rules = list(scheme.rule_versions.order_by("effective_from", "pk"))
        if not rules:
            continue
        current = next((r for r in rules if r.is_current), rules[-1])
        doc = services.document_create(
            actor=actor,
            kind=DocumentKind.RULES,
            code=current.document_code,
            title_zh=f"{scheme.name_zh}实施规则",
            title_en=f"Implementation rules: {scheme.name_en}" if scheme.name_en else "",
            scheme=scheme,
        )
        created += 1
        standards = "、".join(f"{s.code}-{s.version}" for s in current.standards.all())
        if current.version != "V1.0/0":
            # The first scheme's rules were revised once: the earlier version stays in the history.
            services.version_publish(
                actor=actor,
                document=doc,
                version="V1.0/0",
                effective_from=date(2020, 1, 1),
                change_note="首次发布",
                file=_upload(
                    f"{current.document_code}-V1.0.pdf",
                    pdf_bytes(f"{scheme.name_zh}实施规则", [f"{current.document_code} V1.0/0", _CENTRE]),
                ),
            )
        services.version_publish(
            actor=actor,
            document=doc,
            version=current.version,
            effective_from=current.effective_from,
            change_note="" if current.version == "V1.0/0" else "更新认证依据标准版本，调整获证后监督频次。",
            file=_upload(
                f"{current.document_code}.pdf",
                pdf_bytes(
                    f"{scheme.name_zh}实施规则",
                    [f"{current.document_code} {current.version}", f"认证依据：{standards}", _CENTRE],
                ),
            ),
        )
    return created


def _general(actor: Any) -> int:
    """The application forms and templates."""
    created = 0
    for kind, code, title_zh, title_en, ext in _GENERAL:
        doc = services.document_create(actor=actor, kind=kind, code=code, title_zh=title_zh, title_en=title_en)
        created += 1
        if ext == "xlsx":
            upload = _upload(
                f"{code}.xlsx", xlsx_bytes(title_zh, ["认证单元", "产品名称", "型号", "版本", "生产者"]), XLSX_TYPE
            )
        else:
            upload = _upload(f"{code}.pdf", pdf_bytes(title_zh, [code, _CENTRE]))
        services.version_publish(
            actor=actor, document=doc, version="V1.0", effective_from=date(2021, 1, 1), file=upload
        )
    return created


def _csr_report(actor: Any) -> int:
    """The 2021 corporate social responsibility report."""
    report = services.document_create(
        actor=actor,
        kind=DocumentKind.CSR_REPORT,
        code="CSR-2021",
        title_zh="2021年度企业社会责任报告",
        title_en="Corporate social responsibility report 2021",
        year=2021,
    )
    services.version_publish(
        actor=actor,
        document=report,
        version="2021",
        effective_from=date(2022, 3, 31),
        file=_upload(
            "csr-report-2021.pdf",
            pdf_bytes(
                "2021 年度企业社会责任报告",
                [
                    "重庆国家金融科技认证中心有限责任公司",
                    "二〇二二年三月",
                    "本报告依据国家认证认可监督管理委员会《认证机构履行社会责任指导意见》编写。",
                    "时间范围：2021 年 1 月 1 日至 2021 年 12 月 31 日。",
                ],
            ),
        ),
    )
    return 1


def _fees(actor: Any) -> None:
    market = actor
    fees = [
        (None, "申请费", "Application fee", Decimal("500"), "认证单元", "certification unit", "", ""),
        (
            None,
            "产品检测费",
            "Product testing",
            None,
            "",
            "",
            "由检测机构按检测项目收取",
            "Charged by the laboratory per test item",
        ),
        (None, "初始工厂检查费", "Initial factory inspection", Decimal("2500"), "人日", "person-day", "", ""),
        (
            None,
            "证书费",
            "Certificate fee",
            Decimal("300"),
            "张",
            "certificate",
            "含中英文证书各一份",
            "One Chinese and one English copy",
        ),
        (None, "年度监督费", "Annual surveillance", Decimal("2500"), "人日", "person-day", "", ""),
        (None, "变更确认费", "Change confirmation", Decimal("500"), "次", "change", "", ""),
    ]
    category = ProductCategory.objects.filter(code="FT11").first()
    if category is not None:
        fees.append(
            (
                category,
                "云平台现场检查附加费",
                "Cloud platform on-site check (additional)",
                Decimal("3000"),
                "次",
                "visit",
                "多数据中心部署时按数据中心计",
                "Per data centre where several are used",
            )
        )
    for order, (cat, zh, en, amount, unit_zh, unit_en, note_zh, note_en) in enumerate(fees, start=1):
        services.fee_create(
            actor=market,
            category=cat,
            item_zh=zh,
            item_en=en,
            amount=amount,
            unit_zh=unit_zh,
            unit_en=unit_en,
            note_zh=note_zh,
            note_en=note_en,
            sort_order=order * 10,
        )
