"""The document checklist of an application, derived from its scheme's category and the client's declarations.

The catalogue has no checklist of its own; DOMAIN.md lists the documents. Hardware categories (chips, carriers,
terminals) are built in factories: their development procedures are optional and a confidentiality agreement is
asked for only for software and service categories, whose code and data the evaluation handles. The outsourcing
agreement is required only when the client declares that development or production is outsourced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from certbody.schemes.catalogue import CATEGORIES

HARDWARE_CATEGORIES = frozenset(code for code, _zh, _en, _batch, hardware, _std in CATEGORIES if hardware)


@dataclass(frozen=True)
class Item:
    code: str
    label: Any
    help: Any
    required: bool


ITEMS = [
    ("application_form", _("Application form"), _("The signed application form (申请书).")),
    (
        "business_licences",
        _("Business licences"),
        _("Of the applicant, the manufacturer and the production site (one PDF or a ZIP)."),
    ),
    ("quality_documents", _("Quality-system documents"), _("Quality manual and procedures of the manufacturer.")),
    ("declarations", _("Conformity and applicability declarations"), _("Signed declarations for every unit.")),
    ("manual", _("User manual"), _("The product's user manual or operating guide.")),
    (
        "procedures",
        _("Development, release and maintenance procedures"),
        _("How versions are developed, released and maintained."),
    ),
    ("outsourcing", _("Outsourcing agreement"), _("Needed because part of the work is outsourced.")),
    ("confidentiality", _("Confidentiality agreement"), _("Protects code and data handed over for evaluation.")),
]
LABELS = {code: label for code, label, _help in ITEMS}


def checklist(*, category_code: str, outsourcing: bool) -> list[Item]:
    software = category_code not in HARDWARE_CATEGORIES
    items = []
    for code, label, help_text in ITEMS:
        if code == "outsourcing":
            if not outsourcing:
                continue
            required = True
        elif code in ("procedures", "confidentiality"):
            required = software
        else:
            required = True
        items.append(Item(code, label, help_text, required))
    return items


def for_application(application) -> list[Item]:
    dossier = getattr(application, "dossier", None)
    return checklist(category_code=application.scheme.category.code, outsourcing=bool(dossier and dossier.outsourcing))
