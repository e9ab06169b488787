"""A Daphne process killed (SIGKILL) in the middle of a call-next loses and duplicates nothing;
the people its sockets held in calls drop out of them for the others.

The test holds an exclusive lock on the audit table, so the recruiter's call-next stops inside its
transaction — the entry already marked "called" but not committed — at a known point. Then the
Daphne serving it is killed, the lock released, and the line must be exactly as before.
"""

import contextlib
import json
import os
import signal
import time
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from websockets.sync.client import connect
from websockets.typing import Origin

from accounts.models import User
from fairplatform.models import AuditEntry
from rooms import interviews, queues
from rooms.models import Attendance, QueueEntry
from tests import factories
from tests.waiting import wait_for
from tests.webrtc import harness

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 20.0


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


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


def receive_until(socket, matches, what: str) -> dict[str, Any]:
    seen = []
    deadline = time.monotonic() + WAIT
    while (left := deadline - time.monotonic()) > 0:
        with contextlib.suppress(TimeoutError):
            frame: dict[str, Any] = json.loads(socket.recv(timeout=left))
            if matches(frame):
                return frame
            seen.append(frame)
    raise AssertionError(f"timed out waiting for {what}; received {seen}")


def open_socket(server: harness.Daphne, user: User):
    cookie = session_cookie(user)
    return connect(server.ws_url, origin=Origin(server.url), additional_headers={"Cookie": cookie})


def join_call(socket, session_id: int, device: str) -> None:
    data = {"session_id": session_id, "device": device}
    socket.send(json.dumps({"v": 1, "id": "join", "type": "interview.join", "data": data}))
    reply = receive_until(socket, lambda frame: frame.get("id") == "join", "the join reply")
    assert reply.get("ok") is True, reply


def test_the_others_see_people_drop_when_their_daphne_is_killed(tmp_path, settings):
    settings.WEB_HEARTBEAT_SECONDS = 2  # as the Daphnes of harness.daphne_env
    employer = factories.employer()
    recruiter = factories.member(employer.organisation, "recruiter")
    candidate = factories.user()
    session = factories.booth_call(recruiter, candidate)
    database_url = harness.database_url_for(
        os.environ["DATABASE_URL"], connection.settings_dict["NAME"]
    )
    pool = harness.DaphnePool(
        env=harness.daphne_env(database_url=database_url, redis_url=os.environ["REDIS_URL"]),
        log_dir=tmp_path,
    )
    try:
        doomed, survivor = pool.get(2)
        with open_socket(doomed, recruiter) as lost, open_socket(survivor, candidate) as socket:
            join_call(lost, session.pk, "desktop")
            join_call(socket, session.pk, "phone")
            os.killpg(doomed.process.pid, signal.SIGKILL)
            doomed.process.wait(timeout=WAIT)
            # What beat does every 30 s; the recruiter's stretch is released once the killed
            # process has missed three heartbeats, the candidate's (its Daphne beats) never.
            wait_for(lambda: interviews.interview_attendance_sweep() == 1, "the sweep")
            presence = receive_until(
                socket,
                lambda frame: (
                    frame.get("event") == "interview.presence"
                    and frame["data"]["user_id"] == recruiter.pk
                ),
                "the recruiter's presence",
            )
            assert presence["data"]["state"] == "reconnecting"
            assert Attendance.objects.get(user=recruiter).left_at is not None
            assert Attendance.objects.get(user=candidate).left_at is None
    finally:
        pool.stop()
