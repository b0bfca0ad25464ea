"""API bodies are held to the limits of forms: too large answers 413, too many fields 413, in the error shape and
translated; never a 500."""

import json

import pytest
from django.test import Client, override_settings
from django.utils import translation

from certbody.accounts.services import api_token_create

from .conftest import BASE


@pytest.fixture
def client_api(cast, software_scheme):
    _, key = api_token_create(user=cast.client, name="limits", actor=None)
    browser = Client(raise_request_exception=False)
    browser.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    browser.cookies["django_language"] = "en"
    return browser


def post_json(browser, body: str, path: str = "/applications"):
    return browser.post(BASE + path, body, content_type="application/json")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2000)
def test_a_body_over_the_size_limit_answers_413(client_api):
    response = post_json(client_api, json.dumps({"title": "x" * 3000}))
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=20)
@pytest.mark.parametrize(
    "body",
    [
        {f"k{i}": 1 for i in range(21)},  # many keys
        {"title": "a", "members": list(range(21))},  # a long list
        {"title": "a", "nested": [{"a": 1}, {"b": [1, 2, {"c": list(range(15))}]}]},  # counted all the way down
    ],
    ids=["keys", "list", "nested"],
)
def test_a_body_with_too_many_fields_answers_413(client_api, body):
    response = post_json(client_api, json.dumps(body))
    assert response.status_code == 413
    assert response.json() == {
        "code": "too_many_fields",
        "message": "The request has more than 20 fields or files.",
        "details": {},
    }


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=20)
def test_a_form_body_with_too_many_fields_answers_413(client_api):
    response = client_api.post(BASE + "/portal/applications/1/documents", {f"f{i}": "1" for i in range(25)})
    assert response.status_code == 413
    assert response.json()["code"] == "too_many_fields"


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=20)
def test_a_body_within_the_limits_is_read(client_api, software_scheme):
    response = post_json(client_api, json.dumps({"title": "手机银行", "scheme": software_scheme.code}))
    assert response.status_code in (201, 422)
    assert response.json().get("code") not in ("too_many_fields", "body_too_large")


def test_a_body_nested_beyond_the_parser_answers_400(client_api):
    response = post_json(client_api, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2000)
def test_the_refusal_is_translated(client_api):
    client_api.cookies["django_language"] = "zh-hans"
    with translation.override("zh-hans"):
        response = post_json(client_api, json.dumps({"title": "x" * 3000}))
    assert response.status_code == 413
    assert "larger than" not in response.json()["message"]
