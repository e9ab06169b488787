"""Settings shared by every environment; each value that differs comes from the environment."""

from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from fairplatform.settings.env import env_bool, env_int, env_list, env_str

# Lets admin and other generic Django classes be subscripted at run time, as mypy wants.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    # Before the admin: our registration/ templates (password reset) must win over its own.
    "frontend",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_celery_beat",
    "accounts",
    "employers",
    "candidates",
    "rooms",
    "signaling",
    "fairplatform",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "frontend.middleware.DomainErrorMiddleware",
]

FORM_RENDERER = "frontend.renderers.BootstrapItaliaRenderer"
ROOT_URLCONF = "fairplatform.urls"
ASGI_APPLICATION = "fairplatform.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'fairplatform.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded demo runs Daphne, a Celery worker and beat against one file: WAL lets
    # readers proceed while one of them writes, and IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# The CPI vacancy database (standards.md §1.8): read-only, never migrated (db_routers.py).
CPI_DATABASE_URL = env_str("CPI_DATABASE_URL", "")
if CPI_DATABASE_URL:
    DATABASES["cpi"] = dj_database_url.parse(CPI_DATABASE_URL)
    DATABASES["cpi"]["OPTIONS"] = {
        "options": "-c default_transaction_read_only=on",
        "connect_timeout": env_int("CPI_DATABASE_CONNECT_TIMEOUT", 10),
    }
DATABASE_ROUTERS = ["fairplatform.db_routers.CpiReadOnlyRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailOrPhoneBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "frontend:home"
LOGOUT_REDIRECT_URL = "frontend:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Bootstrap Italia comes from npm (`npm ci`), never from the repository.
STATICFILES_DIRS = [
    ("vendor/bootstrap-italia", BASE_DIR / "node_modules" / "bootstrap-italia" / "dist")
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=DEBUG)
# CV files never get a public URL: the "cv" storage lives outside MEDIA_ROOT and is read only
# through candidates.views.cv_file. In production it may be an S3-compatible bucket with no public
# access (CV_S3_BUCKET; credentials from the standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
# environment, read by boto3): objects are written private and never get a URL either.
CV_ROOT = Path(env_str("CV_ROOT", str(BASE_DIR / "var" / "private" / "cv")))
CV_S3_BUCKET = env_str("CV_S3_BUCKET", "")
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "cv": {
        "BACKEND": "candidates.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": CV_S3_BUCKET,
            "endpoint_url": env_str("CV_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("CV_S3_REGION", "") or None,
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
    if CV_S3_BUCKET
    else {
        "BACKEND": "candidates.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(CV_ROOT)},
    },
}
CV_MAX_BYTES = env_int("CV_MAX_BYTES", 10 * 1024 * 1024)
CV_MAX_PDF_PAGES = env_int("CV_MAX_PDF_PAGES", 30)
# Versions older than this are deleted with their files (candidates.tasks.cv_purge_expired);
# each candidate's current version stays until they replace or delete it.
CV_RETENTION_DAYS = env_int("CV_RETENTION_DAYS", 730)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "fairplatform <noreply@localhost>")

# Redis serves the channel layer, the Celery broker and the cache (REDIS_URL).
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                # redis-py 8 defaults socket_timeout to 5 s, equal to the layer's blocking read:
                # idle consumers then die with close code 1011 (performance-notes.md).
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
            },
        }
    }
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CELERY_BROKER_URL = REDIS_URL
else:
    # One web process: live pushes reach sockets of that process only. Celery still runs as a
    # real worker and beat, on a broker made of files, so scheduled work happens.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _broker_dir = BASE_DIR / "var" / "celery-broker"
    # kombu's file transport expects its folders to exist; the web process, worker and beat
    # may start in any order, so whichever reads the settings first makes them.
    (_broker_dir / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(_broker_dir / "control"),
    }

CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
FAIR_STATUS_INTERVAL_SECONDS = env_int("FAIR_STATUS_INTERVAL_SECONDS", 30)
# Vacancy import from the CPI database: how often, how many rows per transaction, how far before
# the last watermark each run re-reads (clock skew, long transactions at the source), and the
# hour (Europe/Rome) of the nightly full reconciliation.
VACANCY_SYNC_INTERVAL_SECONDS = env_int("VACANCY_SYNC_INTERVAL_SECONDS", 900)
VACANCY_SYNC_BATCH_SIZE = env_int("VACANCY_SYNC_BATCH_SIZE", 1000)
VACANCY_SYNC_OVERLAP_SECONDS = env_int("VACANCY_SYNC_OVERLAP_SECONDS", 900)
VACANCY_RECONCILE_HOUR = env_int("VACANCY_RECONCILE_HOUR", 2)
# A run whose last committed batch is older than this has lost its process; the next run marks
# it interrupted. Far above the longest step without a commit (reading a 20 MB file, listing every
# reference for the full reconciliation).
VACANCY_SYNC_STALL_SECONDS = env_int("VACANCY_SYNC_STALL_SECONDS", 1800)
# How long the history of import runs, and the records each refused, is kept.
VACANCY_SYNC_KEEP_DAYS = env_int("VACANCY_SYNC_KEEP_DAYS", 90)
# A folder watched for vacancy files: <dir>/cliclavoro/*.xml and <dir>/eures/*.xml are imported
# and moved to <dir>/done/ or <dir>/failed/. Empty: no folder is watched. A file changed in the
# last VACANCY_DROP_SETTLE_SECONDS may still be being written: it waits for a later pass.
VACANCY_DROP_DIR = env_str("VACANCY_DROP_DIR", "")
VACANCY_DROP_SETTLE_SECONDS = env_int("VACANCY_DROP_SETTLE_SECONDS", 60)
# The largest vacancy file (uploaded or dropped) read: about 10,000 ClicLavoro vacancies.
VACANCY_FILE_MAX_BYTES = env_int("VACANCY_FILE_MAX_BYTES", 20 * 1024 * 1024)
CELERY_BEAT_SCHEDULE = {
    "fairs-advance-status": {
        "task": "rooms.tasks.fairs_advance_status",
        "schedule": float(FAIR_STATUS_INTERVAL_SECONDS),
    },
    "vacancies-sync-cpi": {
        "task": "employers.tasks.vacancies_sync",
        "schedule": float(VACANCY_SYNC_INTERVAL_SECONDS),
        "kwargs": {"source": "cpi"},
    },
    # Catches rows committed late at the source and vacancies deleted there without a trace.
    "vacancies-reconcile-cpi": {
        "task": "employers.tasks.vacancies_sync",
        "schedule": crontab(hour=VACANCY_RECONCILE_HOUR, minute=0),
        "kwargs": {"source": "cpi", "full": True},
    },
    "vacancies-expire": {"task": "employers.tasks.vacancies_expire", "schedule": 3600.0},
    "sync-runs-purge": {
        "task": "employers.tasks.sync_runs_purge",
        "schedule": crontab(hour=4, minute=10),
    },
    "vacancies-import-dropped": {
        "task": "employers.tasks.vacancies_import_dropped",
        "schedule": 60.0,
    },
    # Calls whose participants' web process died: the others see them drop.
    "interview-attendance-sweep": {
        "task": "rooms.tasks.interview_attendance_sweep",
        "schedule": 30.0,
    },
    # A called candidate has a grace window (60 s by default) to answer; misses are settled here.
    "queues-expire-calls": {"task": "rooms.tasks.queues_expire_calls", "schedule": 10.0},
    # Reminders and confirmations not yet handed to a worker (or left behind by a lost one).
    "agenda-notifications-dispatch": {
        "task": "rooms.tasks.agenda_notifications_dispatch",
        "schedule": 60.0,
    },
    "agenda-open-rooms": {"task": "rooms.tasks.agenda_open_rooms", "schedule": 30.0},
    "agenda-mark-no-shows": {"task": "rooms.tasks.agenda_mark_no_shows", "schedule": 60.0},
    "agenda-open-booking-windows": {
        "task": "rooms.tasks.agenda_open_booking_windows",
        "schedule": 30.0,
    },
    "cv-purge-expired": {"task": "candidates.tasks.cv_purge_expired", "schedule": 6 * 3600.0},
    # Recurring sector fairs: the next ones of each series, created ahead as drafts.
    "fair-series-extend": {
        "task": "rooms.tasks.fair_series_extend",
        "schedule": crontab(hour=3, minute=30),
    },
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The WebSocket protocol's limits (docs/protocol.md).
WS_MAX_MESSAGE_BYTES = 64 * 1024
WS_RATE_LIMIT_PER_SECOND = env_int("WS_RATE_LIMIT_PER_SECOND", 20)
# A call set-up trickles a few dozen ICE candidates at once; the burst must cover them.
WS_RATE_LIMIT_BURST = env_int("WS_RATE_LIMIT_BURST", 80)

# ICE servers for WebRTC. TURN credentials are minted per user with coturn's REST-API scheme
# (use-auth-secret / static-auth-secret = TURN_SECRET); docs/operations.md shows the set-up.
STUN_URLS = env_list("STUN_URLS", [])
TURN_URLS = env_list("TURN_URLS", [])
TURN_SECRET = env_str("TURN_SECRET", "")
TURN_CREDENTIAL_TTL_SECONDS = env_int("TURN_CREDENTIAL_TTL_SECONDS", 6 * 3600)
# A participant whose socket drops has this long to come back before the others see "left".
INTERVIEW_RECONNECT_GRACE_SECONDS = env_int("INTERVIEW_RECONNECT_GRACE_SECONDS", 60)
# Each web process with sockets writes a heartbeat this often; a process silent for three beats
# is taken for dead and the calls its sockets were in see those people drop. 0 turns it off.
WEB_HEARTBEAT_SECONDS = env_int("WEB_HEARTBEAT_SECONDS", 10)

# Booth queues: lines a candidate may wait in at once per fair; how far call-next looks past
# candidates who are busy elsewhere; how far a first no-show (or a skip) moves someone back, and
# how many unanswered calls take them out of the line; how many waiting rows the recruiter console
# shows; the interview length assumed until a booth has finished a few.
QUEUE_MAX_PER_FAIR = env_int("QUEUE_MAX_PER_FAIR", 3)
QUEUE_CALL_SCAN = env_int("QUEUE_CALL_SCAN", 50)
QUEUE_STEP_BACK_PLACES = env_int("QUEUE_STEP_BACK_PLACES", 3)
QUEUE_NO_SHOWS_BEFORE_REMOVAL = env_int("QUEUE_NO_SHOWS_BEFORE_REMOVAL", 2)
QUEUE_CONSOLE_ROWS = env_int("QUEUE_CONSOLE_ROWS", 100)
QUEUE_DEFAULT_INTERVIEW_MINUTES = env_int("QUEUE_DEFAULT_INTERVIEW_MINUTES", 10)

# Interview agenda. Candidates may change or cancel a booking up to the cut-off; they hold at most
# AGENDA_MAX_BOOKINGS_PER_FAIR bookings per fair. Rooms open a little before the slot; a candidate
# who has not joined AGENDA_NO_SHOW_GRACE_MINUTES after the start is a no-show. Reminders go this
# many minutes before the interview (kind → minutes; 0 turns one off).
AGENDA_CANCEL_CUTOFF_MINUTES = env_int("AGENDA_CANCEL_CUTOFF_MINUTES", 60)
AGENDA_MAX_BOOKINGS_PER_FAIR = env_int("AGENDA_MAX_BOOKINGS_PER_FAIR", 3)
AGENDA_MIN_SLOT_MINUTES = 5
AGENDA_ROOM_OPENS_MINUTES_BEFORE = env_int("AGENDA_ROOM_OPENS_MINUTES_BEFORE", 2)
AGENDA_NO_SHOW_GRACE_MINUTES = env_int("AGENDA_NO_SHOW_GRACE_MINUTES", 10)
AGENDA_REMINDERS = {
    "reminder_day": env_int("AGENDA_REMINDER_DAY_MINUTES", 24 * 60),
    "reminder_soon": env_int("AGENDA_REMINDER_SOON_MINUTES", 15),
}
# A notification handed to a worker is not handed out again for this long (a lost worker's
# messages are picked up after it); failed sends are retried with exponential backoff up to the
# maximum delay, AGENDA_NOTIFY_MAX_ATTEMPTS times in all.
AGENDA_NOTIFY_LEASE_SECONDS = env_int("AGENDA_NOTIFY_LEASE_SECONDS", 120)
AGENDA_NOTIFY_MAX_ATTEMPTS = env_int("AGENDA_NOTIFY_MAX_ATTEMPTS", 6)
AGENDA_NOTIFY_BACKOFF_SECONDS = env_int("AGENDA_NOTIFY_BACKOFF_SECONDS", 30)
AGENDA_NOTIFY_BACKOFF_MAX_SECONDS = env_int("AGENDA_NOTIFY_BACKOFF_MAX_SECONDS", 900)
AGENDA_DISPATCH_BATCH = env_int("AGENDA_DISPATCH_BATCH", 20_000)
# Messages per worker task: one task claims and reads them in two statements, then marks each sent.
AGENDA_SEND_BATCH = env_int("AGENDA_SEND_BATCH", 100)
# Links in messages are absolute.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# SMS, like EMAIL_BACKEND: console, file (SMS_FILE_PATH), locmem, or the HTTP gateway.
SMS_BACKEND = env_str("SMS_BACKEND", "fairplatform.notifications.sms.ConsoleBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(BASE_DIR / "var" / "sms.jsonl"))
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_KEY = env_str("SMS_GATEWAY_KEY", "")
SMS_GATEWAY_TIMEOUT_SECONDS = float(env_int("SMS_GATEWAY_TIMEOUT_SECONDS", 10))
SMS_SENDER = env_str("SMS_SENDER", "FairPlatform")

LOGO_MAX_BYTES = 5 * 1024 * 1024
LOGO_MAX_PIXELS = 40_000_000
LOGO_MAX_SIDE = 8_000
LOGO_SIZE = 512

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Booth presentations: each relay process (`manage.py media_relay`) forwards to at most this many
# viewers. ~500 per core in bench/relay.py (forwarding, no decode/encode); run one per core.
MEDIA_RELAY_MAX_VIEWERS = env_int("MEDIA_RELAY_MAX_VIEWERS", 500)
# How long a socket waits for a relay's answer before replying presentation.no_relay.
MEDIA_RELAY_REPLY_TIMEOUT = env_int("MEDIA_RELAY_REPLY_TIMEOUT", 15)
# The host addresses a relay offers browsers (ICE host candidates); empty: every address of the
# machine but loopback (aioice's choice). 127.0.0.1 for a relay only this machine's browsers use.
MEDIA_RELAY_ADDRESSES = env_list("MEDIA_RELAY_ADDRESSES", [])
