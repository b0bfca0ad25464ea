"""The demo server (`make run`) leaks nothing: no /media/ URL, unguessable stored names, its own secret key, and no
tracebacks on error pages unless DEBUG=1 is asked for."""

from __future__ import annotations

import importlib
import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import models
from django.test import override_settings
from django.urls import clear_url_caches
from django.utils import timezone

from certbody.core.filenames import random_name

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def debug_urls():
    """config.urls as `make run DEBUG=1` loads it (the media route used to appear under DEBUG)."""
    import config.urls

    with override_settings(DEBUG=True):
        importlib.reload(config.urls)
        clear_url_caches()
        yield
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_media_is_not_served_even_with_debug(client, debug_urls, signed_in):
    name = default_storage.save("portal/1/lab-report.pdf", __import__("io").BytesIO(b"%PDF-1.4 confidential"))
    try:
        if signed_in:
            user = get_user_model().objects.create_user(username="reader", password="x", email="r@example.org")
            client.force_login(user)
        response = client.get(f"/media/{name}")
        assert response.status_code == 404
        assert b"confidential" not in response.content
    finally:
        default_storage.delete(name)


def _file_fields():
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                yield model, field


def _blank(model):
    instance = model()
    for field in model._meta.concrete_fields:
        if isinstance(field, models.DateTimeField) and getattr(instance, field.attname) is None:
            setattr(instance, field.attname, timezone.now())
    return instance


def test_every_upload_field_stores_a_random_name():
    fields = list(_file_fields())
    assert len(fields) >= 7  # certificates, application documents, attachments, public documents, exports, reports
    for model, field in fields:
        names = {field.generate_filename(_blank(model), "CB-2024-000017-lab-report.pdf") for _ in range(20)}
        where = f"{model._meta.label}.{field.name}"
        assert len(names) == 20, f"{where} stores derived names: {sorted(names)[:3]}"
        for name in names:
            stem = Path(name).stem
            assert "CB-2024" not in name and "lab-report" not in name, f"{where} keeps the given name: {name}"
            assert re.fullmatch(r"[0-9a-f]{32}", stem), f"{where} stores a guessable name: {name}"


def test_random_name_keeps_only_a_plain_extension():
    assert re.fullmatch(r"exports/2024/[0-9a-f]{32}\.xlsx", random_name("exports/2024/", "cnca-20240101.XLSX"))
    assert re.fullmatch(r"x/[0-9a-f]{32}", random_name("x", "../../etc/passwd"))
    assert re.fullmatch(r"x/[0-9a-f]{32}", random_name("x", "report.p d f"))


def _settings_in_subprocess(var_dir: Path, code: str, **env: str) -> str:
    environment = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG"}}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.base", CERTBODY_VAR_DIR=str(var_dir), **env)
    script = "import django; django.setup(); from django.conf import settings; " + code
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_secret_key_is_generated_per_installation_and_kept(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    key = _settings_in_subprocess(first, "print(settings.SECRET_KEY)")
    assert len(key) >= 50 and "insecure" not in key
    assert _settings_in_subprocess(first, "print(settings.SECRET_KEY)") == key  # a restart keeps it
    assert (first / "secret-key").read_text().strip() == key
    assert stat.S_IMODE((first / "secret-key").stat().st_mode) == 0o600
    assert _settings_in_subprocess(second, "print(settings.SECRET_KEY)") != key  # another installation, another key
    # An explicit SECRET_KEY still wins, and nothing is generated for it.
    third = tmp_path / "three"
    assert _settings_in_subprocess(third, "print(settings.SECRET_KEY)", SECRET_KEY="s" * 60) == "s" * 60
    assert not (third / "secret-key").exists()


def _make_run_environment() -> dict[str, str]:
    """The variables `make run` sets for runserver (read from `make -n run`, so the Makefile itself is tested)."""
    printed = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60, env={**os.environ, "DEBUG": ""}
    )
    line = next(line for line in printed.stdout.splitlines() if "runserver" in line)
    environment = {}
    for word in shlex.split(line):
        if "=" not in word or word.startswith("-"):
            break
        name, value = word.split("=", 1)
        environment[name] = value
    return environment


BOOM = """
import sys, types
from django.test import Client
from django.urls import path

def boom(request):
    raise RuntimeError("marker-of-a-traceback")

module = types.ModuleType("boom_urls")
module.urlpatterns = [path("boom/", boom)]
sys.modules["boom_urls"] = module
settings.ROOT_URLCONF = "boom_urls"
response = Client(raise_request_exception=False).get("/boom/")
print(response.status_code, "marker-of-a-traceback" in response.content.decode(), settings.DEBUG)
"""


def test_error_page_of_the_demo_server_shows_no_traceback(tmp_path):
    environment = _make_run_environment()
    assert environment.get("DEBUG", "0") in {"", "0"}, f"make run sets DEBUG={environment.get('DEBUG')}"
    output = _settings_in_subprocess(tmp_path, BOOM, LOG_LEVEL="CRITICAL", **environment)
    assert output == "500 False False"


def test_demo_server_still_serves_static_files_without_debug(tmp_path):
    code = (
        "from django.test import Client; "
        "r = Client().get('/static/certbody/app.css'); print(r.status_code, settings.DEBUG)"
    )
    css = next((ROOT / "certbody" / "static").rglob("*.css")).relative_to(ROOT / "certbody" / "static")
    output = _settings_in_subprocess(tmp_path, code.replace("certbody/app.css", str(css)), **_make_run_environment())
    assert output == "200 False"
