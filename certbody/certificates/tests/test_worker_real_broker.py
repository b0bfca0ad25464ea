"""The daily job through a real Celery worker and a real Redis broker (eager mode hides payload bugs)."""

import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from certbody.certificates.models import Certificate
from certbody.demo import scenarios as sc

ROOT = Path(__file__).resolve().parents[3]
BROKER = os.environ.get("CERTBODY_TEST_BROKER", "redis://127.0.0.1:6379/14")


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_daily_job_expires_certificates_on_a_real_worker(cast, software_scheme):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a database it can open itself: runs in the PostgreSQL pass")
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    certificate = sc.certified(cast, software_scheme)
    day_after_expiry = certificate.expires_on + timedelta(days=1)
    db = connection.settings_dict
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": BROKER,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        sender = Celery(broker=BROKER)
        sender.send_task("certbody.certificates.run_daily", args=[day_after_expiry.isoformat()], queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            certificate.refresh_from_db()
            if certificate.status == Certificate.Status.EXPIRED or worker.poll() is not None:
                break
            time.sleep(0.3)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert certificate.status == Certificate.Status.EXPIRED, output[-3000:]
    assert certificate.cnca_code == "05"
