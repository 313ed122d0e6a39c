"""Reelwork settings: one file, every value from the environment with an embedded default.

The embedded default (nothing set) is a single-machine install: SQLite and local files under
``var/``, the database task backend. ``REELWORK_MODE=production`` turns on the hardened settings
that ``manage.py check --deploy`` expects and makes ``SECRET_KEY`` mandatory.
"""

import re
from pathlib import Path

import dj_database_url

from studio import limits
from studio.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("REELWORK_VAR_DIR", str(BASE_DIR / "var")))

MODE = env_str("REELWORK_MODE", "development")
if MODE not in {"development", "production"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("REELWORK_MODE must be 'development' or 'production'.")
PRODUCTION = MODE == "production"

if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY")
else:
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-0123456789")
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_tasks_db",
    "studio",
    "projects",
    "reviews",
    "media",
    "screenings",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "studio.middleware.RejectNulMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if PRODUCTION:
    # Static files straight from the app server (collected by `manage.py collectstatic`), before
    # sessions and locale are worked out. Development's runserver serves them itself.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "studio" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "studio.context_processors.roles",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "")
if not DATABASE_URL:
    # The embedded default: a SQLite file under var/, created on first use.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'reelwork.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        # Production keeps connections for a minute (checked before reuse): opening one per request
        # was most of a view beacon's cost under gunicorn (bench/screenings.py: 9 % → 18 % of an
        # empty view's throughput).
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60 if PRODUCTION else 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the task worker share one SQLite file: wait for locks instead of failing,
    # and take the write lock up front so two writers don't deadlock on upgrade.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# No MEDIA_URL: stored files have no public address; views that check access serve them.
MEDIA_ROOT = VAR_DIR / "storage"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    },
    # In production, `manage.py collectstatic` writes hashed names (reelwork.3f2a….css) and
    # compressed copies; whitenoise serves them with far-future caching, since a changed file gets
    # a new name. Development serves the files as they are, so edits show at once.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# S3-compatible object storage (MinIO, Ceph RGW, AWS, …) instead of local files, when configured.
# Local development against a real server: scripts/s3-server.sh start; eval "$(scripts/s3-server.sh env)".
REELWORK_S3_ENDPOINT_URL = env_str("REELWORK_S3_ENDPOINT_URL", "")
REELWORK_S3 = None
if REELWORK_S3_ENDPOINT_URL:
    REELWORK_S3 = {
        "endpoint_url": REELWORK_S3_ENDPOINT_URL,
        "bucket": env_str("REELWORK_S3_BUCKET", "reelwork"),
        "access_key": env_str("REELWORK_S3_ACCESS_KEY"),
        "secret_key": env_str("REELWORK_S3_SECRET_KEY"),
        "region": env_str("REELWORK_S3_REGION", "us-east-1"),
        "addressing_style": env_str("REELWORK_S3_ADDRESSING_STYLE", "path"),
        "public_endpoint_url": env_str("REELWORK_S3_PUBLIC_ENDPOINT_URL", ""),
    }
    # Built from REELWORK_S3 by media.storage.config, like the boto3 client: configured once.
    STORAGES["default"] = {"BACKEND": "media.storage.s3_backend.ReelworkS3Storage"}

# Browsers PUT cut parts straight to the bucket: the site's own origins must be allowed there
# (manage.py setup_storage writes this into the bucket's CORS rules). Default: the trusted CSRF
# origins, plus the local run command's address in development.
REELWORK_S3_CORS_ORIGINS = env_list(
    "REELWORK_S3_CORS_ORIGINS",
    CSRF_TRUSTED_ORIGINS or ([] if PRODUCTION else ["http://127.0.0.1:8000", "http://localhost:8000"]),
)

