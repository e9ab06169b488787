"""Reminders for a whole fair due in the same minute: 10,000 bookings, one SMS and one email each.

Three runs over the same 20,000 pending `Notification` rows (reset between runs):

- baseline: the same number of bare `send()` calls on the SMS backend and Django's email backend
  with messages built beforehand; what sending costs with no database, no claim and no queue;
- in-process: beat's dispatcher hands the rows, in batches, to `notifications_send`, executed
  eagerly in this process; every SQL statement is counted (`queries_per_reminder`, per message);
- Celery: the same dispatch, with real workers (prefork, one process per core) taking the tasks
  from Redis; `dispatch_s` runs from the dispatcher's start until the database says every message
  is sent.

Both runs use the in-memory backends (locmem SMS outbox, locmem email), so the provider's own
latency is left out: the figures are the platform's cost. A database and a Redis database number
of their own keep the bench away from anything else using the same servers.
"""

import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench._report import report

SETTINGS = "fairplatform.settings.test"
BENCH_DATABASE = "fairplatform_bench_agenda"
REDIS_DATABASE = 13
BOOKINGS = 10_000
BOOTHS = 50
WORKER_PROCESSES = os.cpu_count() or 2
WORKER_START_TIMEOUT = 60.0
DISPATCH_TIMEOUT = 600.0
ROOT = Path(__file__).resolve().parents[1]


def database_url(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def drop_database(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        name = sql.Identifier(BENCH_DATABASE)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def create_database(admin_url: str) -> None:
    drop_database(admin_url)  # left behind by a run that was killed
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DATABASE)))


def bench_environment(database: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": database,
        "REDIS_URL": urlunsplit(urlsplit(redis_url)._replace(path=f"/{REDIS_DATABASE}")),
    }


