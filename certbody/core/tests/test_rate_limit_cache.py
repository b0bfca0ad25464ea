"""Rate limits hold in production: `check --deploy` refuses a per-process cache, and Redis shares the count."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory, override_settings

from certbody.core import throttle
from certbody.core.checks import rate_limit_cache_shared

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/0"
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")


def _check_deploy(**env: str) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE: the browser tests set it in this process; a deployment must not have it.
    dropped = {"REDIS_URL", "CELERY_BROKER_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {key: value for key, value in os.environ.items() if key not in dropped}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY="k" * 20 + uuid.uuid4().hex * 2,
        ALLOWED_HOSTS="certbody.example.org",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_refuses_a_per_process_cache():
    with override_settings(CACHES=LOCMEM, PUBLIC_RATE_LIMIT=300):
        errors = rate_limit_cache_shared(None)
    assert [error.id for error in errors] == ["certbody.E001"]
    assert "REDIS_URL" in errors[0].hint


def test_check_accepts_redis():
    with override_settings(CACHES=REDIS, PUBLIC_RATE_LIMIT=300):
        assert rate_limit_cache_shared(None) == []


def test_check_is_quiet_when_every_limit_is_off():
    with override_settings(
        CACHES=LOCMEM, PUBLIC_RATE_LIMIT=0, PORTAL_REGISTER_RATE_LIMIT=0, PUBLICSITE_COMPLAINT_LIMIT=0
    ):
        assert rate_limit_cache_shared(None) == []


def test_check_deploy_fails_with_production_settings_without_redis_and_passes_with_it():
    without = _check_deploy()
    assert without.returncode != 0
    assert "certbody.E001" in without.stderr + without.stdout
    with_redis = _check_deploy(REDIS_URL=REDIS_URL)
    assert with_redis.returncode == 0, with_redis.stderr + with_redis.stdout


@needs_redis
def test_limit_holds_across_processes_sharing_redis(monkeypatch):
    """Two cache clients with their own connections (two workers) count together: the limit holds across them."""
    prefix = f"rl-test-{uuid.uuid4().hex}"
    workers = [RedisCache(REDIS_URL, {"KEY_PREFIX": prefix}) for _ in range(2)]
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
    passed = 0
    for hit in range(30):
        monkeypatch.setattr(throttle, "cache", workers[hit % 2])
        if throttle.fixed_window(request, "test-limit", limit=10, window=3600) is None:
            passed += 1
    assert passed == 10
    # Only this test's keys (clear() would empty the whole Redis database other processes use).
    client = workers[0]._cache.get_client(write=True)
    client.delete(*client.keys(f"{prefix}:*"))


def test_per_process_caches_count_apart(monkeypatch):
    """Why the check exists: two locmem caches (two workers) each let the whole limit through."""
    from django.core.cache.backends.locmem import LocMemCache

    workers = [LocMemCache(f"worker-{n}-{uuid.uuid4().hex}", {}) for n in range(2)]
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.8")
    passed = 0
    for hit in range(30):
        monkeypatch.setattr(throttle, "cache", workers[hit % 2])
        if throttle.fixed_window(request, "test-limit", limit=10, window=3600) is None:
            passed += 1
    assert passed == 20
