from celery import shared_task


@shared_task(name="certbody.portal.send_outbox")
def send_outbox() -> int:
    """Send the e-mails that are due (ids only: the rows are the payload)."""
    from .notify import send_due

    return send_due()
