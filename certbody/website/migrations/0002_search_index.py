"""Substring search indexes for the public registry (Chinese text, any term length >= 3 through the index).

SQLite: an FTS5 `trigram` table keyed by certificate id (holder, product, manufacturer of the current version),
kept in sync by triggers, so raw bulk inserts are indexed too. PostgreSQL: pg_trgm GIN indexes on the
columns and on the expression the search queries (`contains`, i.e. LIKE, not UPPER LIKE).
"""

from django.db import migrations

MANUFACTURERS_SQLITE = (
    "(SELECT group_concat(json_extract(u.value, '$.manufacturer'), ' ') FROM json_each({units}) u)"
)

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE website_certificate_fts USING fts5(holder, product, manufacturer, tokenize='trigram')",
    """CREATE TRIGGER website_cert_fts_ai AFTER INSERT ON certificates_certificate BEGIN
        INSERT INTO website_certificate_fts(rowid, holder, product, manufacturer)
        VALUES (new.id, new.holder_name, new.product_name, '');
    END""",
    """CREATE TRIGGER website_cert_fts_au AFTER UPDATE OF holder_name, product_name ON certificates_certificate
    BEGIN
        UPDATE website_certificate_fts SET holder = new.holder_name, product = new.product_name
        WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER website_cert_fts_ad AFTER DELETE ON certificates_certificate BEGIN
        DELETE FROM website_certificate_fts WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER website_certver_fts_ai AFTER INSERT ON certificates_certificateversion BEGIN
        UPDATE website_certificate_fts SET manufacturer = COALESCE({MANUFACTURERS_SQLITE.format(units="new.units")}, '')
        WHERE rowid = new.certificate_id;
    END""",
    """INSERT INTO website_certificate_fts(rowid, holder, product, manufacturer)
    SELECT c.id, c.holder_name, c.product_name, COALESCE((
        SELECT group_concat(json_extract(u.value, '$.manufacturer'), ' ')
        FROM certificates_certificateversion v, json_each(v.units) u
        WHERE v.certificate_id = c.id AND v.version_no = c.version_no), '')
    FROM certificates_certificate c""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS website_certver_fts_ai",
    "DROP TRIGGER IF EXISTS website_cert_fts_ad",
    "DROP TRIGGER IF EXISTS website_cert_fts_au",
    "DROP TRIGGER IF EXISTS website_cert_fts_ai",
    "DROP TABLE IF EXISTS website_certificate_fts",
]

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS website_cert_holder_trgm ON certificates_certificate "
    "USING gin (holder_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS website_cert_product_trgm ON certificates_certificate "
    "USING gin (product_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS website_certver_manufacturer_trgm ON certificates_certificateversion "
    "USING gin ((jsonb_path_query_array(units, '$[*].manufacturer')::text) gin_trgm_ops)",
    # Statistics of the indexed expression: without them the planner guesses 100 matches for any term.
    "ANALYZE certificates_certificateversion",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS website_certver_manufacturer_trgm",
    "DROP INDEX IF EXISTS website_cert_product_trgm",
    "DROP INDEX IF EXISTS website_cert_holder_trgm",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("website", "0001_initial"),
        ("certificates", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
            elidable=False,
        ),
    ]
