from datetime import timedelta

import pytest
from django.utils import timezone

from fairplatform.errors import DomainError
from rooms import queues
from rooms.models import Fair, QueueEntry
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def booth():
    fair = factories.live_fair()
    return factories.booth(fair_=fair)


@pytest.fixture
def recruiter(booth):
    return factories.member(booth.employer.organisation, "recruiter")


def code_of(call):
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.code


def test_first_come_first_called_and_the_answer_opens_the_interview(booth, recruiter):
    first, second = factories.user(), factories.user()
    a = queues.queue_join(actor=first, booth_id=booth.pk)
    b = queues.queue_join(actor=second, booth_id=booth.pk)
    assert queues.queue_order(booth_id=booth.pk) == [a.pk, b.pk]

    called = queues.queue_call_next(actor=recruiter, booth_id=booth.pk)
    assert called.pk == a.pk
    assert queues.queue_order(booth_id=booth.pk) == [b.pk]
    session = queues.queue_answer(actor=first, entry_id=a.pk)
    assert {p.user_id for p in session.participants.all()} == {first.pk, recruiter.pk}
    assert QueueEntry.objects.get(pk=a.pk).state == "in_interview"


def test_bad_queue_moves_are_refused_with_codes(booth, recruiter):
    candidate = factories.user()
    entry = queues.queue_join(actor=candidate, booth_id=booth.pk)
    assert (
        code_of(lambda: queues.queue_join(actor=candidate, booth_id=booth.pk))
        == "queue.already_joined"
    )
    others = [factories.booth(fair_=booth.fair) for _ in range(3)]
    queues.queue_join(actor=candidate, booth_id=others[0].pk)
    queues.queue_join(actor=candidate, booth_id=others[1].pk)
    assert (
        code_of(lambda: queues.queue_join(actor=candidate, booth_id=others[2].pk)) == "queue.limit"
    )

    stranger = factories.member(factories.employer().organisation, "recruiter")
    assert (
        code_of(lambda: queues.queue_call_next(actor=stranger, booth_id=booth.pk))
        == "permission.denied"
    )

    queues.queue_call_next(actor=recruiter, booth_id=booth.pk)
    late = timezone.now() + timedelta(seconds=booth.call_grace_seconds + 1)
    assert (
        code_of(lambda: queues.queue_answer(actor=candidate, entry_id=entry.pk, now=late))
        == "queue.call_expired"
    )
    assert (
        code_of(lambda: queues.queue_call_next(actor=recruiter, booth_id=booth.pk)) == "queue.empty"
    )

    booth.fair.status = Fair.Status.CLOSED
    booth.fair.save()
    assert (
        code_of(lambda: queues.queue_join(actor=factories.user(), booth_id=booth.pk))
        == "queue.closed"
    )


def test_a_no_show_moves_back_once_then_leaves_the_line(booth, recruiter):
    people = [factories.user() for _ in range(5)]
    entries = [queues.queue_join(actor=person, booth_id=booth.pk) for person in people]
    queues.queue_call_next(actor=recruiter, booth_id=booth.pk)
    later = timezone.now() + timedelta(minutes=5)
    assert queues.queue_expire_calls(now=later) == 1
    order = queues.queue_order(booth_id=booth.pk)
    assert order == [entries[1].pk, entries[2].pk, entries[3].pk, entries[0].pk, entries[4].pk]

    for entry in entries[1:4]:  # the three ahead are called and answer
        assert queues.queue_call_next(actor=recruiter, booth_id=booth.pk).pk == entry.pk
        queues.queue_answer(actor=entry.candidate, entry_id=entry.pk)
    assert queues.queue_call_next(actor=recruiter, booth_id=booth.pk).pk == entries[0].pk
    assert queues.queue_expire_calls(now=later + timedelta(minutes=5)) == 1
    assert QueueEntry.objects.get(pk=entries[0].pk).state == "removed"
    assert queues.queue_order(booth_id=booth.pk) == [entries[4].pk]


def test_a_candidate_in_an_interview_keeps_other_places_but_is_passed_over(booth, recruiter):
    busy, free = factories.user(), factories.user()
    other_booth = factories.booth(fair_=booth.fair)
    other_recruiter = factories.member(other_booth.employer.organisation, "recruiter")
    queues.queue_join(actor=busy, booth_id=booth.pk)
    waiting_elsewhere = queues.queue_join(actor=busy, booth_id=other_booth.pk)
    queues.queue_join(actor=free, booth_id=other_booth.pk)
    entry = queues.queue_call_next(actor=recruiter, booth_id=booth.pk)
    queues.queue_answer(actor=busy, entry_id=entry.pk)

    called = queues.queue_call_next(actor=other_recruiter, booth_id=other_booth.pk)
    assert called.candidate_id == free.pk
    assert queues.queue_order(booth_id=other_booth.pk) == [waiting_elsewhere.pk]


def test_order_costs_one_query_whatever_the_length(booth, django_assert_num_queries):
    for _ in range(30):
        queues.queue_join(actor=factories.user(), booth_id=booth.pk)
    with django_assert_num_queries(1):
        assert len(queues.queue_order(booth_id=booth.pk)) == 30
