"""A real PostgreSQL database standing in for the CPI's, with the export view contract of
standards.md §1.8 built over a table shaped like the SIL's (a current row per vacancy)."""

import json
import os
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import dj_database_url
import psycopg
from django.utils import timezone

SCHEMA = """
CREATE SCHEMA export_fair;
CREATE TABLE export_fair.decode_contract (
    code text PRIMARY KEY, label_it text NOT NULL, canonical text NOT NULL,
    eures_offering_type text);
CREATE TABLE export_fair.decode_working_time (
    code text PRIMARY KEY, label_it text NOT NULL, canonical text NOT NULL);
CREATE TABLE export_fair.decode_education (
    code text PRIMARY KEY, label_it text NOT NULL, eqf_level integer);
INSERT INTO export_fair.decode_contract VALUES
    ('A01', 'Tempo indeterminato', 'permanent', 'DirectHire'),
    ('A02', 'Tempo determinato', 'fixed_term', 'Temporary'),
    ('A03', 'Apprendistato', 'apprenticeship', 'Apprenticeship'),
    ('C01', 'Tirocinio', 'internship', 'Internship');
INSERT INTO export_fair.decode_working_time VALUES
    ('FT', 'Tempo pieno', 'full'), ('PT', 'Part-time', 'part'), ('FL', 'Flessibile', 'flex');
INSERT INTO export_fair.decode_education VALUES
    ('00', 'Nessun titolo richiesto', NULL), ('20', 'Licenza media', 2),
    ('40', 'Diploma di scuola superiore', 4), ('60', 'Laurea triennale', 6),
    ('70', 'Laurea magistrale', 7);
-- The SIL side: one row per vacancy and version, NUMSTORICO = 0 the current one.
CREATE TABLE export_fair.sil_richiesta (
    source_ref text NOT NULL, numstorico integer NOT NULL DEFAULT 0,
    row_version bigint NOT NULL, updated_at timestamptz NOT NULL, status text NOT NULL,
    published_at timestamptz, expires_at date, title text, description text,
    positions_count integer, employer_tax_code text, employer_name text,
    employer_visible boolean, comune_istat text, comune_belfiore text, ateco_code text,
    ateco_version text, cp2011_code text, isco08_code text, esco_uri text, contract_code text,
    working_time_code text, education_code text, languages jsonb, licences jsonb,
    cpi_code text, clic_codiceofferta text);
CREATE INDEX ON export_fair.sil_richiesta (updated_at, source_ref) WHERE numstorico = 0;
CREATE VIEW export_fair.vacancies AS
    SELECT source_ref, row_version, updated_at, status, published_at, expires_at, title,
           description, positions_count, employer_tax_code, employer_name, employer_visible,
           comune_istat, comune_belfiore, ateco_code, ateco_version, cp2011_code, isco08_code,
           esco_uri, contract_code, working_time_code, education_code, languages, licences,
           cpi_code, clic_codiceofferta
    FROM export_fair.sil_richiesta WHERE numstorico = 0;
CREATE TABLE export_fair.vacancy_deleted (
    source_ref text PRIMARY KEY, deleted_at timestamptz NOT NULL);
"""
# The view's columns, stated again rather than imported from the connector: the stand-in is
# the contract the connector is tested against (and bench/vacancies.py loads it before Django).
COLUMNS = [
    "source_ref", "row_version", "updated_at", "status", "published_at", "expires_at",
    "title", "description", "positions_count", "employer_tax_code", "employer_name",
    "employer_visible", "comune_istat", "comune_belfiore", "ateco_code", "ateco_version",
    "cp2011_code", "isco08_code", "esco_uri", "contract_code", "working_time_code",
    "education_code", "languages", "licences", "cpi_code", "clic_codiceofferta",
]  # fmt: skip
JSON_COLUMNS = {"languages", "licences"}


