"""Behind trusted reverse proxies the client is the N-th X-Forwarded-For entry from the right, for every rate limit."""

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings

from certbody.core.middleware import TrustedProxyMiddleware, client_address

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
SEARCH = "/api/v1/public/certificates"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _via_proxy(forwarded: str | None) -> Client:
    extra = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client(**extra)


@override_settings(TRUSTED_PROXY_COUNT=1, PUBLIC_RATE_LIMIT=2, PUBLIC_RATE_WINDOW=3600)
def test_behind_one_proxy_two_clients_get_separate_buckets_and_spoofed_entries_are_ignored():
    alice = _via_proxy("198.51.100.1")
    for _ in range(2):
        assert alice.get(SEARCH).status_code == 200
    assert alice.get(SEARCH).status_code == 429
    assert _via_proxy("198.51.100.2").get(SEARCH).status_code == 200  # another client behind the same proxy
    # Alice writes other addresses on the left of the header; the proxy appended her real one on the right.
    assert _via_proxy("203.0.113.9, 198.51.100.1").get(SEARCH).status_code == 429
    assert _via_proxy("1.2.3.4, 5.6.7.8, 198.51.100.1").get(SEARCH).status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=0, PUBLIC_RATE_LIMIT=2, PUBLIC_RATE_WINDOW=3600)
def test_without_trusted_proxies_the_header_is_ignored():
    assert _via_proxy("198.51.100.1").get(SEARCH).status_code == 200
    assert _via_proxy("198.51.100.2").get(SEARCH).status_code == 200
    assert _via_proxy("198.51.100.3").get(SEARCH).status_code == 429  # one address: the header is not believed


@override_settings(TRUSTED_PROXY_COUNT=1, PUBLICSITE_COMPLAINT_LIMIT=1)
def test_the_complaint_limit_counts_clients_behind_the_proxy():
    from certbody.publicsite.models import ComplaintIntake

    def send(forwarded: str) -> int:
        client = _via_proxy(forwarded)
        page = client.get("/complaint/").content.decode()
        marker = 'name="submit_token" value="'
        start = page.index(marker) + len(marker)
        data = {
            "submit_token": page[start : page.index('"', start)],
            "topic": "service",
            "name": "张三",
            "phone": "023-1",
            "description": "服务态度很差，多次催办无回复。",
        }
        return client.post("/complaint/", data).status_code

    assert send("198.51.100.1") == 302
    assert send("198.51.100.1") == 429
    assert send("198.51.100.2") == 302
    assert ComplaintIntake.objects.count() == 2


@override_settings(TRUSTED_PROXY_COUNT=1, PUBLIC_RATE_LIMIT=1, PUBLIC_RATE_WINDOW=3600)
def test_the_wsgi_fast_path_applies_the_same_rule():
    from certbody.website.fastpath import public_fast_path

    app = public_fast_path(lambda environ, start_response: [b""])

    def get(forwarded: str) -> str:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/api/v1/public/certificates/NO-SUCH",
            "HTTP_HOST": "testserver",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "REMOTE_ADDR": PROXY,
            "HTTP_X_FORWARDED_FOR": forwarded,
        }
        seen = {}
        b"".join(app(environ, lambda status, headers: seen.update(status=status)))
        return seen["status"].split()[0]

    assert get("198.51.100.1") == "404"  # looked up: no such certificate
    assert get("198.51.100.2") == "404"  # another client behind the same proxy: a bucket of its own
    assert get("203.0.113.9, 198.51.100.1") == "429"  # the first client again, with a spoofed entry on the left


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "198.51.100.1", PROXY),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, " 203.0.113.9 ,198.51.100.1 ", "198.51.100.1"),
        (2, "198.51.100.1, 10.0.0.9", "198.51.100.1"),  # two proxies: the outer one appended the client
        (2, "10.0.0.9", PROXY),  # shorter than the proxy chain: not believed
        (1, "not-an-address", PROXY),
        (1, "198.51.100.1, <script>", PROXY),
        (1, "", PROXY),
        (1, None, PROXY),
        (1, "198.51.100.1:51234", "198.51.100.1"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_rule(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    meta = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(meta) == expected


def test_the_middleware_puts_the_client_into_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1")
    seen = TrustedProxyMiddleware(lambda r: (r.META["REMOTE_ADDR"], r.META.get("certbody.proxy_addr")))(request)
    assert seen == ("198.51.100.1", PROXY)
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert TrustedProxyMiddleware(lambda r: r.META["REMOTE_ADDR"])(request) == PROXY
