from celery import shared_task

from candidates.services import cv_purge_expired as cv_purge_expired_service


@shared_task(name="candidates.tasks.cv_purge_expired", ignore_result=True)
def cv_purge_expired() -> int:
    return cv_purge_expired_service()
