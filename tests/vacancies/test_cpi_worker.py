import pytest

from employers.models import SyncRun, Vacancy
from employers.tasks import vacancies_sync
from tests.celery.conftest import celery_worker  # noqa: F401 - the real worker fixture
from tests.vacancies.conftest import CPI_DB
from tests.vacancies.cpi_standin import at, row
from tests.waiting import wait_for

pytestmark = [pytest.mark.celery, CPI_DB]


def test_a_worker_runs_the_scheduled_sync_against_the_cpi_database(cpi_standin, celery_worker):  # noqa: F811
    cpi_standin.insert(row("SIL:2026/000001", at(3)), row("SIL:2026/000002", at(2)))

    vacancies_sync.delay(source="cpi")

    wait_for(
        lambda: SyncRun.objects.filter(status=SyncRun.Status.SUCCEEDED).exists(), "the sync run"
    )
    assert Vacancy.objects.filter(source=Vacancy.Source.CPI).count() == 2
