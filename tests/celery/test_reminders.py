"""Reminders through a real Celery worker on real Redis, with the clock under the test's control.

The dispatcher is the task beat runs every minute; here the test plays beat and passes the time
(`agenda_notifications_dispatch` with `now=…`), so a day of reminders takes seconds. The worker is
a separate process sending SMS to a gateway on 127.0.0.1 and email to files; half-way it is killed
with SIGKILL while a message is in flight, and a new worker takes over.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Membership
from fairplatform.celery import app
from rooms import agenda
from rooms.models import Notification
from rooms.tasks import agenda_notifications_dispatch
from tests import factories
from tests.waiting import wait_for
from tests.webrtc import harness

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

# A Redis database of the test's own for the worker's broker: no message published by other tests
# (or by this one's bookings before the worker starts) can reach the worker.
BROKER_DB = 11
BOOTHS = 3
SLOTS_PER_BOOTH = 4
GATEWAY_DELAY = 0.3
WAIT = 60.0


class Gateway(BaseHTTPRequestHandler):
    references: list[str] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).references.append(body["reference"])
        time.sleep(GATEWAY_DELAY)  # a slow provider: the worker is killed while it waits
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the killed worker
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"id": f"gw-{body['reference']}"}).encode())

    def log_message(self, *args):
        pass


def start_worker(env, log: IO[bytes]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "celery", "-A", "fairplatform", "worker", "-P", "solo"]
    return subprocess.Popen(  # noqa: S603  (a fixed command line)
        [*command, "--without-mingle", "--without-gossip", "-l", "warning"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def sent(now):
    due = set(Notification.objects.filter(due_at__lte=now).values_list("pk", flat=True))
    done = set(Notification.objects.filter(state="sent").values_list("pk", flat=True))
    return due, done


def early_report(clock, early, log_path):
    rows = Notification.objects.filter(pk__in=early).order_by("pk")
    fields = ("pk", "booking_id", "kind", "channel", "due_at", "next_attempt_at", "sent_at")
    lines = [repr(row) for row in rows.values_list(*fields)]
    return "\n".join([f"sent early at {clock}:", *lines, log_path.read_text()])


def all_due_sent(now):
    due, done = sent(now)
    return due <= done


def gateway_got_more_than(count):
    return len(Gateway.references) > count


def book_every_slot(now):
    """A fair in two days: BOOTHS booths of SLOTS_PER_BOOTH slots, each booked by its own person."""
    fair = factories.fair(
        starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2, hours=8)
    )
    for _ in range(BOOTHS):
        booth = factories.booth(fair_=fair)
        host = factories.member(booth.employer.organisation, Membership.Role.RECRUITER)
        slots = agenda.slots_publish(
            actor=host,
            fair_id=fair.pk,
            booth_id=booth.pk,
            starts_at=fair.starts_at + timedelta(hours=1),
            ends_at=fair.starts_at + timedelta(hours=1, minutes=30 * SLOTS_PER_BOOTH),
            length_minutes=25,
            buffer_minutes=5,
        )
        for slot in slots:
            person = factories.user(email=f"c{slot.pk}@example.org", phone=f"+39333{slot.pk:07d}")
            agenda.booking_create(actor=person, slot_id=slot.pk)


def test_every_reminder_goes_once_at_its_time_across_a_killed_worker(tmp_path):
    Gateway.references = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    now = timezone.now()
    book_every_slot(now)
    expected = Notification.objects.count()
    assert expected == BOOTHS * SLOTS_PER_BOOTH * 3 * 2  # booked + two reminders, two channels
    broker_url = urlsplit(os.environ["REDIS_URL"])._replace(path=f"/{BROKER_DB}").geturl()
    redis.Redis.from_url(broker_url).flushdb()

    env = {
        **harness.daphne_env(
            database_url=harness.database_url_for(
                os.environ["DATABASE_URL"], connection.settings_dict["NAME"]
            ),
            redis_url=broker_url,
        ),
        "SMS_BACKEND": "fairplatform.notifications.sms.HttpGatewayBackend",
        "SMS_GATEWAY_URL": f"http://127.0.0.1:{server.server_address[1]}/sms",
        "SMS_GATEWAY_KEY": "test-key",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    log_path = tmp_path / "worker.log"
    log = log_path.open("ab")
    worker = start_worker(env, log)
    broker = app.connection_for_write(broker_url)
    producer = broker.Producer()

    def dispatch(at):
        agenda_notifications_dispatch.apply_async(kwargs={"now": at.isoformat()}, producer=producer)

    try:
        due_times = sorted(
            set(Notification.objects.exclude(kind="booked").values_list("due_at", flat=True))
        )
        ticks = [now] + [t for due in due_times for t in (due - timedelta(minutes=1), due)]
        killed_at = len(ticks) // 2
        for index, tick in enumerate(ticks):
            clock = tick
            dispatch(clock)
            if index == killed_at:
                received = len(Gateway.references)
                wait_for(partial(gateway_got_more_than, received), "a message in flight", WAIT)
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=WAIT)
                worker = start_worker(env, log)
                # The killed worker's messages stay pending until their lease runs out; the next
                # minute's dispatch after that hands them out again.
                clock += timedelta(seconds=settings.AGENDA_NOTIFY_LEASE_SECONDS + 1)
                dispatch(clock)
            wait_for(partial(all_due_sent, clock), f"everything due by {clock}", WAIT)
            due, done = sent(clock)
            assert done == due, early_report(clock, done - due, log_path)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=WAIT)
        broker.release()
        server.shutdown()
        server.server_close()
        log.close()

    rows = Notification.objects.all()
    assert rows.filter(state="sent").count() == expected, log_path.read_text()
    sms_ids = {
        f"notification-{pk}" for pk in rows.filter(channel="sms").values_list("pk", flat=True)
    }
    assert set(Gateway.references) == sms_ids
    # The gateway dedups by reference; at most the one message in flight at the kill reached it
    # twice (sent, but the worker died before recording it).
    repeats = len(Gateway.references) - len(set(Gateway.references))
    assert repeats <= 1
    # Django's file backend names files by second and backend object, so two sends may share a
    # file: count the messages, not the files.
    message_ids = [
        line.split(":", 1)[1].strip()
        for path in (tmp_path / "mail").iterdir()
        for line in path.read_text().splitlines()
        if line.startswith("Message-ID:")
    ]
    assert sorted(message_ids) == sorted(
        rows.filter(channel="email").values_list("provider_id", flat=True)
    )


def test_beat_runs_the_agenda_tasks():
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    DatabaseScheduler(app=app).setup_schedule()
    for name in (
        "agenda-notifications-dispatch",
        "agenda-open-rooms",
        "agenda-mark-no-shows",
        "agenda-open-booking-windows",
    ):
        assert PeriodicTask.objects.get(name=name).task in app.tasks
