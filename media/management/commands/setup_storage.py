"""Deployment step for S3 mode: ``manage.py setup_storage [--cors-origin URL ...] [--abandon-after DAYS]``.

Creates the bucket when missing, lets the site's origins PUT cut parts from the browser (CORS,
exposing ETag), and asks the server to drop the parts of uploads nobody finished. Safe to run on
every deploy.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from media import storage


class Command(BaseCommand):
    help = "Create the S3 bucket and its CORS and lifecycle rules for browser uploads."

    def add_arguments(self, parser):
        parser.add_argument("--cors-origin", action="append", dest="origins",
                            help="an origin browsers use the site from (default: REELWORK_S3_CORS_ORIGINS)")
        parser.add_argument("--abandon-after", type=int, default=7,
                            help="days after which unfinished uploads are dropped by the server (0: never)")

    def handle(self, *args, origins, abandon_after, **options):
        if not storage.s3_enabled():
            self.stdout.write("Local storage: nothing to set up (REELWORK_S3_ENDPOINT_URL is not set).")
            return
        origins = origins or list(settings.REELWORK_S3_CORS_ORIGINS)
        if not origins:
            raise CommandError("No origin to allow: set REELWORK_S3_CORS_ORIGINS or pass --cors-origin.")
        try:
            lifecycle = storage.ensure_bucket(cors_origins=origins, abandon_after_days=abandon_after or None)
        except storage.StorageError as exc:
            raise CommandError(f"{exc.message} ({exc.detail})") from None
        self.stdout.write(f"Bucket {settings.REELWORK_S3['bucket']} ready; browsers allowed from {', '.join(origins)}.")
        if abandon_after and not lifecycle:
            self.stdout.write("The server refused the lifecycle rule: run `manage.py cleanup_uploads` daily instead.")
