import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings

from employers.connectors.cpi import CpiConnector
from employers.services import sync_runs_purge as sync_runs_purge_service
from employers.services import vacancies_expire as vacancies_expire_service
from employers.vacancy_sync import vacancies_import_dropped as vacancies_import_dropped_service
from employers.vacancy_sync import vacancies_sync as vacancies_sync_service
from fairplatform.db_routers import CPI_ALIAS

log = logging.getLogger(__name__)


@shared_task(name="employers.tasks.vacancies_sync", ignore_result=True)
def vacancies_sync(source: str = "cpi", full: bool = False) -> int | None:
    """The id of the SyncRun; None when the source is not configured (e.g. the local demo)."""
    if source != "cpi":
        raise ValueError(f"No scheduled sync for source {source!r}.")
    if CPI_ALIAS not in settings.DATABASES:
        log.info("CPI_DATABASE_URL is not set: no CPI vacancy sync.")
        return None
    return vacancies_sync_service(connector=CpiConnector(), full=full).pk


@shared_task(name="employers.tasks.vacancies_expire", ignore_result=True)
def vacancies_expire() -> int:
    return vacancies_expire_service()


@shared_task(name="employers.tasks.sync_runs_purge", ignore_result=True)
def sync_runs_purge() -> int:
    return sync_runs_purge_service()


@shared_task(name="employers.tasks.vacancies_import_dropped", ignore_result=True)
def vacancies_import_dropped() -> list[int]:
    if not settings.VACANCY_DROP_DIR:
        return []
    return [run.pk for run in vacancies_import_dropped_service(Path(settings.VACANCY_DROP_DIR))]
