from django.db import migrations


def load(apps, schema_editor):
    from certbody.schemes.catalogue import load_default_catalogue

    load_default_catalogue(apps)


class Migration(migrations.Migration):
    dependencies = [("schemes", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
