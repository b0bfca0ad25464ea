"""Fewer indexes on the certificate tables: every bulk insert (legacy import, demo load) pays for each one.

Dropped: the single-column indexes on certificate.organisation and .category (the composite indexes
cert_org_status_idx and cert_cat_status_idx start with them) and on version.certificate (the unique
(certificate, version_no) index starts with it). The application and decision indexes become partial (imported
certificates have neither). The database side drops the indexes by name: on SQLite, Django's AlterField would
rebuild the table and lose the search-index triggers on it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0003_return_items_online_acceptance"),
        ("certificates", "0004_manufacturer_names"),
        ("certification", "0001_initial"),
        ("clients", "0001_initial"),
        ("schemes", "0002_default_catalogue"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="certificate",
                    name="application",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="applications.application",
                    ),
                ),
                migrations.AlterField(
                    model_name="certificate",
                    name="category",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="schemes.productcategory",
                        verbose_name="category",
                    ),
                ),
                migrations.AlterField(
                    model_name="certificate",
                    name="organisation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="certificates",
                        to="clients.organisation",
                        verbose_name="holder",
                    ),
                ),
                migrations.AlterField(
                    model_name="certificateversion",
                    name="certificate",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="versions",
                        to="certificates.certificate",
                    ),
                ),
                migrations.AlterField(
                    model_name="certificateversion",
                    name="decision",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="certification.decision",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        "DROP INDEX IF EXISTS certificates_certificate_application_id_fe510204",
                        "DROP INDEX IF EXISTS certificates_certificate_category_id_d66e6fa9",
                        "DROP INDEX IF EXISTS certificates_certificate_organisation_id_c64a2fb8",
                        "DROP INDEX IF EXISTS certificates_certificateversion_certificate_id_b31c4a4b",
                        "DROP INDEX IF EXISTS certificates_certificateversion_decision_id_c6a62b6b",
                    ],
                    reverse_sql=[
                        'CREATE INDEX "certificates_certificate_application_id_fe510204" '
                        'ON "certificates_certificate" ("application_id")',
                        'CREATE INDEX "certificates_certificate_category_id_d66e6fa9" '
                        'ON "certificates_certificate" ("category_id")',
                        'CREATE INDEX "certificates_certificate_organisation_id_c64a2fb8" '
                        'ON "certificates_certificate" ("organisation_id")',
                        'CREATE INDEX "certificates_certificateversion_certificate_id_b31c4a4b" '
                        'ON "certificates_certificateversion" ("certificate_id")',
                        'CREATE INDEX "certificates_certificateversion_decision_id_c6a62b6b" '
                        'ON "certificates_certificateversion" ("decision_id")',
                    ],
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="certificate",
            index=models.Index(
                condition=models.Q(("application__isnull", False)), fields=["application"], name="cert_application_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="certificateversion",
            index=models.Index(
                condition=models.Q(("decision__isnull", False)), fields=["decision"], name="certver_decision_idx"
            ),
        ),
    ]
