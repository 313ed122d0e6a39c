"""Failure reasons and QC findings become data (code + parameters, worded when read), claims get
a lease, and every QC waiver is kept.

Existing rows: findings are recomputed from the stored QC report against the project's current
spec; the verdict (``qc_passed``) stands as it was given, and a stored finding the recomputation
does not reproduce is kept with its sentence (``params["text"]``). Free-text failures and upload
errors keep their sentence under the legacy code "text". Existing waivers become the first row
of their cut's history."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def forwards(apps, schema_editor):
    from media import qc

    Cut = apps.get_model("media", "Cut")
    Upload = apps.get_model("media", "Upload")
    QCWaiver = apps.get_model("media", "QCWaiver")
    for cut in Cut.objects.exclude(failure_detail=""):
        first, _sep, _rest = cut.failure_detail.partition("\n")
        cut.failure_code, cut.failure_params = "text", {"text": first}
        cut.save(update_fields=["failure_code", "failure_params"])
    for upload in Upload.objects.exclude(error=""):
        upload.error_code, upload.error_params = "text", {"text": upload.error}
        upload.save(update_fields=["error_code", "error_params"])
    for cut in Cut.objects.exclude(qc={}).select_related("deliverable__project__genre"):
        cut.qc = {**cut.qc, "findings": _findings(qc, cut)}
        cut.save(update_fields=["qc"])
    for cut in Cut.objects.exclude(qc_waived_by=None).exclude(qc_waiver_reason=""):
        QCWaiver.objects.create(cut=cut, user_id=cut.qc_waived_by_id, reason=cut.qc_waiver_reason)


def _findings(qc, cut) -> list[dict]:
    project = cut.deliverable.project
    width, height = (int(n) for n in project.spec_resolution.split("x"))
    targets = qc.Targets(
        min_seconds=project.genre.target_minutes_min * 60, max_seconds=project.genre.target_minutes_max * 60,
        min_resolution=(width, height), fps=float(project.spec_fps),
    )
    old = {(f.get("code"), f.get("start")): f for f in cut.qc.get("findings", [])}
    out = []
    for finding in qc.QCReport.from_dict(cut.qc.get("report", {})).findings(targets):
        stored = old.pop((finding.code, finding.start), None)
        data = finding.as_dict()
        if stored:
            data["severity"] = stored.get("severity", data["severity"])
        out.append(data)
    for stored in old.values():
        out.append({"code": stored.get("code", "text"), "severity": stored.get("severity", "warn"),
                    "start": stored.get("start"), "end": stored.get("end"),
                    "params": {"text": stored.get("message", "")}})
    return out


class Migration(migrations.Migration):

    dependencies = [
        ("media", "0002_upload_direct_to_s3"),
        ("projects", "0005_project_spec"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="cut", old_name="failure", new_name="failure_detail"),
        migrations.AlterField(
            model_name="cut", name="failure_detail", field=models.TextField(blank=True, verbose_name="technical detail"),
        ),
        migrations.AddField(
            model_name="cut", name="failure_code",
            field=models.CharField(blank=True, max_length=40, verbose_name="failure"),
        ),
        migrations.AddField(model_name="cut", name="failure_params", field=models.JSONField(blank=True, default=dict)),
        migrations.AddField(model_name="cut", name="lease_until", field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(
            model_name="upload", name="error_code", field=models.CharField(blank=True, max_length=40, verbose_name="error"),
        ),
        migrations.AddField(model_name="upload", name="error_params", field=models.JSONField(blank=True, default=dict)),
        migrations.AddField(model_name="upload", name="lease_until", field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="upload", name="attempts", field=models.PositiveSmallIntegerField(default=0)),
        migrations.CreateModel(
            name="QCWaiver",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reason", models.TextField(verbose_name="reason")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="waived at")),
                ("cut", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="waivers", to="media.cut")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                           to=settings.AUTH_USER_MODEL, verbose_name="waived by")),
            ],
            options={"verbose_name": "QC waiver", "verbose_name_plural": "QC waivers", "ordering": ["-created_at", "-pk"]},
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveField(model_name="upload", name="error"),
    ]
