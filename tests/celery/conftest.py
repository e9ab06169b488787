from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker

from fairplatform.celery import app


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[None]:
    """A real Celery worker consuming from the Redis broker, in a thread of this process."""
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield
