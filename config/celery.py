import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("certbody")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Times are in CELERY_TIMEZONE (settings: TIME_ZONE, Asia/Shanghai).
app.conf.beat_schedule = {
    "certificates-run-daily": {
        # Expire certificates past their date; withdraw those whose suspension ran out.
        "task": "certbody.certificates.run_daily",
        "schedule": crontab(hour=1, minute=0),
    },
    "core-sweep-orphan-files": {
        # Remove uploads whose record was rolled back (left behind by an outer transaction).
        "task": "certbody.core.sweep_orphan_files",
        "schedule": crontab(hour=3, minute=30),
    },
    "core-anchor-audit-chain": {
        # Sign the audit chain head into the append-only checkpoint file (nothing written when unchanged).
        "task": "certbody.core.anchor_audit_chain",
        "schedule": crontab(minute="*/10"),
    },
    "core-anchor-audit-chain-day-end": {
        "task": "certbody.core.anchor_audit_chain",
        "schedule": crontab(hour=23, minute=59),
    },
    "portal-send-outbox": {
        # Send the portal's queued e-mails; those whose SMTP attempt failed are retried here.
        "task": "certbody.portal.send_outbox",
        "schedule": 60.0,
    },
}
