"""PostgreSQL: the manufacturer trigram index moves to Certificate.manufacturer_names.

A manufacturer term is then tested on the certificate row itself (no correlated lookup of the current version
per row walked), and found through the same kind of index as the holder and the product.
"""

from django.db import migrations

# No ANALYZE here: on a new, empty table it records "0 rows", and the foreign-key checks of a bulk load into it
# are then planned as sequential scans (seen: a million-row load slowing from seconds per batch to minutes).
FORWARD = [
    "DROP INDEX IF EXISTS website_certver_manufacturer_trgm",
    "CREATE INDEX IF NOT EXISTS website_cert_manufacturer_trgm ON certificates_certificate "
    "USING gin (manufacturer_names gin_trgm_ops)",
    # Every search scans an index's pending list (new rows not yet merged): keep it at 1 MB instead of 4 MB.
    "ALTER INDEX website_cert_holder_trgm SET (gin_pending_list_limit = 1024)",
    "ALTER INDEX website_cert_product_trgm SET (gin_pending_list_limit = 1024)",
    "ALTER INDEX website_cert_manufacturer_trgm SET (gin_pending_list_limit = 1024)",
]
BACKWARD = [
    "ALTER INDEX website_cert_holder_trgm RESET (gin_pending_list_limit)",
    "ALTER INDEX website_cert_product_trgm RESET (gin_pending_list_limit)",
    "DROP INDEX IF EXISTS website_cert_manufacturer_trgm",
    "CREATE INDEX IF NOT EXISTS website_certver_manufacturer_trgm ON certificates_certificateversion "
    "USING gin ((jsonb_path_query_array(units, '$[*].manufacturer')::text) gin_trgm_ops)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("website", "0003_search_index_one_write"),
        ("certificates", "0004_manufacturer_names"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
