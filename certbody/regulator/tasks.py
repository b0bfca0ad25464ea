"""Background jobs of the exchange. Tasks take primitives only (ids), never ORM objects."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="certbody.regulator.generate_export")
def generate_export(run_id: int) -> str:
    from .services import export_generate

    return export_generate(run_id=run_id).status
