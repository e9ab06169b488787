"""The CPI vacancy database is read, never written: no migrations, no writes, on any path.

Four layers, because each covers a gap in the others: the router keeps migrations and routed
writes away; an execute wrapper refuses statements that are not reads on connections made by
Django (explicit `.using("cpi")` bypasses routers); the session is `default_transaction_read_only`;
and in production the role itself has only SELECT (docs/operations.md).
"""

import re
from collections.abc import Callable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

CPI_ALIAS = "cpi"

# Reads plus Django's own bookkeeping (savepoints) and the session settings a reader may need.
# A data-changing CTE would pass here and stop at the read-only transaction, so nothing may turn
# that off: no SET of other settings, no set_config(), no SESSION CHARACTERISTICS.
_READ_STATEMENT = re.compile(
    r"^\s*(SELECT|WITH|SHOW|EXPLAIN|SAVEPOINT|RELEASE|ROLLBACK"
    r"|SET\s+(LOCAL\s+|SESSION\s+)?(TIME\s+ZONE|statement_timeout|lock_timeout|application_name)\b)",
    re.IGNORECASE,
)
_TRANSACTION_MODE_CHANGE = re.compile(
    r"\bset_config\b|\bread_only\b|\bread\s+write\b|\bcharacteristics\b", re.IGNORECASE
)


class ReadOnlyDatabaseError(Exception):
    pass


class CpiReadOnlyRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return None

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        instance = hints.get("instance")
        if instance is not None and instance._state.db == CPI_ALIAS:
            raise ReadOnlyDatabaseError(f"The {CPI_ALIAS!r} database is read-only.")
        return None

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == CPI_ALIAS else None


def refuse_writes(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    if not _READ_STATEMENT.match(sql) or _TRANSACTION_MODE_CHANGE.search(sql):
        raise ReadOnlyDatabaseError(
            f"The {CPI_ALIAS!r} database is read-only; refused: {sql[:60]!r}"
        )
    return execute(sql, params, many, context)


def guard_cpi_connection(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Connected to `connection_created` (fairplatform.apps)."""
    if connection.alias == CPI_ALIAS and refuse_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(refuse_writes)
