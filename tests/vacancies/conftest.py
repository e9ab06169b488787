import os
from collections.abc import Iterator

import dj_database_url
import pytest
from django.db import connections

from fairplatform.db_routers import CPI_ALIAS
from tests import factories
from tests.vacancies.cpi_standin import CpiStandIn

# Tests that read the stand-in name both aliases, so Django's test case lets them connect.
CPI_DB = pytest.mark.django_db(transaction=True, databases=["default", CPI_ALIAS])


def use_cpi_database(url: str, **options: object) -> None:
    """What settings do with CPI_DATABASE_URL, at run time."""
    if CPI_ALIAS in connections.settings:
        connections[CPI_ALIAS].close()
        del connections[CPI_ALIAS]  # the next use builds a wrapper from the new settings
    config = dj_database_url.parse(url)
    config["OPTIONS"] = {"options": "-c default_transaction_read_only=on", **options}
    connections.settings[CPI_ALIAS] = config
    connections.configure_settings(connections.settings)


@pytest.fixture(scope="session", autouse=True)
def cpi_standin_server(django_db_setup: None) -> Iterator[CpiStandIn]:
    """The stand-in database, configured as the `cpi` alias after the test databases exist (so
    pytest-django does not try to create a test copy of it, which a read-only alias cannot)."""
    standin = CpiStandIn(os.environ["DATABASE_URL"])
    use_cpi_database(standin.url)
    yield standin
    connections[CPI_ALIAS].close()
    del connections.settings[CPI_ALIAS]
    standin.drop()


@pytest.fixture
def cpi_standin(cpi_standin_server: CpiStandIn) -> Iterator[CpiStandIn]:
    """The stand-in, emptied, for a test marked CPI_DB."""
    cpi_standin_server.reset()
    factories.sector()  # transactional tests flush the migration's sector rows
    yield cpi_standin_server
    use_cpi_database(cpi_standin_server.url)
