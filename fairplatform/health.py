"""/healthz: can this process reach what the platform needs? JSON for probes and people."""

from typing import Any

import redis
from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from fairplatform.celery import app as celery_app

PROBE_TIMEOUT_SECONDS = 2.0


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def _redis() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"ok": True, "mode": "embedded (no Redis configured)"}
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=PROBE_TIMEOUT_SECONDS,
        socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return {"ok": False, "error": type(exc).__name__}
    finally:
        client.close()
    return {"ok": True}


def _celery() -> dict[str, Any]:
    try:
        # One answer is enough: returns as soon as a worker replies instead of waiting it out.
        replies = celery_app.control.ping(timeout=PROBE_TIMEOUT_SECONDS, limit=1) or []
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": bool(replies), "workers": len(replies)}


@never_cache
def healthz(_request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "redis": _redis(), "celery": _celery()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"ok": healthy, **checks}, status=200 if healthy else 503)
