import struct
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.permissions import forget_memberships
from candidates.models import CandidateProfile, CVShare
from fairplatform.errors import DomainError
from rooms import interviews, queues
from rooms.interviews import interview_start
from rooms.models import Fair, InterviewSession, QueueEntry
from rooms.queue_feed import (
    WaitEstimate,
    position_for,
    queue_line,
    queue_snapshot,
    wait_estimates,
    waiting_candidates,
)
from rooms.services import fairs_advance_status
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def booth():
    fair = factories.live_fair()
    return factories.booth(fair_=fair)


@pytest.fixture
def recruiter(booth):
    return factories.member(booth.employer.organisation, "recruiter")


def line(booth):
    """Who waits, head first (candidate ids), as the sockets are told."""
    return waiting_candidates(queue_snapshot(booth_id=booth.pk))


def code_of(call):
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.code


def test_first_come_first_called_and_the_answer_opens_the_interview(booth, recruiter):
    first, second = factories.user(), factories.user()
    a = queues.queue_join(actor=first, booth_id=booth.pk)
    queues.queue_join(actor=second, booth_id=booth.pk)
    assert line(booth) == [first.pk, second.pk]

    called = queues.queue_call_next(actor=recruiter, booth_id=booth.pk)
    assert called.pk == a.pk
    assert line(booth) == [second.pk]
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
    assert line(booth) == [people[1].pk, people[2].pk, people[3].pk, people[0].pk, people[4].pk]

    for entry in entries[1:4]:  # the three ahead are called and answer
        assert queues.queue_call_next(actor=recruiter, booth_id=booth.pk).pk == entry.pk
        queues.queue_answer(actor=entry.candidate, entry_id=entry.pk)
    assert queues.queue_call_next(actor=recruiter, booth_id=booth.pk).pk == entries[0].pk
    assert queues.queue_expire_calls(now=later + timedelta(minutes=5)) == 1
    assert QueueEntry.objects.get(pk=entries[0].pk).state == "no_show"
    assert line(booth) == [people[4].pk]


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
    assert line(other_booth) == [waiting_elsewhere.candidate_id]


def test_recruiters_call_out_of_turn_skip_remove_and_pause(booth, recruiter):
    people = [factories.user() for _ in range(6)]
    entries = [queues.queue_join(actor=person, booth_id=booth.pk) for person in people]

    queues.queue_skip(actor=recruiter, entry_id=entries[0].pk)
    assert line(booth) == [
        p.pk for p in (people[1], people[2], people[3], people[0], people[4], people[5])
    ]
    queues.queue_skip(actor=recruiter, entry_id=entries[5].pk)  # already last: stays last
    assert line(booth)[-1] == people[5].pk

    assert queues.queue_call(actor=recruiter, entry_id=entries[4].pk).state == "called"
    assert (
        code_of(lambda: queues.queue_call(actor=recruiter, entry_id=entries[4].pk))
        == "queue.not_waiting"
    )
    queues.queue_remove(actor=recruiter, entry_id=entries[3].pk)
    assert people[3].pk not in line(booth)

    queues.queue_pause(actor=recruiter, booth_id=booth.pk, paused=True)
    assert (
        code_of(lambda: queues.queue_call_next(actor=recruiter, booth_id=booth.pk))
        == "queue.paused"
    )
    queues.queue_join(actor=factories.user(), booth_id=booth.pk)  # joining a paused line is fine
    queues.queue_pause(actor=recruiter, booth_id=booth.pk, paused=False)
    assert queues.queue_call_next(actor=recruiter, booth_id=booth.pk).pk == entries[1].pk

    stranger = factories.member(factories.employer().organisation, "recruiter")
    for refused in (
        lambda: queues.queue_skip(actor=stranger, entry_id=entries[2].pk),
        lambda: queues.queue_remove(actor=stranger, entry_id=entries[2].pk),
        lambda: queues.queue_call(actor=stranger, entry_id=entries[2].pk),
        lambda: queues.queue_pause(actor=stranger, booth_id=booth.pk, paused=True),
        lambda: queues.queue_skip(actor=people[2], entry_id=entries[2].pk),
    ):
        assert code_of(refused) == "permission.denied"


def test_calling_someone_busy_at_another_booth_is_refused(booth, recruiter):
    person = factories.user()
    other_booth = factories.booth(fair_=booth.fair)
    other_recruiter = factories.member(other_booth.employer.organisation, "recruiter")
    queues.queue_join(actor=person, booth_id=other_booth.pk)
    here = queues.queue_join(actor=person, booth_id=booth.pk)
    queues.queue_call_next(actor=other_recruiter, booth_id=other_booth.pk)
    assert (
        code_of(lambda: queues.queue_call(actor=recruiter, entry_id=here.pk))
        == "queue.candidate_busy"
    )


def test_a_vacancy_names_the_line_within_the_booth(booth, recruiter):
    vacancy = factories.vacancy(booth.employer)
    booth.vacancies.add(vacancy)
    general = queues.queue_join(actor=factories.user(), booth_id=booth.pk)
    for_the_job = queues.queue_join(
        actor=factories.user(), booth_id=booth.pk, vacancy_id=vacancy.pk
    )
    elsewhere = factories.vacancy(factories.employer())
    assert (
        code_of(
            lambda: queues.queue_join(
                actor=factories.user(), booth_id=booth.pk, vacancy_id=elsewhere.pk
            )
        )
        == "queue.invalid_vacancy"
    )
    called = queues.queue_call_next(actor=recruiter, booth_id=booth.pk, vacancy_id=vacancy.pk)
    assert called.pk == for_the_job.pk
    assert queues.queue_call_next(actor=recruiter, booth_id=booth.pk).pk == general.pk


