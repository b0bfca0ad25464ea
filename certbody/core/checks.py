"""`check --deploy`: the rate limits (certbody/core/throttle.py) must count in a cache every worker shares.

A per-process cache (locmem) counts each gunicorn worker apart and forgets on restart: with two workers, 600 of 700
requests passed a limit of 300. Production points REDIS_URL at Redis (base.py then configures CACHES with it).
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

# Cache backends whose counts are not shared between processes (or not kept at all).
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.security, Tags.caches, deploy=True)
def rate_limit_cache_shared(app_configs, **kwargs):
    from certbody.core.throttle import LIMITS

    if not any(getattr(settings, limit) for limit, _window in LIMITS.values()):
        return []  # every limit is off: nothing to count
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PER_PROCESS_CACHES:
        return []
    return [
        Error(
            f"The rate limits count in a per-process cache ({backend.rsplit('.', 1)[-1]}): each worker counts "
            "apart and every restart starts again, so the limits do not hold.",
            hint="Set REDIS_URL (e.g. redis://127.0.0.1:6379/0): the cache, and with it the rate limits, is then "
            "shared by every worker and process.",
            id="certbody.E001",
        )
    ]
