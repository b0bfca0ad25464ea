"""SQLite: index a certificate once, when its version is written, instead of twice.

Before, the certificate's insert added its FTS row and the version's insert rewrote it with the manufacturers (an
FTS5 update is a delete plus an insert: every certificate was tokenised three times). Now the version's insert
writes the whole row (INSERT OR REPLACE: a new version of an existing certificate replaces its row). Every
certificate gets its version 1 in the transaction that creates it, so no certificate is left unindexed.
"""

from django.db import migrations

MANUFACTURERS = "(SELECT group_concat(json_extract(u.value, '$.manufacturer'), ' ') FROM json_each(new.units) u)"

FORWARD = [
    "DROP TRIGGER IF EXISTS website_cert_fts_ai",
    "DROP TRIGGER IF EXISTS website_certver_fts_ai",
    f"""CREATE TRIGGER website_certver_fts_ai AFTER INSERT ON certificates_certificateversion BEGIN
        INSERT OR REPLACE INTO website_certificate_fts(rowid, holder, product, manufacturer)
        SELECT c.id, c.holder_name, c.product_name, COALESCE({MANUFACTURERS}, '')
        FROM certificates_certificate c WHERE c.id = new.certificate_id;
    END""",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS website_certver_fts_ai",
    """CREATE TRIGGER website_cert_fts_ai AFTER INSERT ON certificates_certificate BEGIN
        INSERT INTO website_certificate_fts(rowid, holder, product, manufacturer)
        VALUES (new.id, new.holder_name, new.product_name, '');
    END""",
    f"""CREATE TRIGGER website_certver_fts_ai AFTER INSERT ON certificates_certificateversion BEGIN
        UPDATE website_certificate_fts SET manufacturer = COALESCE({MANUFACTURERS}, '')
        WHERE rowid = new.certificate_id;
    END""",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("website", "0002_search_index")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
