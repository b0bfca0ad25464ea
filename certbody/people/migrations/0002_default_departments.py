from django.db import migrations


def forwards(apps, schema_editor):
    from certbody.people.defaults import load_departments

    load_departments(apps.get_model("people", "Department"))
    # The bar period after a conflict of interest (DOMAIN.md: 2 years, configurable) is the setting
    # "conflict_bar_months": its default (24) lives in people/config.py like every other default of core.config; a
    # SystemSetting row is written only when staff change it (the settings table holds changes, not defaults).


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
