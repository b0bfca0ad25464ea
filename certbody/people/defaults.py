"""Default data: the seed's eight departments (csr-report-2021: 中心初期共设置八个部门)."""

from __future__ import annotations

DEPARTMENTS = [
    ("cert1", "认证一部", "Certification Department I"),
    ("cert2", "认证二部", "Certification Department II"),
    ("testing", "检测部", "Testing Department"),
    ("standards", "标准化部", "Standardisation Department"),
    ("market", "市场运营部", "Market and Operations Department"),
    ("quality", "质量风控部", "Quality and Risk Control Department"),
    ("finance", "财务部", "Finance Department"),
    ("admin", "综合管理部", "General Administration Department"),
]


def load_departments(department_model) -> None:
    """Idempotent: creates the missing departments, leaves edited ones alone."""
    for order, (code, zh, en) in enumerate(DEPARTMENTS, start=1):
        department_model.objects.get_or_create(code=code, defaults={"name_zh": zh, "name_en": en, "sort_order": order})
