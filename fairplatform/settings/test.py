"""`make test`: real PostgreSQL and Redis, always (DATABASE_URL and REDIS_URL are required)."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")

from fairplatform.settings.base import *  # noqa: F403
from fairplatform.settings.env import env_int, env_str

if not env_str("DATABASE_URL").startswith("postgres"):
    raise RuntimeError("Tests run on PostgreSQL: set DATABASE_URL (make test does).")
if not env_str("REDIS_URL"):
    raise RuntimeError("Tests run on Redis: set REDIS_URL (make test does).")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Worker subprocesses of tests/celery write to files the test reads; in-process tests use memory.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", "")
SMS_BACKEND = env_str("SMS_BACKEND", "fairplatform.notifications.sms.LocmemBackend")
LANGUAGE_CODE = "en"  # assertions read English messages; test_accounts checks the Italian default
SERVE_MEDIA = True
# In-process socket tests run a loop per test, which a heartbeat task would outlive; the Daphnes
# the tests start turn it on (tests/webrtc/harness.daphne_env).
WEB_HEARTBEAT_SECONDS = env_int("WEB_HEARTBEAT_SECONDS", 0)
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
CV_ROOT = BASE_DIR / "var" / "test-private-cv"  # noqa: F405
STORAGES["cv"]["OPTIONS"] = {"location": str(CV_ROOT)}  # noqa: F405
