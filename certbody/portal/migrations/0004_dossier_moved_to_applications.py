"""The application file moved to applications (0004_dossier_moved_from_portal): only the state moves."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0004_dossier_moved_from_portal"),
        ("portal", "0003_rejection_reason"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="dossier",
                    name="application",
                ),
                migrations.RemoveField(
                    model_name="submission",
                    name="application",
                ),
                migrations.RemoveField(
                    model_name="submission",
                    name="submitted_by",
                ),
                migrations.DeleteModel(
                    name="Document",
                ),
                migrations.DeleteModel(
                    name="Dossier",
                ),
                migrations.DeleteModel(
                    name="Submission",
                ),
            ],
        ),
    ]
