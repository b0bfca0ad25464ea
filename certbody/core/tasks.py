from celery import shared_task


@shared_task(name="certbody.core.sweep_orphan_files")
def sweep_orphan_files() -> int:
    """Daily: remove upload files that no record refers to (see core.storage_sweep)."""
    from .storage_sweep import sweep_orphan_files as sweep

    return len(sweep())
