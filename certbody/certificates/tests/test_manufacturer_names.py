"""Certificate.manufacturer_names follows the current version (services, bulk loads, and the migration backfill)."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from certbody.applications.models import Application
from certbody.certificates.models import Certificate, manufacturer_label
from certbody.demo import scenarios as sc
from certbody.demo.bulk import bulk_certificates

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("certbody.certificates.migrations.0004_manufacturer_names").backfill


class _Editor:
    """What the migration's function uses of a schema editor (SQLite's refuses to open inside a test's transaction)."""

    connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


def current_label(certificate: Certificate) -> str:
    return manufacturer_label(certificate.versions.get(version_no=certificate.version_no).units)


def test_issue_and_new_version_keep_the_manufacturers_of_the_current_version(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    assert certificate.manufacturer_names == cast.manufacturer.name == current_label(certificate)
    other = sc.make_cast("沪")
    change = sc.submitted_application(cast, software_scheme, kind=Application.Kind.CHANGE, certificate=certificate)
    change.units.update(manufacturer=other.manufacturer)
    sc.granted(cast, sc.reviewed(cast, sc.evaluated(cast, sc.accepted(cast, change))))
    certificate.refresh_from_db()
    assert certificate.version_no == 2
    assert certificate.manufacturer_names == other.manufacturer.name == current_label(certificate)


def test_the_migration_backfills_every_certificate_from_its_current_version(cast, software_scheme):
    sc.certified(cast, software_scheme)
    bulk_certificates(40, seed=3)
    Certificate.objects.update(manufacturer_names="")
    backfill(None, _Editor())
    for certificate in Certificate.objects.all():
        assert certificate.manufacturer_names and certificate.manufacturer_names == current_label(certificate)
