from django.db import migrations


def load(apps, schema_editor):
    from screenings import reference_data

    reference_data.load(apps)


class Migration(migrations.Migration):
    dependencies = [("screenings", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
