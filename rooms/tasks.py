from celery import shared_task

from rooms.services import fairs_advance_status as fairs_advance_status_service


@shared_task(name="rooms.tasks.fairs_advance_status", ignore_result=True)
def fairs_advance_status() -> int:
    return fairs_advance_status_service()
