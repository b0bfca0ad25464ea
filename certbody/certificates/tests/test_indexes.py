"""The certificate tables carry the indexes their reads need and no more: bulk writes pay for every index."""

import pytest
from django.db import connection

from certbody.certificates.models import Certificate, CertificateVersion


def _indexes(model) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {name: c["columns"] for name, c in found.items() if c["index"] and not c["primary_key"]}


@pytest.mark.django_db
def test_no_single_column_index_repeats_the_start_of_another_index():
    for model in (Certificate, CertificateVersion):
        indexes = _indexes(model)
        singles = {cols[0] for cols in indexes.values() if len(cols) == 1}
        covered = {cols[0] for cols in indexes.values() if len(cols) > 1}
        assert not singles & covered, (model.__name__, indexes)


@pytest.mark.django_db
def test_application_and_decision_are_found_through_partial_indexes():
    cert, version = _indexes(Certificate), _indexes(CertificateVersion)
    assert cert["cert_application_idx"] == ["application_id"]
    assert version["certver_decision_idx"] == ["decision_id"]
    assert not [n for n, cols in cert.items() if cols == ["application_id"] and n != "cert_application_idx"]
    assert not [n for n, cols in version.items() if cols == ["decision_id"] and n != "certver_decision_idx"]


@pytest.mark.django_db
def test_the_search_index_survives_the_index_migration():
    """SQLite keeps its search index by triggers on these tables (a table rebuild would drop them); PostgreSQL by
    trigram indexes on the certificate."""
    from certbody.certificates.bulk import GIN_INDEXES, TRIGGER

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'website_%'")
            found = {name for (name,) in cursor.fetchall()}
        assert {TRIGGER, "website_cert_fts_au", "website_cert_fts_ad"} <= found
    else:
        assert set(GIN_INDEXES) <= set(_indexes(Certificate))
