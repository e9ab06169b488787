"""The execute guard on the CPI connection: reads pass, anything else is refused before it runs."""

import pytest

from fairplatform.db_routers import ReadOnlyDatabaseError, refuse_writes


def run(sql: str) -> object:
    return refuse_writes(lambda sql, params, many, context: "ran", sql, None, False, {})


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM export_fair.vacancies",
        "  with recent AS (SELECT 1) SELECT * FROM recent",
        "SHOW default_transaction_read_only",
        'SAVEPOINT "s1"',
        'RELEASE SAVEPOINT "s1"',
        "SET TIME ZONE 'UTC'",
        "SET LOCAL statement_timeout = '30s'",
    ],
)
def test_reads_and_harmless_settings_pass(sql):
    assert run(sql) == "ran"


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM export_fair.sil_richiesta",
        "INSERT INTO django_migrations (app, name, applied) VALUES ('a', 'b', now())",
        "SET default_transaction_read_only = off",
        "SET transaction_read_only TO off",
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
        "SELECT set_config('default_transaction_read_only', 'off', false)",
        "RESET ALL",
        "BEGIN READ WRITE",
    ],
)
def test_writes_and_anything_that_turns_read_only_off_are_refused(sql):
    with pytest.raises(ReadOnlyDatabaseError, match="read-only"):
        run(sql)
