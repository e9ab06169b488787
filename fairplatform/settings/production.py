"""Production: every secret and address comes from the environment (docs/operations.md)."""

from fairplatform.settings.base import *  # noqa: F403
from fairplatform.settings.env import env_bool, env_int

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_CONTENT_TYPE_NOSNIFF = True