def row(ref: str, updated_at: datetime, **overrides: Any) -> dict[str, Any]:
    """A clean PUBLISHED row, as a Naples CPI would export it."""
    published = updated_at - timedelta(days=3)
    values: dict[str, Any] = {
        "source_ref": ref,
        "row_version": 1,
        "updated_at": updated_at,
        "status": "PUBLISHED",
        "published_at": published,
        "expires_at": timezone.localdate() + timedelta(days=30),
        "title": f"Sviluppatore software ({ref})",
        "description": "<p>Sviluppo di applicazioni <b>web</b> in Python.</p>",
        "positions_count": 2,
        "employer_tax_code": "01234567897",
        "employer_name": "Partenope Digitale S.r.l.",
        "employer_visible": True,
        "comune_istat": "063049",
        "comune_belfiore": "F839",
        "ateco_code": "62.01.00",
        "ateco_version": "2007",
        "cp2011_code": "2.1.1.4.1",
        "isco08_code": "2512",
        "esco_uri": None,
        "contract_code": "A01",
        "working_time_code": "FT",
        "education_code": "60",
        "languages": [{"iso639_1": "en", "read": "B2", "write": "B1", "speak": "B1"}],
        "licences": ["B"],
        "cpi_code": "NA-CPI-01",
        "clic_codiceofferta": None,
    }
    values.update(overrides)
    return values


class CpiStandIn:
    def __init__(self, base_url: str) -> None:
        self.base = dj_database_url.parse(base_url)
        self.name = f"cpi_standin_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with self._connect(self.base["NAME"]) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        with self._connect(self.name) as conn:
            conn.execute(SCHEMA)

    @property
    def url(self) -> str:
        b = self.base
        password = f":{b['PASSWORD']}" if b["PASSWORD"] else ""
        return f"postgresql://{b['USER']}{password}@{b['HOST']}:{b['PORT']}/{self.name}"

    def drop(self) -> None:
        with self._connect(self.base["NAME"]) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def reset(self) -> None:
        self.execute("TRUNCATE export_fair.sil_richiesta, export_fair.vacancy_deleted")

    def insert(self, *rows: dict[str, Any]) -> None:
        placeholders = ", ".join(["%s"] * len(COLUMNS))
        with self._connect(self.name) as conn, conn.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO export_fair.sil_richiesta ({', '.join(COLUMNS)}) "  # noqa: S608
                f"VALUES ({placeholders})",
                [[json.dumps(r[c]) if c in JSON_COLUMNS else r[c] for c in COLUMNS] for r in rows],
            )

    def update(self, ref: str, updated_at: datetime, **changes: Any) -> None:
        """A new current version: the old row becomes history (NUMSTORICO + 1)."""
        with self._connect(self.name) as conn:
            current = conn.execute(
                "SELECT row_version FROM export_fair.sil_richiesta "
                "WHERE source_ref = %s AND numstorico = 0",
                [ref],
            ).fetchone()
            assert current is not None
            conn.execute(
                "UPDATE export_fair.sil_richiesta SET numstorico = numstorico + 1 "
                "WHERE source_ref = %s",
                [ref],
            )
            old = conn.execute(
                f"SELECT {', '.join(COLUMNS)} FROM export_fair.sil_richiesta "  # noqa: S608
                "WHERE source_ref = %s AND numstorico = 1",
                [ref],
            ).fetchone()
            assert old is not None
        values = dict(zip(COLUMNS, old, strict=True))
        values.update(changes, row_version=current[0] + 1, updated_at=updated_at)
        self.insert(values)

    def delete(self, ref: str, deleted_at: datetime, *, record: bool = True) -> None:
        """A hard delete; `record=False` leaves no trace (only a full reconciliation sees it)."""
        self.execute("DELETE FROM export_fair.sil_richiesta WHERE source_ref = %s", [ref])
        if record:
            self.execute(
                "INSERT INTO export_fair.vacancy_deleted VALUES (%s, %s)", [ref, deleted_at]
            )

    def terminate_readers(self) -> int:
        """Kill every other session on the stand-in: the CPI dropping the connection."""
        with self._connect(self.name) as conn:
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return len(rows)

    def execute(self, sql: str, params: list[Any] | None = None) -> None:
        with self._connect(self.name) as conn:
            conn.execute(sql, params)

    def _connect(self, dbname: str) -> psycopg.Connection[Any]:
        b = self.base
        return psycopg.connect(
            host=b["HOST"],
            port=b["PORT"] or 5432,
            user=b["USER"],
            password=b["PASSWORD"] or None,
            dbname=dbname,
            autocommit=True,
        )


def at(minutes_ago: float) -> datetime:
    return timezone.now() - timedelta(minutes=minutes_ago)


def today_plus(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)
