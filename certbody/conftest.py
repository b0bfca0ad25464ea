import runpy
from pathlib import Path

import pytest

from certbody.demo.scenarios import make_cast
from certbody.schemes.catalogue import load_default_catalogue
from certbody.schemes.models import Scheme


def pytest_configure(config):
    # Tests see the same translations as `make run`, however pytest was started.
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "scripts" / "compile_messages.py"))
    from django.utils.translation import trans_real

    # Catalogues read before the .mo existed would stay empty for the whole run.
    trans_real._translations.clear()
    trans_real._default = None


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need a server database: on SQLite they are deselected (reported, never skipped)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    dropped = [item for item in items if item.get_closest_marker("postgres")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture
def catalogue(db):
    """The default catalogue; a transactional test's flush removes what the migration loaded."""
    if not Scheme.objects.exists():
        load_default_catalogue()


@pytest.fixture
def software_scheme(catalogue):
    """Client software: type testing, no initial inspection."""
    return Scheme.objects.get(code="NFCC-PC-B01")


@pytest.fixture
def hardware_scheme(catalogue):
    """POS terminal: type testing plus initial factory inspection."""
    return Scheme.objects.get(code="NFCC-PC-B06")


@pytest.fixture
def english():
    """Run a test in English (the default language is Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def browser_page(live_server):
    """A fresh page in Debian's Chromium driven by Playwright (never a downloaded browser), against `live_server`.

    Yields (page, base_url). Screenshots of a failing step can be taken with page.screenshot(path=...).
    """
    import os

    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CERTBODY_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.fail(f"Chromium not found at {executable}: run `make browser` (installs Debian's chromium).")
    # Playwright's sync API runs an event loop; Django refuses ORM calls from a thread that has one.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page, live_server.url
        finally:
            context.close()
            browser.close()
