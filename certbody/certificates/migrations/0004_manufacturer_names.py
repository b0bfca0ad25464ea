"""Certificate.manufacturer_names: the current version's manufacturers on the certificate row, for the search."""

from django.db import migrations, models

POSTGRES = """
UPDATE certificates_certificate c SET manufacturer_names = LEFT(COALESCE((
    SELECT string_agg(s.m, '；' ORDER BY s.first)
    FROM (
        SELECT e.value->>'manufacturer' AS m, MIN(e.ord) AS first
        FROM jsonb_array_elements(v.units) WITH ORDINALITY AS e(value, ord)
        WHERE COALESCE(e.value->>'manufacturer', '') <> ''
        GROUP BY 1
    ) s), ''), 500)
FROM certificates_certificateversion v
WHERE v.certificate_id = c.id AND v.version_no = c.version_no
"""
SQLITE = """
UPDATE certificates_certificate SET manufacturer_names = COALESCE((
    SELECT substr(group_concat(s.m, '；'), 1, 500)
    FROM (
        SELECT json_extract(u.value, '$.manufacturer') AS m, MIN(CAST(u.key AS INTEGER)) AS first
        FROM certificates_certificateversion v, json_each(v.units) u
        WHERE v.certificate_id = certificates_certificate.id AND v.version_no = certificates_certificate.version_no
          AND COALESCE(json_extract(u.value, '$.manufacturer'), '') <> ''
        GROUP BY 1 ORDER BY 2
    ) s), '')
"""


def backfill(apps, schema_editor):
    sql = {"postgresql": POSTGRES, "sqlite": SQLITE}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0003_signingkey_certificatedocument"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="manufacturer_names",
            field=models.CharField(blank=True, default="", max_length=500, verbose_name="manufacturers"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]
