from django.db import migrations


def load(apps, schema_editor):
    from projects import reference_data

    reference_data.load(apps)


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
