import pytest

from certbody.core.scenarios import make_cast
from certbody.schemes.models import Scheme


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture
def software_scheme(db):
    """Client software: type testing, no initial inspection."""
    return Scheme.objects.get(code="NFCC-PC-B01")


@pytest.fixture
def hardware_scheme(db):
    """POS terminal: type testing plus initial factory inspection."""
    return Scheme.objects.get(code="NFCC-PC-B06")
