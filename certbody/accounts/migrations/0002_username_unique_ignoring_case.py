"""User names unique whatever their case. An installation that already holds two names differing only in case
("Alice", "alice") must rename one first: the migration names them and stops, rather than failing on the index."""

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def refuse_clashing_names(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    clashes = (
        User.objects.annotate(folded=Lower("username"))
        .values("folded")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("folded", flat=True)
    )
    names = sorted(
        User.objects.annotate(folded=Lower("username"))
        .filter(folded__in=list(clashes))
        .values_list("username", flat=True)
    )
    if names:
        raise RuntimeError(
            "These user names differ only in case; rename all but one of each group (Django admin), then migrate "
            "again: " + ", ".join(names)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("clients", "0001_initial"),
        ("labs", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(refuse_clashing_names, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("username"),
                name="accounts_user_username_ci_uniq",
                violation_error_message="This user name is taken; choose another.",
            ),
        ),
    ]
