import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Sign-up rate limits live in the cache; each test starts with none used (the test client is always 127.0.0.1)."""
    cache.clear()
    yield
    cache.clear()
