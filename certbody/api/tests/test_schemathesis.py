"""Property-based fuzzing of every operation in openapi.json with schemathesis (through WSGI, real database):
no 500, JSON where JSON is promised, and every answer — errors included — matches its documented schema."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from django.core.wsgi import get_wsgi_application  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
)

from certbody.accounts.services import api_token_create, user_create  # noqa: E402
from certbody.core.roles import Role  # noqa: E402
from certbody.demo import scenarios as sc  # noqa: E402


@pytest.fixture
def wsgi_keeps_test_connection():
    """Calls go through the real WSGI handler, whose request signals would close the test transaction's
    connection (Django's own test client unhooks them the same way)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(cast, software_scheme, wsgi_keeps_test_connection):
    """Some real records to find, and a caller who holds every staff role (so refusals come late)."""
    sc.certified(cast, software_scheme)
    sc.submitted_application(cast, software_scheme)
    everyone = user_create(
        username="fuzzer", password=None, roles=[r for r in Role.values if r != Role.CLIENT], actor=None, lab=cast.lab
    )
    _, key = api_token_create(user=everyone, name="schemathesis", actor=None)
    return {"Authorization": f"Bearer {key}"}


# Loading the document touches no database table, so it can happen at collection time.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
@pytest.mark.django_db
def test_every_operation_answers_within_its_schema_and_never_500(case, bearer):
    response = case.call(headers=bearer)
    case.validate_response(response, checks=[not_a_server_error, content_type_conformance, response_schema_conformance])
