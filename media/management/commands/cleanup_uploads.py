"""``manage.py cleanup_uploads [--days N]``: abort uploads nobody finished in N days (default 7)
and free their bytes (local partial files, S3 multipart parts). Run it daily from cron."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from media import uploads


class Command(BaseCommand):
    help = "Abort uploads left unfinished for more than --days days and free their storage."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days, **options):
        count = uploads.upload_abandon(older_than=timezone.now() - timedelta(days=max(days, 0)))
        self.stdout.write(f"{count} abandoned upload(s) aborted.")
