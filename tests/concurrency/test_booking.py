"""Fifty people book the same slot at the same instant, each in their own process, on real
PostgreSQL: exactly one gets it, the others are told it has just been taken."""

import multiprocessing
from datetime import timedelta

import pytest
from django.db import connections

from accounts.models import Membership
from fairplatform.errors import DomainError
from rooms import agenda
from rooms.models import Booking
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

PROCESSES = 50


def book(candidate_id, slot_id, start, results):
    from accounts.models import User

    candidate = User.objects.get(pk=candidate_id)
    start.wait()
    try:
        booking = agenda.booking_create(actor=candidate, slot_id=slot_id)
        results.put(("booked", booking.pk))
    except DomainError as exc:
        results.put((exc.code, str(exc.message)))
    finally:
        connections.close_all()


def test_fifty_parallel_bookings_of_one_slot_give_exactly_one_booking():
    booth = factories.booth(fair_=factories.fair())
    host = factories.member(booth.employer.organisation, Membership.Role.RECRUITER)
    start_at = booth.fair.starts_at + timedelta(hours=1)
    [slot] = agenda.slots_publish(
        actor=host,
        fair_id=booth.fair_id,
        booth_id=booth.pk,
        starts_at=start_at,
        ends_at=start_at + timedelta(minutes=20),
        length_minutes=20,
    )
    candidates = [factories.user() for _ in range(PROCESSES)]
    connections.close_all()  # children open their own connections

    context = multiprocessing.get_context("fork")
    start = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(target=book, args=(c.pk, slot.pk, start, results)) for c in candidates
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0

    codes = [code for code, _detail in outcomes]
    assert codes.count("booked") == 1
    assert codes.count("agenda.slot_taken") == PROCESSES - 1
    assert {detail for code, detail in outcomes if code != "booked"} == {
        "Someone else has just booked this time. Choose another one."
    }
    assert Booking.objects.filter(slot=slot).count() == 1
