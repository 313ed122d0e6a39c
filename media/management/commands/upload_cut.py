"""Batch import: ``manage.py upload_cut <project id> <file> [--subtitles FILE] [--user NAME] [--note TEXT] [--wait]``."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from media import services
from media.tasks import process_cut
from projects.models import VideoProject
from studio.errors import ActionRefused


class Command(BaseCommand):
    help = "Upload a video file as a new cut of a project (same checks as the browser upload)."

    def add_arguments(self, parser):
        parser.add_argument("project", type=int)
        parser.add_argument("file")
        parser.add_argument("--user", default=None, help="account to upload as (default: the first office user)")
        parser.add_argument("--note", default="", help="what changed in this cut")
        parser.add_argument("--subtitles", default=None, help="an SRT or WebVTT file to attach to the cut")
        parser.add_argument("--wait", action="store_true", help="process previews and QC now instead of in the worker")

    def handle(self, *args, project, file, user, note, wait, subtitles, **options):
        try:
            target = VideoProject.objects.get(pk=project)
        except VideoProject.DoesNotExist:
            raise CommandError(f"No project {project}.") from None
        users = get_user_model().objects
        account = users.filter(username=user).first() if user else users.filter(groups__name="office").first()
        if account is None:
            raise CommandError("No such user: pass --user with an existing account.")
        if subtitles and not Path(subtitles).is_file():
            raise CommandError(f"No such file: {subtitles}")
        try:
            cut = services.cut_import(project=target, user=account, path=file, note=note)
        except ActionRefused as exc:
            raise CommandError(str(exc.message)) from None
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        if subtitles:
            try:
                services.cut_subtitles_save(cut=cut, user=account, data=Path(subtitles).read_bytes())
            except ActionRefused as exc:
                raise CommandError(f"cut {cut.pk} was uploaded, but its subtitles were refused: {exc.message}") from None
        if wait:
            process_cut.call(cut.pk)
            cut.refresh_from_db()
        self.stdout.write(f"cut {cut.pk}: version {cut.deliverable.version}, {cut.size} bytes, {cut.status}")
        if wait:
            self._report(cut)

    def _report(self, cut):
        """The QC verdict and findings; a cut that cannot go to the panel exits non-zero."""
        if cut.status == cut.Status.FAILED:
            raise CommandError(f"cut {cut.pk}: processing failed: {cut.failure}")
        if cut.status != cut.Status.READY:
            raise CommandError(f"cut {cut.pk} is {cut.status}: {cut.failure or 'processing will be tried again'}")
        for finding in cut.findings:
            at = f" at {finding.start:.1f}s" if finding.start is not None else ""
            self.stdout.write(f"  {finding.severity}{at}: {finding.message}")
        if not cut.qc_passed:
            raise CommandError(f"cut {cut.pk}: technical QC failed; the office may waive it on the cut page")
        self.stdout.write(f"cut {cut.pk}: technical QC passed")
