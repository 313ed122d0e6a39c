"""gunicorn settings for `scripts/serve` (production). Everything from the environment:

- ``REELWORK_ADDR`` (default ``0.0.0.0:8000``): where to listen;
- ``WEB_CONCURRENCY`` (default 2 × cores + 1): worker processes, each a copy of the app;
- ``WEB_THREADS`` (default 1): threads per worker; more threads help when requests wait on S3 or
  the database, at the price of one database connection per thread;
- ``WEB_TIMEOUT`` (default 60 s): a worker silent for this long is killed and replaced. Cut bytes
  never pass through a request for longer (chunks are 8 MiB; S3 uploads go straight to the bucket).
"""

import multiprocessing
import os

bind = os.environ.get("REELWORK_ADDR", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("WEB_THREADS", 1))
timeout = int(os.environ.get("WEB_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Workers recycle after a while, so a slow leak in any library cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
wsgi_app = "studio.wsgi:application"
accesslog = "-"
errorlog = "-"
access_log_format = '%(t)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
