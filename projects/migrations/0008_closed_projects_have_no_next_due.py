"""Closed projects (cancelled, rejected, archived) keep no next milestone: their unmet
milestones are not late, and nothing should sort or filter them among the late."""

from django.db import migrations

CLOSED = ["archived", "rejected", "cancelled"]


def clear(apps, schema_editor):
    apps.get_model("projects", "VideoProject").objects.filter(state__in=CLOSED).update(next_due=None, next_warn=None)


class Migration(migrations.Migration):
    dependencies = [("projects", "0007_simcheck_vocabulary")]
    operations = [migrations.RunPython(clear, migrations.RunPython.noop)]
