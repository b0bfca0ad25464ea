"""The application file (dossier, documents, submissions) moves from the portal to applications.

Only Django's picture of the models moves: the tables keep their names (db_table) and their rows, so nothing is
copied. The content types are renamed to the new app, so that permissions, admin history and status history that
point at them still resolve. (Audit events name the model as text, hash-chained: they keep the old label.)
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import certbody.applications.models

MOVED = ("dossier", "document", "submission")


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_forward(apps, schema_editor):
    _relabel(apps, "portal", "applications")


def content_types_backward(apps, schema_editor):
    _relabel(apps, "applications", "portal")


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0003_return_items_online_acceptance"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0003_rejection_reason"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Dossier",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "outsourcing",
                            models.BooleanField(
                                default=False,
                                help_text="An outsourcing agreement is then part of the file.",
                                verbose_name="development or production is outsourced",
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                        (
                            "application",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="dossier",
                                to="applications.application",
                                verbose_name="application",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "application file",
                        "verbose_name_plural": "application files",
                        "db_table": "portal_dossier",
                    },
                ),
                migrations.CreateModel(
                    name="Document",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("item", models.CharField(max_length=40, verbose_name="checklist item")),
                        ("version", models.PositiveIntegerField(verbose_name="version")),
                        (
                            "file",
                            models.FileField(
                                max_length=200, upload_to=certbody.applications.models._stored_path, verbose_name="file"
                            ),
                        ),
                        ("original_name", models.CharField(max_length=200, verbose_name="file name")),
                        ("content_type", models.CharField(max_length=100, verbose_name="type")),
                        ("size", models.PositiveBigIntegerField(verbose_name="size")),
                        ("sha256", models.CharField(max_length=64, verbose_name="SHA-256")),
                        ("uploaded_at", models.DateTimeField(auto_now_add=True, verbose_name="uploaded")),
                        (
                            "application",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="documents",
                                to="applications.application",
                                verbose_name="application",
                            ),
                        ),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "application document",
                        "verbose_name_plural": "application documents",
                        "db_table": "portal_document",
                        "ordering": ["item", "-version"],
                        "constraints": [
                            models.UniqueConstraint(fields=("application", "item", "version"), name="uniq_doc_version")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Submission",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("round", models.PositiveIntegerField(verbose_name="submission")),
                        ("submitted_at", models.DateTimeField(verbose_name="submitted")),
                        ("answer", models.TextField(blank=True, verbose_name="answer to the request for completion")),
                        ("requested", models.JSONField(blank=True, default=dict, verbose_name="what was asked for")),
                        ("snapshot", models.JSONField(default=dict)),
                        ("changes", models.JSONField(default=list)),
                        (
                            "application",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="submissions",
                                to="applications.application",
                                verbose_name="application",
                            ),
                        ),
                        (
                            "submitted_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "submission",
                        "verbose_name_plural": "submissions",
                        "db_table": "portal_submission",
                        "ordering": ["application", "round"],
                        "constraints": [
                            models.UniqueConstraint(fields=("application", "round"), name="uniq_submission_round")
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
