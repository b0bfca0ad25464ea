from celery import shared_task


@shared_task(name="certbody.core.sweep_orphan_files")
def sweep_orphan_files() -> int:
    """Daily: remove upload files that no record refers to (see core.storage_sweep)."""
    from .storage_sweep import sweep_orphan_files as sweep

    return len(sweep())


@shared_task(name="certbody.core.anchor_audit_chain")
def anchor_audit_chain() -> int | None:
    """Every 10 minutes and at the day's end (worker only: it reads the anchor key). The seq signed, or None."""
    from .anchors import anchor_head

    checkpoint = anchor_head()
    return checkpoint["seq"] if checkpoint else None
