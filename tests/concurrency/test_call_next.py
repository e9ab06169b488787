"""Recruiters in several processes press call-next at the same instant, on real PostgreSQL."""

import multiprocessing

import pytest
from django.db import connections

from fairplatform.errors import DomainError
from rooms import queues
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

PROCESSES = 6
WAITING = 30


def call_until_empty(recruiter_id, booth_id, start, results):
    from accounts.models import User

    recruiter = User.objects.get(pk=recruiter_id)
    start.wait()
    called = []
    while True:
        try:
            called.append(queues.queue_call_next(actor=recruiter, booth_id=booth_id).pk)
        except DomainError as exc:
            assert exc.code == "queue.empty"
            break
    results.put(called)
    connections.close_all()


def test_parallel_call_next_never_picks_the_same_candidate_twice():
    fair = factories.live_fair()
    booth = factories.booth(fair_=fair)
    recruiters = [
        factories.member(booth.employer.organisation, "recruiter") for _ in range(PROCESSES)
    ]
    waiting = [
        queues.queue_join(actor=factories.user(), booth_id=booth.pk).pk for _ in range(WAITING)
    ]
    connections.close_all()  # children open their own connections

    context = multiprocessing.get_context("fork")
    start = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(target=call_until_empty, args=(r.pk, booth.pk, start, results))
        for r in recruiters
    ]
    for worker in workers:
        worker.start()
    called = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0

    everyone = [entry for batch in called for entry in batch]
    assert len(everyone) == len(set(everyone)) == WAITING
    assert sorted(everyone) == sorted(waiting)
    assert sum(1 for batch in called if batch) >= 2  # the processes really did overlap


def test_call_next_does_not_give_up_while_the_booth_row_is_locked_elsewhere():
    """A join, a skip or a colleague's call-next holds the booth's row for a moment: call-next
    must still find the waiting candidate, not answer "nobody is waiting"."""
    import os

    import psycopg

    from rooms.models import Booth

    booth = factories.booth(fair_=factories.live_fair())
    recruiter = factories.member(booth.employer.organisation, "recruiter")
    entry = queues.queue_join(actor=factories.user(), booth_id=booth.pk)
    settings = connections["default"].settings_dict
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + settings["NAME"]
    with psycopg.connect(url) as other:
        other.execute(
            f"SELECT 1 FROM {Booth._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
            [booth.pk],
        )
        assert queues.queue_call_next(actor=recruiter, booth_id=booth.pk).pk == entry.pk