# Background work goes through django.tasks, so the backend is configuration. Two queues, so a long
# transcode never delays a short job: "media" (processing a cut, packaging) and "default" (checking
# an upload, notifications). The embedded default runs both in one `manage.py media_worker` on the
# database; TASKS_BACKEND=django_tasks_rq.RQBackend (`pip install .[scale]`) puts them on Redis at
# REELWORK_REDIS_URL, worked by `manage.py rqworker <queues>` on any machine (README, "Scale-out").
TASKS_BACKEND = env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
TASKS_QUEUES = env_list("TASKS_QUEUES", ["default", "media"])
if not {"default", "media"} <= set(TASKS_QUEUES):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("TASKS_QUEUES must name both queues the tasks use: default and media.")
TASKS = {"default": {"BACKEND": TASKS_BACKEND, "QUEUES": TASKS_QUEUES}}
REELWORK_REDIS_URL = env_str("REELWORK_REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_ENABLED = TASKS_BACKEND.startswith("django_tasks_rq.")
if RQ_ENABLED:
    import importlib.util

    if importlib.util.find_spec("django_tasks_rq") is None:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("TASKS_BACKEND is the Redis backend but django-tasks-rq is missing: pip install .[scale]")
    INSTALLED_APPS.append("django_rq")
    # RQ kills a job that outlives its queue's timeout. ffmpeg has its own limits and the lease
    # hands back a dead worker's cut; this is only the last word, so it is generous on "media".
    _rq_timeouts = {"media": env_int("REELWORK_RQ_MEDIA_TIMEOUT", 6 * 3600), "default": env_int("REELWORK_RQ_TIMEOUT", 600)}
    # A Redis that does not answer is an error within seconds for whoever queues a task (the
    # request that saved an upload logs it, the sweep queues the work again), not a hung request.
    from studio.rq import with_timeouts

    _rq_url = with_timeouts(REELWORK_REDIS_URL, connect=env_int("REELWORK_REDIS_CONNECT_TIMEOUT", 5),
                            read=env_int("REELWORK_REDIS_TIMEOUT", 10))
    RQ_QUEUES = {
        name: {"URL": _rq_url, "DEFAULT_TIMEOUT": _rq_timeouts.get(name, _rq_timeouts["default"])}
        for name in TASKS_QUEUES
    }
    # `manage.py rqworker` needs no flags: the job class django.tasks needs, and a worker whose
    # work horse dies with it (media.rq_worker).
    RQ = {"JOB_CLASS": "django_tasks_rq.Job", "WORKER_CLASS": "media.rq_worker.Worker"}

# Mail (panel notifications): printed to the console in the embedded default; SMTP when
# REELWORK_SMTP_HOST is set, and in production (the machine's own mail server unless told otherwise).
SMTP_HOST = env_str("REELWORK_SMTP_HOST", "localhost" if PRODUCTION else "")
if SMTP_HOST:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {
        "host": SMTP_HOST, "port": env_int("REELWORK_SMTP_PORT", 25),
        "username": env_str("REELWORK_SMTP_USER", ""), "password": env_str("REELWORK_SMTP_PASSWORD", ""),
        "use_tls": env_bool("REELWORK_SMTP_TLS", False), "timeout": 10,
    }}}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("REELWORK_MAIL_FROM", "reelwork@localhost")

# The office's name, printed at the head of the annual report and its files (e.g. 五华区委组织部电教中心).
REELWORK_OFFICE_NAME = env_str("REELWORK_OFFICE_NAME", "")

