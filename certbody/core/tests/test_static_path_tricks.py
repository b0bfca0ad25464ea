"""Encoded path tricks on static and media files answer 400/404, never a server error (WhiteNoise with the finders,
as in development, and without them, as in production)."""

import pytest
from django.test import Client, override_settings

TRICKS = [
    "/static/%2e%2e/%2e%2e/config/settings/base.py",
    "/static/..%2f..%2fmanage.py",
    "/static/%2e%2e%2f%2e%2e%2fmanage.py",
    "/static/%25%32%65%25%32%65/manage.py",  # double encoding
    "/static/%c0%ae%c0%ae/%c0%ae%c0%ae/manage.py",  # overlong UTF-8 dots
    "/static/%c0%af",
    "/static/%ed%a0%80",  # a lone surrogate
    "/static/%ff%fe",
    "/static/..\\..\\manage.py",
    "/static/%5c..%5c..%5cmanage.py",
    "/static/\\\\server\\share",
    "/static/C:/windows/win.ini",
    "/static//etc/passwd",
    "/static/css/%00.css",
    "/static/%00",
    "/static/css/app.css%00.txt",
    "/static/css/",
    "/static/css/app.css/..",
    "/static/favicon.svg::$DATA",
    "/static/" + "a" * 5000,
    "/static/" + "a/" * 2000,
    "/media/%2e%2e/%2e%2e/manage.py",
    "/media/%00",
    "/media/%c0%ae%c0%ae/x",
]


@pytest.mark.django_db
@pytest.mark.parametrize("finders", [True, False], ids=["finders", "collected"])
@pytest.mark.parametrize("path", TRICKS)
def test_an_encoded_path_trick_is_refused_not_a_server_error(path, finders):
    with override_settings(WHITENOISE_USE_FINDERS=finders, WHITENOISE_AUTOREFRESH=finders):
        response = Client(raise_request_exception=False).get(path)
    assert response.status_code in (400, 404), (path, response.status_code)
    assert b"Traceback" not in response.content


@pytest.mark.django_db
def test_a_real_static_file_is_still_served():
    response = Client().get("/static/css/app.css")
    assert response.status_code == 200