def test_ending_the_interview_finishes_the_entry_and_closing_the_fair_empties_the_line(
    booth, recruiter
):
    first, second = factories.user(), factories.user()
    entry = queues.queue_join(actor=first, booth_id=booth.pk)
    waiting = queues.queue_join(actor=second, booth_id=booth.pk)
    queues.queue_call_next(actor=recruiter, booth_id=booth.pk)
    session = queues.queue_answer(actor=first, entry_id=entry.pk)
    interviews.interview_end(actor=recruiter, session_id=session.pk)
    assert QueueEntry.objects.get(pk=entry.pk).state == "done"

    booth.fair.ends_at = timezone.now()
    booth.fair.save()
    assert fairs_advance_status(now=timezone.now() + timedelta(seconds=1)) == 1
    assert QueueEntry.objects.get(pk=waiting.pk).state == "removed"


def test_the_wait_range_comes_from_recent_interviews_and_active_recruiters():
    quick = WaitEstimate(per_place_low_s=300, per_place_high_s=600, recruiters=1)
    assert quick.minutes(0) == (0, 10)
    assert quick.minutes(3) == (15, 40)
    assert WaitEstimate(300, 600, recruiters=2).minutes(3) == (5, 20)


def test_the_estimate_uses_the_booths_finished_interviews(booth, recruiter):
    now = timezone.now()
    for minutes in (4, 6, 8, 10, 12):
        session = interview_start(actor=recruiter, candidate=factories.user(), booth=booth)
        session.state = "ended"
        session.started_at = now - timedelta(minutes=minutes)
        session.ended_at = now
        session.save()
    estimate = wait_estimates(booth_ids=[booth.pk], now=now)[booth.pk]
    assert (estimate.per_place_low_s, estimate.per_place_high_s) == (360, 600)
    assert estimate.recruiters == 1


def test_a_change_costs_the_same_queries_at_any_length(booth, recruiter):
    def queries_for_call_next() -> int:
        forget_memberships(recruiter)  # as a socket does before every frame
        with CaptureQueriesContext(connection) as queries:
            queues.queue_call_next(actor=recruiter, booth_id=booth.pk)
            snapshot = queue_snapshot(booth_id=booth.pk)
            queue_line(snapshot=snapshot)
        return len(queries)

    for _ in range(3):
        queues.queue_join(actor=factories.user(), booth_id=booth.pk)
    short = queries_for_call_next()
    for _ in range(60):
        queues.queue_join(actor=factories.user(), booth_id=booth.pk)
    assert queries_for_call_next() == short


def test_positions_are_hidden_when_the_fair_says_so(booth):
    person = factories.user()
    queues.queue_join(actor=factories.user(), booth_id=booth.pk)
    queues.queue_join(actor=person, booth_id=booth.pk)
    assert position_for(queue_snapshot(booth_id=booth.pk), person.pk).position == 2
    booth.fair.queue_positions_visible = False
    booth.fair.save()
    hidden = position_for(queue_snapshot(booth_id=booth.pk), person.pk)
    assert hidden.position is None
    assert hidden.waiting == 2
    assert hidden.wait_min_high > 0


def test_joining_a_line_shares_the_cv_with_that_employer_only(booth):
    person = factories.user()
    profile = CandidateProfile.objects.create(user=person)
    queues.queue_join(actor=person, booth_id=booth.pk)
    [share] = CVShare.objects.filter(profile=profile)
    assert (share.employer, share.context, share.withdrawn_at) == (booth.employer, "queue", None)


def test_a_place_is_found_only_on_whole_ids_of_the_packed_order():
    # 256 then 0 packs as 00 01 00 00 00 00 00 00 | 00 ...: id 1's bytes appear at offset 1.
    snapshot = {
        "booth_id": 1,
        "open": True,
        "paused": False,
        "show_position": True,
        "order": struct.pack("<3q", 256, 0, 1),
        "estimate": [300.0, 600.0, 1],
    }
    assert position_for(snapshot, 1).position == 3
    assert position_for(snapshot, 256).position == 1
    assert position_for({**snapshot, "order": struct.pack("<2q", 256, 0)}, 1).position is None
    assert waiting_candidates(snapshot) == [256, 0, 1]


def test_estimates_for_many_booths_cost_two_queries_and_keep_each_booths_own_history(
    booth, recruiter
):
    now = timezone.now()
    for minutes in (4, 6, 8, 10, 12):
        session = interview_start(actor=recruiter, candidate=factories.user(), booth=booth)
        InterviewSession.objects.filter(pk=session.pk).update(
            state="ended", started_at=now - timedelta(minutes=minutes), ended_at=now
        )
    others = [factories.booth(fair_=booth.fair).pk for _ in range(5)]

    with CaptureQueriesContext(connection) as queries:
        estimates = wait_estimates(booth_ids=[booth.pk, *others], now=now)

    assert len(queries) == 2
    assert (estimates[booth.pk].per_place_low_s, estimates[booth.pk].per_place_high_s) == (360, 600)
    default = settings.QUEUE_DEFAULT_INTERVIEW_MINUTES * 60
    assert {(estimates[pk].per_place_low_s, estimates[pk].per_place_high_s) for pk in others} == {
        (default / 2, default * 1.5)
    }
