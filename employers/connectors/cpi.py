"""The CPI vacancy database, read through the export view contract (standards.md §1.8)."""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.utils import CursorWrapper
from django.utils.translation import gettext as _
from psycopg.types.datetime import TimestamptzLoader
from psycopg.types.json import JsonbLoader

from employers.connectors.base import Batch, Item, Position, unreadable
from employers.models import Vacancy
from employers.rejection_texts import problem
from employers.vacancy_records import RawVacancy, Rejection, SectorIndex, Tombstone, normalise
from fairplatform.db_routers import CPI_ALIAS
from fairplatform.errors import DomainError

COLUMNS = [
    "source_ref", "row_version", "updated_at", "status", "published_at", "expires_at",
    "title", "description", "positions_count", "employer_tax_code", "employer_name",
    "employer_visible", "comune_istat", "comune_belfiore", "ateco_code", "ateco_version",
    "cp2011_code", "isco08_code", "esco_uri", "contract_code", "working_time_code",
    "education_code", "languages", "licences", "cpi_code", "clic_codiceofferta",
]  # fmt: skip
SOURCE_REF, ROW_VERSION, UPDATED_AT, STATUS = range(4)  # positions in COLUMNS
# PostgreSQL holds times Python cannot (infinity, before year 1, after 9999), and psycopg fails
# the whole page on one. The queries read such a value as NULL and name it in a last column, so
# only its row is rejected. The change stream keeps to readable change times (the keyset runs
# on them); rows with an unreadable one are read apart, at the end of each run.
_READABLE_TIME = "'0001-01-01 00:00:00+00' AND '9999-12-31 23:59:59.999999+00'"
_READABLE = {
    "updated_at": _READABLE_TIME,
    "published_at": _READABLE_TIME,
    "expires_at": "'0001-01-01' AND '9999-12-31'",
}
FIELD_OF_TIME = {
    "updated_at": "source_updated_at",
    "published_at": "published_at",
    "expires_at": "expires_on",
}
_SELECTED = ", ".join(
    f"CASE WHEN {name} BETWEEN {_READABLE[name]} THEN {name} END" if name in _READABLE else name
    for name in COLUMNS
)
_UNREADABLE = "array_remove(ARRAY[{}], NULL)".format(
    ", ".join(
        f"CASE WHEN NOT {name} BETWEEN {bounds} THEN '{name} ' || {name} END"
        for name, bounds in _READABLE.items()
    )
)
STATUSES = {"PUBLISHED": Vacancy.Status.PUBLISHED, "CLOSED": Vacancy.Status.CLOSED}
TOMBSTONE = "WITHDRAWN"
BEGINNING = datetime.min.replace(tzinfo=UTC)
# Newest version first: should the view break its one-current-row contract, a page boundary
# between two rows of one reference and time drops the older one, never the newer.
_CHANGES = f"""
    SELECT {_SELECTED}, {_UNREADABLE} FROM export_fair.vacancies
    WHERE (updated_at, source_ref) > (%s, %s) AND updated_at BETWEEN {_READABLE_TIME}
    ORDER BY updated_at, source_ref, row_version DESC
    LIMIT %s
"""  # noqa: S608 - fixed column names, values are parameters
# Reported by every run until the CPI fixes them (no change time too, which the keyset never
# meets); a page of them is enough to see the fault.
_UNREADABLE_CHANGES = f"""
    SELECT {_SELECTED}, {_UNREADABLE} FROM export_fair.vacancies
    WHERE updated_at < '0001-01-01 00:00:00+00' OR updated_at > '9999-12-31 23:59:59.999999+00'
        OR updated_at IS NULL
    ORDER BY source_ref LIMIT %s
"""  # noqa: S608 - fixed column names, values are parameters
# A deletion at a time Python cannot read is left to the full reconciliation, which withdraws
# what the view no longer lists.
_DELETIONS = f"""
    SELECT source_ref, deleted_at FROM export_fair.vacancy_deleted
    WHERE (deleted_at, source_ref) > (%s, %s) AND deleted_at BETWEEN {_READABLE_TIME}
    ORDER BY deleted_at, source_ref LIMIT %s
"""  # noqa: S608 - fixed bounds, values are parameters


class CpiNotConfigured(DomainError):
    pass


class Decoders:
    """The export's decode tables, read once per run: source code → canonical value."""

    def __init__(self, cursor: CursorWrapper) -> None:
        self.contract = _table(cursor, "SELECT code, canonical FROM export_fair.decode_contract")
        self.working_time = _table(
            cursor, "SELECT code, canonical FROM export_fair.decode_working_time"
        )
        self.education = _table(cursor, "SELECT code, eqf_level FROM export_fair.decode_education")


