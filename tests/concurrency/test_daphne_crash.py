"""A Daphne process killed (SIGKILL) in the middle of a call-next loses and duplicates nothing.

The test holds an exclusive lock on the audit table, so the recruiter's call-next stops inside its
transaction — the entry already marked "called" but not committed — at a known point. Then the
Daphne serving it is killed, the lock released, and the line must be exactly as before.
"""

import json
import os
import signal
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from websockets.sync.client import connect
from websockets.typing import Origin

from accounts.models import User
from fairplatform.models import AuditEntry
from rooms import queues
from rooms.models import QueueEntry
from tests import factories
from tests.webrtc import harness

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 20.0


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def wait_for(check, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def backends_waiting_on_locks(database: psycopg.Connection) -> int:
    row = database.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock'"
    ).fetchone()
    return int(row[0]) if row else 0


def backends_in_transaction(database: psycopg.Connection) -> int:
    row = database.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
    ).fetchone()
    return int(row[0]) if row else 0


def test_killing_daphne_mid_call_next_leaves_the_line_as_it_was(tmp_path):
    booth = factories.booth(fair_=factories.live_fair())
    recruiter = factories.member(booth.employer.organisation, "recruiter")
    entries = [queues.queue_join(actor=factories.user(), booth_id=booth.pk) for _ in range(3)]
    before = list(QueueEntry.objects.order_by("pk").values_list("pk", "state", "sort_key"))
    cookie = session_cookie(recruiter)

    database_url = harness.database_url_for(
        os.environ["DATABASE_URL"], connection.settings_dict["NAME"]
    )
    pool = harness.DaphnePool(
        env=harness.daphne_env(database_url=database_url, redis_url=os.environ["REDIS_URL"]),
        log_dir=tmp_path,
    )
    with psycopg.connect(database_url, autocommit=True) as watcher:
        [server] = pool.get(1)
        try:
            with (
                psycopg.connect(database_url) as blocker,
                connect(
                    server.ws_url, origin=Origin(server.url), additional_headers={"Cookie": cookie}
                ) as socket,
            ):
                blocker.execute(f"LOCK TABLE {AuditEntry._meta.db_table} IN EXCLUSIVE MODE")
                data = {"booth_id": booth.pk}
                socket.send(
                    json.dumps({"v": 1, "id": "c1", "type": "queue.call_next", "data": data})
                )
                wait_for(lambda: backends_waiting_on_locks(watcher) == 1, "call-next to block")
                os.killpg(server.process.pid, signal.SIGKILL)
                server.process.wait(timeout=WAIT)
                blocker.rollback()
            # The orphaned backend finishes its insert, finds its client gone, and rolls back.
            wait_for(lambda: backends_in_transaction(watcher) == 0, "the transaction to end")
        finally:
            pool.stop()

    after = list(QueueEntry.objects.order_by("pk").values_list("pk", "state", "sort_key"))
    assert after == before
    assert not AuditEntry.objects.filter(action="rooms.queue.called").exists()
    assert queues.queue_call_next(actor=recruiter, booth_id=booth.pk).pk == entries[0].pk
