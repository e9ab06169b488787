"""Hypothesis drives a fair's queues through random moves; the invariants hold after each one."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from fairplatform.errors import DomainError
from rooms import interviews, queues
from rooms.models import QueueEntry
from rooms.queue_feed import queue_snapshot, waiting_candidates
from tests import factories

pytestmark = pytest.mark.django_db

CANDIDATES = 4
BOOTHS = 2


class FairQueues(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.rollback = transaction.atomic()
        self.rollback.__enter__()
        fair = factories.live_fair()
        self.booths = [factories.booth(fair_=fair) for _ in range(BOOTHS)]
        self.recruiters = [
            factories.member(booth.employer.organisation, "recruiter") for booth in self.booths
        ]
        self.people = [factories.user() for _ in range(CANDIDATES)]
        self.clock = timezone.now()
        self.join_keys: dict[int, float] = {}
        # Entries a recruiter skipped: moved back on purpose, so outside the FIFO check.
        self.moved: set[int] = set()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.rollback.__exit__(None, None, None)

    def attempt(self, move):
        try:
            return move()
        except DomainError:
            return None

    @rule(person=st.integers(0, CANDIDATES - 1), booth=st.integers(0, BOOTHS - 1))
    def join(self, person, booth):
        entry = self.attempt(
            lambda: queues.queue_join(
                actor=self.people[person], booth_id=self.booths[booth].pk, now=self.clock
            )
        )
        if entry is not None:
            self.join_keys[entry.pk] = entry.sort_key

    @rule(person=st.integers(0, CANDIDATES - 1), booth=st.integers(0, BOOTHS - 1))
    def leave(self, person, booth):
        entry = QueueEntry.objects.filter(
            candidate=self.people[person], booth=self.booths[booth], state__in=["waiting", "called"]
        ).first()
        if entry is not None:
            queues.queue_leave(actor=self.people[person], entry_id=entry.pk)

    @rule(booth=st.integers(0, BOOTHS - 1))
    def call_next(self, booth):
        self.attempt(
            lambda: queues.queue_call_next(
                actor=self.recruiters[booth], booth_id=self.booths[booth].pk, now=self.clock
            )
        )

    @rule(person=st.integers(0, CANDIDATES - 1))
    def answer(self, person):
        entry = QueueEntry.objects.filter(candidate=self.people[person], state="called").first()
        if entry is not None:
            self.attempt(
                lambda: queues.queue_answer(
                    actor=self.people[person], entry_id=entry.pk, now=self.clock
                )
            )

    @rule(booth=st.integers(0, BOOTHS - 1))
    def finish(self, booth):
        entry = QueueEntry.objects.filter(booth=self.booths[booth], state="in_interview").first()
        if entry is not None and entry.interview_id is not None:
            interviews.interview_end(actor=self.recruiters[booth], session_id=entry.interview_id)

    @rule(booth=st.integers(0, BOOTHS - 1), place=st.integers(0, CANDIDATES - 1))
    def skip(self, booth, place):
        waiting = list(
            QueueEntry.objects.filter(booth=self.booths[booth], state="waiting").order_by(
                "sort_key", "pk"
            )
        )
        if place < len(waiting):
            queues.queue_skip(actor=self.recruiters[booth], entry_id=waiting[place].pk)
            self.moved.add(waiting[place].pk)

    @rule(booth=st.integers(0, BOOTHS - 1), paused=st.booleans())
    def pause(self, booth, paused):
        queues.queue_pause(
            actor=self.recruiters[booth], booth_id=self.booths[booth].pk, paused=paused
        )

    @rule(seconds=st.sampled_from([10, 120]))
    def time_passes(self, seconds):
        self.clock += timedelta(seconds=seconds)
        queues.queue_expire_calls(now=self.clock)

    @invariant()
    def nobody_is_in_two_calls_or_interviews(self):
        busy = list(
            QueueEntry.objects.filter(state__in=QueueEntry.BUSY_STATES).values_list(
                "candidate_id", flat=True
            )
        )
        assert len(busy) == len(set(busy))

    @invariant()
    def lines_are_first_come_first_served_and_waiting_entries_keep_their_place(self):
        for booth in self.booths:
            candidates = waiting_candidates(queue_snapshot(booth_id=booth.pk))
            assert len(candidates) == len(set(candidates))  # one place each, positions 1..n
            by_candidate = {
                entry.candidate_id: entry
                for entry in QueueEntry.objects.filter(booth=booth, state="waiting")
            }
            assert set(by_candidate) == set(candidates)
            order = [by_candidate[candidate].pk for candidate in candidates]
            entries = QueueEntry.objects.in_bulk(order)
            never_missed = [
                pk for pk in order if entries[pk].no_shows == 0 and pk not in self.moved
            ]
            assert never_missed == sorted(never_missed)  # FIFO among those who never missed
            for pk in never_missed:
                assert entries[pk].sort_key == self.join_keys[pk]  # paused, not moved

    @invariant()
    def one_active_entry_per_person_and_booth(self):
        active = list(
            QueueEntry.objects.filter(state__in=QueueEntry.ACTIVE_STATES).values_list(
                "booth_id", "candidate_id"
            )
        )
        assert len(active) == len(set(active))


FairQueues.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_queue_invariants_hold_under_random_moves():
    FairQueues.TestCase().runTest()