class CpiConnector:
    source = Vacancy.Source.CPI
    incremental = True

    def __init__(self, *, batch_size: int | None = None) -> None:
        if CPI_ALIAS not in settings.DATABASES:
            raise CpiNotConfigured(
                "vacancies.cpi_not_configured", _("CPI_DATABASE_URL is not set: no CPI database.")
            )
        self.batch_size = batch_size or settings.VACANCY_SYNC_BATCH_SIZE
        self.connection = connections[CPI_ALIAS]
        self._decoders: Decoders | None = None
        self._sectors: SectorIndex | None = None

    def changes(self, start: Position | None) -> Iterator[Batch]:
        position = start or Position(BEGINNING, "")
        while True:
            rows = self._rows(_CHANGES, [position.at, position.ref, self.batch_size])
            if not rows:
                break
            # A NULL reference (rejected) cannot be a position: '' resumes before the time's
            # other references, which are read again and change nothing.
            position = Position(rows[-1][UPDATED_AT], rows[-1][SOURCE_REF] or "")
            yield Batch([self._item(row) for row in rows], position)
            if len(rows) < self.batch_size:
                break
        if unreadable := self._rows(_UNREADABLE_CHANGES, [self.batch_size]):
            yield Batch([self._item(row) for row in unreadable], None)

    def _rows(self, query: str, params: list[Any]) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            # psycopg's own loaders: jsonb decoded (Django's hands it over as text, for
            # JSONField), so each list is parsed once in the rows as fetched; timestamptz in
            # the session's zone (Django sets UTC) without Django's per-value Python wrapper,
            # which cost more than the rest of reading a row.
            cursor.cursor.adapters.register_loader("jsonb", JsonbLoader)
            cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
            cursor.execute(query, params)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows

    def deletions(self, since: datetime | None) -> Iterator[Batch]:
        at, ref = since or BEGINNING, ""
        while True:
            with self.connection.cursor() as cursor:
                cursor.execute(_DELETIONS, [at, ref, self.batch_size])
                rows = cursor.fetchall()
            if not rows:
                return
            ref, at = rows[-1]
            yield Batch(
                [Tombstone(reference(row[0]), None, deleted_at=row[1]) for row in rows],
                None,
                deletions_up_to=at,
            )
            if len(rows) < self.batch_size:
                return

    def active_refs(self) -> Iterable[str]:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT source_ref FROM export_fair.vacancies WHERE status = 'PUBLISHED'"
            )
            while rows := cursor.fetchmany(10_000):
                yield from (reference(row[0]) for row in rows)

    def close(self) -> None:
        self.connection.close()

    def _item(self, row: tuple[Any, ...]) -> Item:
        if self._decoders is None:
            with self.connection.cursor() as cursor:
                self._decoders = Decoders(cursor)
            self._sectors = SectorIndex()
        assert self._sectors is not None  # noqa: S101 - set together with the decoders
        row, unreadable_times = row[:-1], row[-1]
        if unreadable_times:
            payload = dict(zip(COLUMNS, row, strict=True))
            problems = []
            for text in unreadable_times:
                name, value = text.split(" ", 1)
                payload[name] = value
                problems.append(problem("bad_date", field=FIELD_OF_TIME[name], value=value))
            return Rejection(reference(row[SOURCE_REF]), problems, payload)
        if row[UPDATED_AT] is None:
            payload = dict(zip(COLUMNS, row, strict=True))
            return Rejection(reference(row[SOURCE_REF]), [problem("missing_change_time")], payload)
        ref = reference(row[SOURCE_REF])
        if row[STATUS] == TOMBSTONE and ref and row[ROW_VERSION] is not None:
            return Tombstone(ref, row[ROW_VERSION])
        # Only the row's own decoding and checks: the decode tables above are read outside, so
        # a database failure still fails the run instead of rejecting every row.
        try:
            return normalise(self._raw(row, self._decoders), self._sectors)
        except Exception as exc:
            return unreadable(reference(row[SOURCE_REF]), dict(zip(COLUMNS, row, strict=True)), exc)

    def _raw(self, row: tuple[Any, ...], decoders: Decoders) -> RawVacancy:
        (
            source_ref, row_version, updated_at, status, published_at, expires_at, title,
            description, positions_count, employer_tax_code, employer_name, employer_visible,
            comune_istat, comune_belfiore, ateco_code, ateco_version, cp2011_code, isco08_code,
            esco_uri, contract_code, working_time_code, education_code, languages, licences,
            cpi_code, clic_codiceofferta,
        ) = row  # fmt: skip
        languages = _as_list(languages)
        licences = _as_list(licences)
        sent = dict(zip(COLUMNS, row, strict=True))
        sent["languages"] = languages
        sent["licences"] = licences
        raw = RawVacancy(
            source_ref=source_ref or "",
            version=row_version,
            updated_at=updated_at,
            status=STATUSES.get(status, status or ""),
            raw=sent,
            title=title or "",
            description=description or "",
            positions=positions_count,
            employer_name=employer_name or "",
            employer_tax_code=employer_tax_code or "",
            employer_visible=employer_visible is not False,
            comune_istat=comune_istat or "",
            comune_belfiore=comune_belfiore or "",
            ateco_code=ateco_code or "",
            ateco_version=ateco_version or "",
            cp2011_code=cp2011_code or "",
            isco08_code=isco08_code or "",
            esco_uri=esco_uri or "",
            languages=languages,
            licences=licences,
            published_at=published_at,
            expires_on=expires_at,
            cpi_code=cpi_code or "",
        )
        if clic_codiceofferta:
            raw.external_ids["clic_codiceofferta"] = clic_codiceofferta
        raw.contract_type = _decode(raw, decoders.contract, contract_code, "contract")
        raw.working_time = _decode(raw, decoders.working_time, working_time_code, "working_time")
        if education_code is not None:
            level = _decode(raw, decoders.education, education_code, "education")
            raw.education_eqf = None if level in (None, "") else int(level)
        return raw


def _decode(raw: RawVacancy, table: dict[str, Any], code: str | None, what: str) -> Any:
    if code is None:
        return ""
    if code not in table:
        raw.decode_problems.append(problem(f"unknown_{what}.source_code", value=repr(code)))
        return ""
    return table[code]


def _table(cursor: CursorWrapper, sql: str) -> dict[str, Any]:
    cursor.execute(sql)
    return dict(cursor.fetchall())


def reference(value: str | None) -> str:
    """A source reference as stored (`normalise` strips records' too): tombstones, deletions
    and the reconciliation must name the same vacancy."""
    return (value or "").strip()


def _as_list(value: Any) -> list[Any]:
    """A decoded jsonb value that should be a list; anything else (null too) is none."""
    return value if isinstance(value, list) else []
