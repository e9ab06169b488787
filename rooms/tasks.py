from datetime import datetime

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from rooms import agenda, interviews, queues, reminders, series
from rooms.services import fairs_advance_status as fairs_advance_status_service


@shared_task(name="rooms.tasks.fairs_advance_status", ignore_result=True)
def fairs_advance_status() -> int:
    return fairs_advance_status_service()


@shared_task(name="rooms.tasks.interview_presence_expire", ignore_result=True)
def interview_presence_expire(session_id: int, user_id: int, attendance_id: int) -> bool:
    return interviews.interview_presence_expire(
        session_id=session_id, user_id=user_id, attendance_id=attendance_id
    )


@shared_task(name="rooms.tasks.interview_attendance_sweep", ignore_result=True)
def interview_attendance_sweep() -> int:
    return interviews.interview_attendance_sweep()


@shared_task(name="rooms.tasks.queues_expire_calls", ignore_result=True)
def queues_expire_calls() -> int:
    return queues.queue_expire_calls()


def _moment(now: str | None) -> datetime | None:
    """Beat passes nothing (the real clock); tests pass an ISO time to control the clock."""
    return datetime.fromisoformat(now) if now else None


@shared_task(name="rooms.tasks.agenda_notifications_dispatch", ignore_result=True)
def agenda_notifications_dispatch(now: str | None = None) -> int:
    return len(reminders.dispatch(now=_moment(now)))


@shared_task(
    name="rooms.tasks.notifications_send",
    bind=True,
    ignore_result=True,
    max_retries=settings.AGENDA_NOTIFY_MAX_ATTEMPTS - 1,
)
def notifications_send(self: Task, notification_ids: list[int]) -> None:  # type: ignore[type-arg]
    final = self.request.retries >= settings.AGENDA_NOTIFY_MAX_ATTEMPTS - 1
    retry = reminders.send_many(notification_ids=notification_ids, final_attempt=final).retry
    if retry:
        # Only the messages that failed for now go round again, with exponential backoff.
        raise self.retry(
            args=(retry,),
            countdown=get_exponential_backoff_interval(
                factor=settings.AGENDA_NOTIFY_BACKOFF_SECONDS,
                retries=self.request.retries,
                maximum=settings.AGENDA_NOTIFY_BACKOFF_MAX_SECONDS,
                full_jitter=False,
            ),
        )


@shared_task(name="rooms.tasks.agenda_open_rooms", ignore_result=True)
def agenda_open_rooms(now: str | None = None) -> int:
    return agenda.agenda_open_rooms(now=_moment(now))


@shared_task(name="rooms.tasks.agenda_mark_no_shows", ignore_result=True)
def agenda_mark_no_shows(now: str | None = None) -> int:
    return agenda.agenda_mark_no_shows(now=_moment(now))


@shared_task(name="rooms.tasks.agenda_open_booking_windows", ignore_result=True)
def agenda_open_booking_windows(now: str | None = None) -> int:
    return agenda.booking_windows_open(now=_moment(now))


@shared_task(name="rooms.tasks.fair_series_extend", ignore_result=True)
def fair_series_extend(now: str | None = None) -> int:
    return series.fair_series_extend_all(now=_moment(now))
