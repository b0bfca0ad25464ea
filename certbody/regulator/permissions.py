"""Who may use the exchange: one check per step, `can_<verb>(user, obj) -> Refusal | None` (see
certbody.core.permissions), and what each user sees of it.

Quality (with management and the administrator) imports legacy registers; the regulator's own users and quality
request and download exports. Services run the check first with `refuse_if`; the pages show the step's form when the
same check passes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from certbody.core.permissions import Refusal, has_role, role_refusal
from certbody.core.roles import Role

from . import selectors
from .models import ExportRun, ImportBatch

IMPORT_ROLES = (Role.QUALITY, Role.MANAGEMENT, Role.ADMIN)
EXPORT_ROLES = (Role.REGULATOR, Role.QUALITY, Role.MANAGEMENT, Role.ADMIN)


def import_batches_for(user: Any) -> QuerySet[ImportBatch]:
    """The import batches `user` may see: all of them for the importing roles, none for anyone else."""
    qs = selectors.import_batches()
    return qs if has_role(user, *IMPORT_ROLES) else qs.none()


def export_runs_for(user: Any) -> QuerySet[ExportRun]:
    qs = selectors.export_runs()
    return qs if has_role(user, *EXPORT_ROLES) else qs.none()


def can_import(user: Any, obj: Any = None) -> Refusal | None:
    return role_refusal(user, *IMPORT_ROLES)


def can_request_export(user: Any, obj: Any = None) -> Refusal | None:
    return role_refusal(user, *EXPORT_ROLES)
