from datetime import timedelta

import pytest
from django.utils import timezone

from fairplatform.errors import DomainError
from fairplatform.models import WebProcessHeartbeat
from rooms import interviews
from rooms.models import Attendance, InterviewSession
from signaling import bus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    sent = []
    monkeypatch.setattr(
        bus, "publish", lambda group, name, payload, **_: sent.append((name, payload))
    )
    return sent


@pytest.fixture
def call():
    employer = factories.employer()
    recruiter = factories.member(employer.organisation, "recruiter")
    candidate = factories.user()
    return factories.booth_call(recruiter, candidate), recruiter, candidate


def test_a_drop_becomes_left_only_if_the_person_does_not_come_back(
    call, published, django_capture_on_commit_callbacks
):
    session, _recruiter, candidate = call
    first = interviews.interview_join(
        actor=candidate, session_id=session.pk, device="phone"
    ).attendance
    interviews.interview_leave(
        actor=candidate, session_id=session.pk, attendance_id=first.pk, how="dropped"
    )
    assert interviews.interview_presence_expire(
        session_id=session.pk, user_id=candidate.pk, attendance_id=first.pk
    )
    assert published[-1][0] == "interview.presence"
    assert published[-1][1].state == "left"

    with django_capture_on_commit_callbacks(execute=False):
        second = interviews.interview_join(
            actor=candidate, session_id=session.pk, device="phone"
        ).attendance
    assert second.pk != first.pk
    assert not interviews.interview_presence_expire(
        session_id=session.pk, user_id=candidate.pk, attendance_id=first.pk
    )


def test_the_second_person_online_makes_the_call_live_and_time_is_counted(call):
    session, recruiter, candidate = call
    interviews.interview_join(actor=recruiter, session_id=session.pk, device="desktop")
    session.refresh_from_db()
    assert session.state == InterviewSession.State.WAITING
    interviews.interview_join(actor=candidate, session_id=session.pk, device="phone")
    session.refresh_from_db()
    assert session.state == InterviewSession.State.LIVE
    Attendance.objects.filter(user=candidate).update(
        joined_at=timezone.now() - timedelta(minutes=5)
    )
    interviews.interview_end(actor=recruiter, session_id=session.pk)
    spent = interviews.attended_time(session=session, user=candidate)
    assert timedelta(minutes=4, seconds=59) < spent < timedelta(minutes=5, seconds=5)
    assert Attendance.objects.get(user=candidate).device == "phone"


def test_nobody_takes_part_twice_and_only_cpi_staff_start_calls_without_a_booth(call):
    _session, recruiter, candidate = call
    with pytest.raises(DomainError) as twice:
        factories.booth_call(recruiter, candidate, guests=[candidate])
    assert twice.value.code == "interview.invalid"
    for no_booth_for_them in (candidate, recruiter):
        with pytest.raises(DomainError) as refused:
            interviews.interview_start(actor=no_booth_for_them, candidate=factories.user())
        assert refused.value.code == "permission.denied"


def test_people_held_by_a_web_process_that_stopped_beating_drop_out_of_the_call(
    call, published, settings, django_capture_on_commit_callbacks
):
    settings.WEB_HEARTBEAT_SECONDS = 10
    session, recruiter, candidate = call
    now = timezone.now()
    WebProcessHeartbeat.objects.create(process="web-a", seen_at=now - timedelta(seconds=5))
    WebProcessHeartbeat.objects.create(process="web-b", seen_at=now - timedelta(seconds=31))
    WebProcessHeartbeat.objects.create(process="web-old", seen_at=now - timedelta(days=2))
    on_a = interviews.interview_join(
        actor=recruiter, session_id=session.pk, device="desktop", web_process="web-a"
    ).attendance
    on_b = interviews.interview_join(
        actor=candidate, session_id=session.pk, device="phone", web_process="web-b"
    ).attendance

    with django_capture_on_commit_callbacks(execute=True):
        assert interviews.interview_attendance_sweep(now=now) == 1

    on_a.refresh_from_db()
    on_b.refresh_from_db()
    assert on_a.left_at is None
    assert on_b.left_at is not None
    # As if the socket had closed: "reconnecting" now, "left" once the grace period has run out.
    assert [(name, p.user_id, p.state) for name, p in published] == [
        ("interview.presence", candidate.pk, "reconnecting")
    ]
    assert set(WebProcessHeartbeat.objects.values_list("process", flat=True)) == {"web-a", "web-b"}
    assert interviews.interview_attendance_sweep(now=now) == 0
