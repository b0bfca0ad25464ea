import runpy
from pathlib import Path

import pytest

from certbody.core.scenarios import make_cast
from certbody.schemes.catalogue import load_default_catalogue
from certbody.schemes.models import Scheme


def pytest_configure(config):
    # Tests see the same translations as `make run`, however pytest was started.
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "scripts" / "compile_messages.py"))
    from django.utils.translation import trans_real

    # Catalogues read before the .mo existed would stay empty for the whole run.
    trans_real._translations.clear()
    trans_real._default = None


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
