"""The public registry: verify by number, search (Chinese substrings of any length), abuse control, counting."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from certbody.applications.models import Application
from certbody.certificates import search as search_module
from certbody.certificates.models import Certificate, CertificateVersion
from certbody.certificates.search import SearchParams, search_certificates
from certbody.demo import scenarios as sc
from certbody.demo.bulk import bulk_certificates
from certbody.website import services as counting
from certbody.website.models import VerificationCount

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    counting.discard_pending()
    yield
    counting.discard_pending()
    cache.clear()


@pytest.fixture(params=["probe", "index"])
def search_path(request, monkeypatch):
    """Run a search test twice: answered by the newest-rows probe, and with a probe too small (indexes, walks)."""
    if request.param == "index":
        monkeypatch.setattr(search_module, "PROBE_ROWS", 3)
    return request.param


@pytest.fixture
def registry(cast, software_scheme):
    mine = sc.certified(cast, software_scheme)  # 重庆示例银行股份有限公司, 手机银行客户端
    other = sc.make_cast("沪")
    theirs = sc.certified(other, software_scheme, product="收单终端应用")
    bulk_certificates(300, seed=7)
    return mine, theirs


def manufacturers(cert: Certificate) -> str:
    version = CertificateVersion.objects.get(certificate=cert, version_no=cert.version_no)
    return " ".join(u.get("manufacturer", "") for u in version.units)


def expected(term: str, fields=("holder", "product", "manufacturer")) -> set[str]:
    found = set()
    for cert in Certificate.objects.all():
        text = {"holder": cert.holder_name, "product": cert.product_name, "manufacturer": manufacturers(cert)}
        if any(term.lower() in text[f].lower() for f in fields):
            found.add(cert.number)
    return found


def every_page(**kwargs) -> list[str]:
    numbers, cursor = [], ""
    while True:
        page = search_certificates(SearchParams(limit=100, cursor=cursor, **kwargs))
        numbers += [item["number"] for item in page["items"]]
        if not page["next_cursor"]:
            return numbers
        cursor = page["next_cursor"]


@pytest.mark.parametrize("term", ["沪", "银", "收单", "手机", "示例银行", "收单终端应用", "有限公司", "不存在的词"])
def test_chinese_terms_of_any_length_find_exactly_the_right_certificates(registry, term, search_path):
    mine, theirs = registry
    numbers = every_page(q=term)
    assert len(numbers) == len(set(numbers))
    assert set(numbers) == expected(term), term
    if term in ("沪", "收单", "收单终端应用"):
        assert theirs.number in numbers and mine.number not in numbers
    if term in ("手机", "示例银行"):
        assert mine.number in numbers


@pytest.mark.parametrize("field", ["holder", "product", "manufacturer"])
@pytest.mark.parametrize("term", ["沪", "收单", "示例银"])
def test_field_searches_look_only_at_their_field(registry, field, term, search_path):
    assert set(every_page(**{field: term})) == expected(term, (field,))


def test_common_terms_walk_the_date_index_and_stay_correct(registry, monkeypatch):
    monkeypatch.setattr(search_module, "FEW_MATCHES", 5)
    monkeypatch.setattr(search_module, "PROBE_ROWS", 3)
    for term in ["有限公司", "银行", "示例银行"]:
        assert set(every_page(q=term)) == expected(term), term


def test_a_new_version_replaces_the_certificates_search_entry(registry, cast, software_scheme):
    mine, _theirs = registry
    change = sc.submitted_application(
        cast, software_scheme, kind=Application.Kind.CHANGE, certificate=mine, product="掌上理财客户端"
    )
    sc.granted(cast, sc.reviewed(cast, sc.evaluated(cast, sc.accepted(cast, change))))
    mine.refresh_from_db()
    assert mine.version_no == 2 and mine.product_name == "掌上理财客户端"
    assert every_page(q="掌上理财") == [mine.number]  # 3+ characters: through the index
    assert mine.number not in every_page(product="手机银行客户端")
    assert every_page(q="示例银行").count(mine.number) == 1


def test_number_prefix_and_filters(registry, search_path):
    mine, theirs = registry
    assert every_page(number=mine.number) == [mine.number]
    assert mine.number in every_page(q=mine.number[:8]) or len(mine.number) < 8
    valid = every_page(status="valid", q="银")
    assert valid and all(Certificate.objects.get(number=n).status == "valid" for n in valid)
    category = mine.category.code
    assert set(every_page(category=category, holder="沪")) == {theirs.number}
    in_category = set(Certificate.objects.filter(category__code=category).values_list("number", flat=True))
    assert set(every_page(category=category, q="有限公司")) == expected("有限公司") & in_category
    suspended = set(Certificate.objects.filter(status="suspended").values_list("number", flat=True))
    assert suspended and set(every_page(status="suspended", holder="有限公司")) == expected("有限公司") & suspended
    prefix = mine.number[:6]
    with_prefix = {c.number for c in Certificate.objects.all() if c.number.startswith(prefix)}
    assert set(every_page(q=prefix)) == with_prefix | expected(prefix)  # a number prefix, or text
    day = mine.issued_on
    dated = every_page(issued_from=day, issued_to=day)
    assert mine.number in dated
    assert all(Certificate.objects.get(number=n).issued_on == day for n in dated)


def test_search_pages_newest_first_without_repeats(registry, search_path):
    first = search_certificates(SearchParams(q="有限", limit=10))
    assert first["next_cursor"]
    second = search_certificates(SearchParams(q="有限", limit=10, cursor=first["next_cursor"]))
    days = [i["issued_on"] for i in first["items"] + second["items"]]
    assert days == sorted(days, reverse=True)
    assert not {i["number"] for i in first["items"]} & {i["number"] for i in second["items"]}


def test_verify_page_and_api_show_the_public_record(registry):
    mine, _ = registry
    client = Client()
    page = client.get(f"/verify/{mine.number}")
    assert page.status_code == 200
    html = page.content.decode()
    assert mine.number in html and "重庆示例银行股份有限公司" in html and "手机银行客户端" in html
    assert "01" in html  # CNCA code of a valid certificate
    api = client.get(f"/api/v1/public/certificates/{mine.number}")
    assert api.status_code == 200
    body = api.json()
    assert body["status"] == "valid" and body["cnca_code"] == "01"
    assert body["holder"] == "重庆示例银行股份有限公司" and body["models"] == ["V6"]
    assert body["standards"] and all(s["code"] and s["version"] for s in body["standards"])
    assert body["issued_on"] == mine.issued_on.isoformat() and body["expires_on"] == mine.expires_on.isoformat()
    assert [h["status"] for h in body["history"]] == ["valid"]
    assert set(body["history"][0]) == {"date", "status", "status_display"}


def test_public_output_has_no_personal_data(registry, cast):
    mine, _ = registry
    from certbody.certificates import services as cert_services

    for user in (cast.client, cast.decider, cast.reviewer):
        user.email = f"{user.username}@people.example.cn"
        user.save(update_fields=["email"])

    cert_services.certificate_suspend(
        actor=cast.decider,
        certificate=mine,
        reason_code="misuse",
        reason="秘密理由：客户投诉王敏",
        until=date.today() + timedelta(days=30),
    )
    client = Client()
    texts = [
        client.get(f"/verify/{mine.number}").content.decode(),
        client.get(f"/api/v1/public/certificates/{mine.number}").content.decode(),
        client.get("/verify/", {"q": "示例银行"}).content.decode(),
        client.get("/api/v1/public/certificates", {"q": "示例银行"}).content.decode(),
    ]
    people = [u for u in [cast.client, cast.decider, cast.reviewer] if u is not None]
    for text in texts:
        for user in people:
            assert user.email not in text
            display = getattr(user, "display_name", "")
            if display:
                assert display not in text
        assert "王敏" not in text  # the client's contact person
        assert "秘密理由" not in text  # reasons stay internal


def test_unknown_number_is_a_helpful_404_page_and_json(registry):
    client = Client()
    page = client.get("/verify/NFCC-NO-SUCH-1")
    assert page.status_code == 404
    assert "NFCC-NO-SUCH-1" in page.content.decode() and 'name="q"' in page.content.decode()
    api = client.get("/api/v1/public/certificates/NFCC-NO-SUCH-1")
    assert api.status_code == 404 and api.json()["code"] == "not_found"
    assert "NFCC-NO-SUCH-1" in api.json()["message"]
    weird = client.get("/verify/" + "%E4%B8%AD" * 80)
    assert weird.status_code == 404


def test_bad_search_input_is_a_clear_message_not_an_error(registry):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.get("/api/v1/public/certificates", {"status": "nonsense"}).status_code == 422
    assert client.get("/api/v1/public/certificates", {"cursor": "garbage"}).status_code == 422
    page = client.get("/verify/", {"issued_from": "yesterday"})
    assert page.status_code == 422 and "YYYY-MM-DD" in page.content.decode()
    assert client.get("/verify/", {"cursor": "garbage", "q": "银"}).status_code == 422


@override_settings(PUBLIC_RATE_LIMIT=5, PUBLIC_RATE_WINDOW=3600)
def test_rate_limit_gives_429_with_retry_after(registry):
    mine, _ = registry
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(5):
        assert client.get(f"/api/v1/public/certificates/{mine.number}").status_code == 200
    refused = client.get(f"/api/v1/public/certificates/{mine.number}")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert refused.json()["code"] == "rate_limited" and "Too many requests" in refused.json()["message"]
    page = client.get("/verify/")
    assert page.status_code == 429 and int(page["Retry-After"]) >= 1
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert other.get(f"/verify/{mine.number}").status_code == 200  # per client, not global
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "请求过多" in zh.get("/api/v1/public/certificates").json()["message"]


def test_each_verification_is_counted_per_certificate(registry):
    mine, theirs = registry
    client = Client()
    for _ in range(3):
        client.get(f"/verify/{mine.number}")
    client.get(f"/api/v1/public/certificates/{mine.number}")
    client.get(f"/api/v1/public/certificates/{theirs.number}")
    client.get("/verify/NO-SUCH")
    counting.flush_verifications()
    assert VerificationCount.objects.get(certificate=mine).count == 4
    assert VerificationCount.objects.get(certificate=theirs).count == 1
    assert VerificationCount.objects.count() == 2


@override_settings(PUBLIC_VERIFY_FLUSH_HITS=2)
def test_counts_are_written_in_batches(registry):
    mine, _ = registry
    client = Client()
    client.get(f"/verify/{mine.number}")
    assert not VerificationCount.objects.filter(certificate=mine).exists()  # buffered
    client.get(f"/verify/{mine.number}")
    assert VerificationCount.objects.get(certificate=mine).count == 2


def test_dashboard_stays_at_the_console(registry):
    assert Client().get("/console/").status_code == 302  # the console's dashboard asks for sign-in


def _wsgi_get(app, path, **extra):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "HTTP_HOST": "testserver",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "REMOTE_ADDR": "127.0.0.1",
        **extra,
    }
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return int(seen["status"].split()[0]), seen["headers"], body


def test_wsgi_fast_path_answers_like_the_api_and_counts(registry):
    import json

    from certbody.website.fastpath import public_fast_path

    mine, _ = registry
    passed_on = []

    def django_app(environ, start_response):
        passed_on.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b""]

    app = public_fast_path(django_app)
    status, headers, body = _wsgi_get(app, f"/api/v1/public/certificates/{mine.number}")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == Client().get(f"/api/v1/public/certificates/{mine.number}").json()
    status, _, body = _wsgi_get(app, "/api/v1/public/certificates/NO-SUCH-NUMBER", HTTP_ACCEPT_LANGUAGE="en")
    assert status == 404 and json.loads(body)["code"] == "not_found" and "NO-SUCH-NUMBER" in json.loads(body)["message"]
    counting.flush_verifications()
    assert VerificationCount.objects.get(certificate=mine).count == 2  # the fast path and the ninja endpoint
    _wsgi_get(app, "/api/v1/public/certificates", QUERY_STRING="q=x")  # search: Django's
    _wsgi_get(app, f"/api/v1/public/certificates/{mine.number}", REQUEST_METHOD="POST")
    _wsgi_get(app, f"/api/v1/public/certificates/{mine.number}", HTTP_HOST="evil.example")
    assert passed_on == ["/api/v1/public/certificates"] + [f"/api/v1/public/certificates/{mine.number}"] * 2
    with override_settings(PUBLIC_RATE_LIMIT=1, PUBLIC_RATE_WINDOW=3600):
        cache.clear()
        assert _wsgi_get(app, f"/api/v1/public/certificates/{mine.number}")[0] == 200
        status, headers, body = _wsgi_get(app, f"/api/v1/public/certificates/{mine.number}")
        assert status == 429 and int(headers["Retry-After"]) >= 1 and json.loads(body)["code"] == "rate_limited"
