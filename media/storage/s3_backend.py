"""``STORAGES["default"]`` in S3 mode: django-storages' ``S3Storage`` configured from
``settings.REELWORK_S3`` by :func:`media.storage.config.s3_storage_options`, the same dict and
options the boto3 client and :func:`media.storage.storage` use. Imported only when settings name it
(importing it loads boto3)."""

from storages.backends.s3 import S3Storage

from media.storage.config import require_s3, s3_storage_options


class ReelworkS3Storage(S3Storage):
    def __init__(self, **overrides):
        super().__init__(**{**s3_storage_options(require_s3()), **overrides})