def seed() -> int:
    """A live fair, BOOKINGS candidates (each with a mobile number and an email) booked at slots
    that all start in 15 minutes, and their 'starts soon' reminders, due now. Rows go in bulk:
    what is measured is sending them."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Membership, Organisation, User
    from employers.models import Employer, SectorSection
    from rooms.models import Booking, Booth, Fair, Notification, Slot

    call_command("migrate", verbosity=0)
    now = timezone.now()
    starts = now + timedelta(minutes=15)
    no_password = make_password(None)
    with transaction.atomic():
        cpi = Organisation.objects.create(name="Bench CPI", kind=Organisation.Kind.CPI)
        fair = Fair.objects.create(
            title="Bench fair",
            region="Campania",
            organiser=cpi,
            status=Fair.Status.LIVE,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=8),
        )
        sector = SectorSection.objects.all()[0]
        booths = []
        hosts = []
        for n in range(BOOTHS):
            org = Organisation.objects.create(name=f"Bench {n}", kind=Organisation.Kind.EMPLOYER)
            employer = Employer.objects.create(
                organisation=org,
                legal_name=f"Bench Employer {n} S.r.l.",
                vat_number=f"{n:011d}",
                sector=sector,
            )
            booths.append(Booth.objects.create(fair=fair, employer=employer))
            host = User.objects.create(
                email=f"host{n}@bench.invalid", full_name=f"Host {n}", password=no_password
            )
            Membership.objects.create(user=host, organisation=org, role=Membership.Role.RECRUITER)
            hosts.append(host)
        candidates = User.objects.bulk_create(
            User(
                email=f"candidate{n}@bench.invalid",
                phone=f"+39333{n:07d}",
                full_name=f"Candidate {n}",
                password=no_password,
            )
            for n in range(BOOKINGS)
        )
        slots = Slot.objects.bulk_create(
            Slot(
                fair=fair,
                booth=booths[n % BOOTHS],
                host=hosts[n % BOOTHS],
                starts_at=starts,
                ends_at=starts + timedelta(minutes=20),
                state=Slot.State.BOOKED,
            )
            for n in range(BOOKINGS)
        )
        bookings = Booking.objects.bulk_create(
            Booking(slot=slot, candidate=candidate)
            for slot, candidate in zip(slots, candidates, strict=True)
        )
        rows = Notification.objects.bulk_create(
            Notification(
                booking=booking,
                kind=Notification.Kind.REMINDER_SOON,
                channel=channel,
                sequence=0,
                due_at=now,
                next_attempt_at=now,
            )
            for booking in bookings
            for channel in (Notification.Channel.SMS, Notification.Channel.EMAIL)
        )
    return len(rows)


def reset() -> None:
    from django.utils import timezone

    from rooms.models import Notification

    now = timezone.now()
    Notification.objects.update(
        state=Notification.State.PENDING,
        attempts=0,
        sent_at=None,
        provider_id="",
        next_attempt_at=now,
        due_at=now,
    )


def baseline(messages: int) -> float:
    """Bare backend sends of prebuilt messages: half SMS, half email, as in the real runs."""
    from django.core import mail
    from django.core.mail import EmailMessage

    from fairplatform.notifications.sms import LocmemBackend, SmsMessage, get_sms_backend

    half = messages // 2
    sms = [SmsMessage(to=f"+39333{n:07d}", text="x" * 120, reference=f"n-{n}") for n in range(half)]
    emails = [
        EmailMessage(subject="Reminder", body="x" * 120, to=[f"candidate{n}@bench.invalid"])
        for n in range(half)
    ]
    backend = get_sms_backend()
    started = time.perf_counter()
    for message in sms:
        backend.send(message)
    for email in emails:
        email.send()
    elapsed = time.perf_counter() - started
    LocmemBackend.outbox.clear()
    mail.outbox = []
    return elapsed


def sent_count() -> int:
    from rooms.models import Notification

    return Notification.objects.filter(state=Notification.State.SENT).count()


def in_process(messages: int) -> tuple[float, int]:
    from django.core import mail
    from django.db import connection

    from fairplatform.celery import app
    from fairplatform.notifications.sms import LocmemBackend
    from rooms import reminders

    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)  # a line per task otherwise
    app.conf.task_always_eager = True
    try:
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            reminders.dispatch()
            elapsed = time.perf_counter() - started
    finally:
        app.conf.task_always_eager = False
    assert sent_count() == messages, sent_count()
    assert len(LocmemBackend.outbox) == len(mail.outbox) == messages // 2
    LocmemBackend.outbox.clear()
    mail.outbox = []
    return elapsed, statements


def with_celery(messages: int, env: dict[str, str], log: Path) -> float:
    from fairplatform.celery import app
    from rooms import reminders

    app.control.purge()
    command = [sys.executable, "-m", "celery", "-A", "fairplatform", "worker", "-P", "prefork"]
    command += [
        "-c",
        str(WORKER_PROCESSES),
        "--without-mingle",
        "--without-gossip",
        "-l",
        "warning",
    ]
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: S603  (a fixed command line)
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while not app.control.ping(timeout=0.5):
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError(f"the Celery worker did not start:\n{log.read_text()}")
        started = time.perf_counter()
        reminders.dispatch()
        deadline = time.monotonic() + DISPATCH_TIMEOUT
        while sent_count() < messages:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {sent_count()} of {messages} sent")
            time.sleep(0.25)
        return time.perf_counter() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)


def measure(env: dict[str, str], log: Path) -> dict[str, float]:
    """Runs in a fresh interpreter bound to the bench database (see `main`)."""
    os.environ.update(env)
    import django

    django.setup()
    messages = seed()
    base = baseline(messages)
    reset()
    eager, queries = in_process(messages)
    reset()
    celery = with_celery(messages, env, log)
    return {
        "reminders": BOOKINGS,
        "messages": messages,
        "baseline_send_s": round(base, 3),
        "in_process_s": round(eager, 3),
        "dispatch_s": round(celery, 3),
        "celery_worker_processes": WORKER_PROCESSES,
        "queries_per_reminder": round(queries / messages, 3),
        "dispatch_ratio": round(celery / base, 2),
    }


def main() -> None:
    admin_url = os.environ["DATABASE_URL"]
    env = bench_environment(database_url(admin_url, BENCH_DATABASE), os.environ["REDIS_URL"])
    log = ROOT / ".cache" / "bench-agenda-worker.log"
    log.parent.mkdir(exist_ok=True)
    create_database(admin_url)
    try:
        # A fresh interpreter, so this process never binds Django's settings to the bench database
        # (`make bench` runs every bench in one process).
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            figures = pool.submit(measure, env, log).result()
    finally:
        drop_database(admin_url)
    messages = figures["messages"]
    base = figures["baseline_send_s"]
    rows = [
        [
            "bare backend send() of prebuilt messages (baseline)",
            f"{base:.2f}",
            f"{messages / base:,.0f}",
            "–",
            "1.00×",
        ],
        [
            "dispatch + notifications_send, in this process",
            f"{figures['in_process_s']:.2f}",
            f"{messages / figures['in_process_s']:,.0f}",
            f"{figures['queries_per_reminder']:.3f}",
            f"{figures['in_process_s'] / base:.2f}×",
        ],
        [
            f"dispatch + Celery on Redis ({WORKER_PROCESSES} worker processes)",
            f"{figures['dispatch_s']:.2f}",
            f"{messages / figures['dispatch_s']:,.0f}",
            "(same code)",
            f"{figures['dispatch_ratio']:.2f}×",
        ],
    ]
    print(
        f"\n{BOOKINGS:,} bookings due in the same minute: {messages:,} messages (SMS + email), "
        "in-memory backends."
    )
    report(
        "agenda",
        ["run", "seconds", "messages/s", "SQL per message", "time vs baseline"],
        rows,
        figures,
    )
