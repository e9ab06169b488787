from celery import shared_task

from rooms import interviews, queues
from rooms.services import fairs_advance_status as fairs_advance_status_service


@shared_task(name="rooms.tasks.fairs_advance_status", ignore_result=True)
def fairs_advance_status() -> int:
    return fairs_advance_status_service()


@shared_task(name="rooms.tasks.interview_presence_expire", ignore_result=True)
def interview_presence_expire(session_id: int, user_id: int, attendance_id: int) -> bool:
    return interviews.interview_presence_expire(
        session_id=session_id, user_id=user_id, attendance_id=attendance_id
    )


@shared_task(name="rooms.tasks.queues_expire_calls", ignore_result=True)
def queues_expire_calls() -> int:
    return queues.queue_expire_calls()
