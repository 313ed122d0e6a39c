from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("media", "0007_upload_progress_step"),
    ]

    operations = [
        migrations.AddField(
            model_name="cut",
            name="hls_task_id",
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
