import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from employers.tasks import vacancies_sync
from fairplatform.celery import app
from rooms.models import Fair
from rooms.tasks import fairs_advance_status
from tests import factories
from tests.waiting import wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_worker_moves_a_fair_live_through_the_redis_broker(celery_worker):
    now = timezone.now()
    fair = factories.fair(starts_at=now - timedelta(seconds=1), ends_at=now + timedelta(hours=1))

    result = fairs_advance_status.delay()

    assert result.id
    wait_for(lambda: Fair.objects.get(pk=fair.pk).status == Fair.Status.LIVE, "the fair to go live")


def test_beat_schedules_the_periodic_tasks_from_settings():
    DatabaseScheduler(app=app).setup_schedule()
    task = PeriodicTask.objects.get(name="fairs-advance-status")
    assert task.task == "rooms.tasks.fairs_advance_status"
    assert task.interval.every == 30
    assert task.enabled
    calls = PeriodicTask.objects.get(name="queues-expire-calls")
    assert calls.task == "rooms.tasks.queues_expire_calls"
    assert calls.task in app.tasks


def test_healthz_reports_every_part_when_a_worker_runs(celery_worker):
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["ok"] is True
    assert body["database"] == {"ok": True, "vendor": "postgresql"}
    assert body["redis"] == {"ok": True}
    assert body["celery"]["workers"] >= 1


def test_healthz_says_503_when_no_worker_answers():
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["celery"]["ok"] is False
    assert body["database"]["ok"] is True


def test_beat_schedules_the_vacancy_sync_from_settings(settings):
    DatabaseScheduler(app=app).setup_schedule()
    sync = PeriodicTask.objects.get(name="vacancies-sync-cpi")
    assert sync.task == "employers.tasks.vacancies_sync"
    assert sync.interval.every == settings.VACANCY_SYNC_INTERVAL_SECONDS
    assert json.loads(sync.kwargs) == {"source": "cpi"}
    nightly = PeriodicTask.objects.get(name="vacancies-reconcile-cpi")
    assert json.loads(nightly.kwargs) == {"source": "cpi", "full": True}
    assert nightly.crontab.hour == str(settings.VACANCY_RECONCILE_HOUR)
    assert {sync.task, "employers.tasks.vacancies_expire"} <= set(app.tasks)


def test_the_scheduled_sync_is_a_no_op_without_a_cpi_database(monkeypatch):
    from django.conf import settings

    monkeypatch.delitem(settings.DATABASES, "cpi", raising=False)
    assert vacancies_sync() is None