# API clients send "Authorization: Token <key>" (a key each user makes on the API token page);
# the browser uses its session. No HTTP Basic: it would hash a password on every request.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so an anonymous call answers 401 with "WWW-Authenticate: Token".
        "studio.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["studio.auth.SignedIn"],
    # JSON only, through the bounded reader (size, depth, NUL, lone surrogates). A form-encoded
    # body reads an empty field as null (a plan with "deadline=" would clear the deadline), which
    # the schema cannot say and API clients don't need.
    "DEFAULT_PARSER_CLASSES": ["studio.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "studio.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "studio.api.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "studio.api.exception_handler",
    # How many reverse proxies add X-Forwarded-For: the throttles count per client address, and
    # a header the client wrote itself must not choose that address.
    "NUM_PROXIES": env_int("REELWORK_NUM_PROXIES", 0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Reelwork API",
    "DESCRIPTION": "Topics, projects, workflow transitions, deliverables and schedules. Send "
    "`Authorization: Token <key>` with the key from the API token page (/account/api-token/).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["studio.auth.SignedIn"],
    # Requests and answers differ (read-only fields, input rules): one component for each.
    "COMPONENT_SPLIT_REQUEST": True,
    # state, source and target all use the workflow's states: one enum in the schema. A deliverable's
    # kind and a screening event's kind are both "kind": each its own name.
    "ENUM_NAME_OVERRIDES": {
        "ProjectStateEnum": "projects.models.workflow.State",
        "DeliverableKindEnum": "projects.models.Deliverable.Kind",
        "EventKindEnum": "screenings.models.Event.Kind",
        "WaiverDecisionEnum": "media.services.DECISIONS",
        "StageReviewDecisionEnum": "projects.models.StageReview.Decision",
        "ShotSizeEnum": "projects.models.Shot.Size",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "studio.schema.add_upload_endpoints"],
}

# Throttles answer 429 with Retry-After. Failed sign-ins (login page, wrong API tokens) are
# counted per client address and per username within a window; anonymous API calls per address.
# The counts live in the cache, which every web process must share (a per-process cache such as
# locmem would let each process count apart). The default, files under var/cache, is shared by the
# processes of one machine; several machines need a shared one: CACHE_BACKEND=
# django.core.cache.backends.db.DatabaseCache with CACHE_LOCATION=<table> (after
# `manage.py createcachetable`), or django.core.cache.backends.redis.RedisCache with a redis:// URL.
CACHES = {
    "default": {
        "BACKEND": env_str("CACHE_BACKEND", "django.core.cache.backends.filebased.FileBasedCache"),
        "LOCATION": env_str("CACHE_LOCATION", str(VAR_DIR / "cache")),
    }
}
REELWORK_SIGNIN_FAILURES_PER_ADDRESS = env_int("REELWORK_SIGNIN_FAILURES_PER_ADDRESS", 20)
REELWORK_SIGNIN_FAILURES_PER_USERNAME = env_int("REELWORK_SIGNIN_FAILURES_PER_USERNAME", 5)
REELWORK_SIGNIN_FAILURE_WINDOW = env_int("REELWORK_SIGNIN_FAILURE_WINDOW", 15 * 60)
REELWORK_ANON_API_RATE = env_str("REELWORK_ANON_API_RATE", "30/min")
if not re.fullmatch(r"\d+/[smhd][a-z]*", REELWORK_ANON_API_RATE):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("REELWORK_ANON_API_RATE must look like 30/min (per s, min, hour or day).")

# Cuts: the largest upload accepted, and the chunk size the browser sends.
REELWORK_UPLOAD_MAX_BYTES = env_int("REELWORK_UPLOAD_MAX_BYTES", 50 * 1024**3)
# Target length of a cloud showing's HLS segments (seconds; cut at the keyframe at or after it).
REELWORK_HLS_SEGMENT_SECONDS = env_int("REELWORK_HLS_SEGMENT_SECONDS", 6)
# View beacons written behind in batches every this many milliseconds (screenings.ingest: one
# statement per batch instead of a round trip per beacon); 0: each in its own request. Production
# on PostgreSQL only by default; it needs a database that reads arrays (unnest).
REELWORK_VIEW_BUFFER_MS = env_int(
    "REELWORK_VIEW_BUFFER_MS", 250 if PRODUCTION and DATABASES["default"]["ENGINE"].endswith("postgresql") else 0)
# One request's worth: a chunk through the app, or a part straight to the bucket (read by
# media.storage.upload_chunk_bytes). S3 refuses parts under 5 MiB but the last.
REELWORK_UPLOAD_CHUNK_BYTES = env_int("REELWORK_UPLOAD_CHUNK_BYTES", 8 * 1024**2)
if REELWORK_UPLOAD_CHUNK_BYTES < (5 * 1024**2 if REELWORK_S3 else 1):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("REELWORK_UPLOAD_CHUNK_BYTES must be at least 5242880 (5 MiB) with S3, and positive.")
# Django reads request bodies of chunked uploads itself; allow one chunk plus headroom in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2621440)
# The storyboard editor posts every shot in one form: ~10 fields and a frame file per shot, for up
# to limits.SHOTS shots (Django's defaults, 1,000 fields and 100 files, stop near 100 shots).
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", (limits.SHOTS + 10) * 12 + 100)
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", limits.SHOTS + 10)

# Background work on cuts: a worker holds a cut (or an upload it checks) for REELWORK_LEASE_SECONDS
# and renews the hold while it works; one that died stops renewing, and the sweep in
# `manage.py media_worker` (or `manage.py media_sweep` beside RQ workers; every
# REELWORK_SWEEP_SECONDS) hands the work back. Transient failures
# are retried REELWORK_RETRY_AFTER_SECONDS × attempt later, up to REELWORK_MAX_ATTEMPTS tries.
REELWORK_LEASE_SECONDS = env_int("REELWORK_LEASE_SECONDS", 120)
REELWORK_SWEEP_SECONDS = env_int("REELWORK_SWEEP_SECONDS", 30)
REELWORK_RETRY_AFTER_SECONDS = env_int("REELWORK_RETRY_AFTER_SECONDS", 30)
REELWORK_MAX_ATTEMPTS = env_int("REELWORK_MAX_ATTEMPTS", 3)
# Work due this long with no task waiting on the queue for it (Redis did not answer when it was
# enqueued, or lost its data) is queued again by the sweep.
REELWORK_REQUEUE_AFTER_SECONDS = env_int("REELWORK_REQUEUE_AFTER_SECONDS", 120)

# How many working days of slack before a milestone turns yellow, when its stage has no own value.
SCHEDULE_DEFAULT_WARN_DAYS = env_int("SCHEDULE_DEFAULT_WARN_DAYS", 3)

# One line per record on standard error, with time, level and logger, for a person reading
# `journalctl` or a container log; gunicorn's access log goes to standard output (studio/gunicorn.conf.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Django's default config gives the "django" logger a console handler of its own (under DEBUG)
    # and lets it propagate, so each of its lines was printed twice: it goes through root only.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers poll over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_REFERRER_POLICY = "same-origin"
