"""Background jobs for certificates. Tasks take primitives only (ids, ISO dates), never ORM objects."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from .documents.tasks import generate_documents_task  # noqa: F401  (registers the job with the worker)
from .services import run_daily


@shared_task(name="certbody.certificates.run_daily")
def run_daily_task(today: str | None = None) -> dict[str, int]:
    """The daily job (beat: 01:00 Asia/Shanghai). `today` is an ISO date, for catching up on a missed day."""
    return run_daily(today=date.fromisoformat(today) if today else None)
