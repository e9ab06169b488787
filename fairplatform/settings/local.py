"""`make run`: the embedded demo on 127.0.0.1 (SQLite unless DATABASE_URL is set)."""

import os

os.environ.setdefault("SECRET_KEY", "local-demo-only-not-secret")
os.environ.setdefault("DEBUG", "true")

from fairplatform.settings.base import *  # noqa: F403
