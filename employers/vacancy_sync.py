"""Vacancy import: drive a connector, upsert batch by batch, move the watermark with each commit.

Every batch runs in one transaction that also moves the source's cursor, so a crash loses at
most the batch in flight and a re-run starts where the last commit left off (minus the overlap,
which only replays rows: a row not newer than the stored one, or with the same content hash,
changes nothing).
"""

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import F, JSONField, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import Perm, require
from employers.connectors.base import Batch, Connector, Position
from employers.connectors.files import FILE_SOURCES, XmlFileConnector
from employers.models import Employer, SyncCursor, SyncRejection, SyncRun, Vacancy
from employers.rejection_texts import problem
from employers.services import vacancies_expire
from employers.vacancy_records import Rejection, Tombstone, VacancyRecord
from fairplatform.audit import audit_record
from fairplatform.errors import DomainError

log = logging.getLogger(__name__)

UPDATED_FIELDS = [
    "employer", "employer_name", "employer_tax_code", "employer_visible", "status", "title",
    "description", "positions", "occupation_isco", "occupation_cp2011", "occupation_esco_uri",
    "sector", "sector_ateco", "sector_nace", "place", "comune_istat", "comune_belfiore", "nuts3",
    "contract_type", "working_time", "education_eqf", "languages", "licences", "published_at",
    "expires_on", "closed_at", "cpi_code", "source_version", "source_updated_at", "content_hash",
    "raw_payload", "external_ids", "code_versions", "updated_at", "skills",
]  # fmt: skip
COMMITTED_FIELDS = [
    "read", "created", "updated", "unchanged", "closed", "rejected", "watermark_to",
]  # fmt: skip
# A withdrawn vacancy forgets its hash, so a later re-publication of the same content applies.
NO_HASH = ""


def vacancies_import_file(*, actor: User, source: str, content: bytes) -> SyncRun:
    """A ClicLavoro or HR-Open file uploaded by an organiser."""
    require(actor, Perm.VACANCY_IMPORT)
    return vacancies_sync(connector=XmlFileConnector(source=source, content=content), actor=actor)


def vacancies_import_dropped(folder: Path) -> list[SyncRun]:
    """Import the files dropped in `folder`/<source>/, oldest first, and move each to `done/`
    or `failed/` (with the run's id in its name), so none is imported twice. A file changed
    within the settle time may still be being copied in: it waits for the next pass."""
    settled_before = time.time() - settings.VACANCY_DROP_SETTLE_SECONDS
    runs = []
    for source in FILE_SOURCES:
        inbox = folder / source
        files = sorted(
            (path for path in inbox.glob("*.xml") if path.stat().st_mtime <= settled_before),
            key=lambda path: path.stat().st_mtime,
        )
        for path in files if inbox.is_dir() else []:
            run = vacancies_sync(
                connector=XmlFileConnector(source=source, content=path.read_bytes())
            )
            outcome = "done" if run.status == SyncRun.Status.SUCCEEDED else "failed"
            (folder / outcome).mkdir(exist_ok=True)
            path.rename(folder / outcome / f"{source}-run{run.pk}-{path.name}")
            runs.append(run)
    return runs


def vacancies_sync(
    *,
    connector: Connector,
    actor: User | None = None,
    full: bool = False,
    dry_run: bool = False,
    overlap: timedelta | None = None,
) -> SyncRun:
    """One run; a failure ends in a failed SyncRun with the error, never in an exception.

    A dry run does all the work in a transaction that is rolled back, so its counts and
    rejections are exactly what a real run would do.
    """
    overlap = (
        timedelta(seconds=settings.VACANCY_SYNC_OVERLAP_SECONDS) if overlap is None else overlap
    )
    if not dry_run:
        return _run(connector, full, overlap, actor)
    with transaction.atomic():
        run = _run(connector, full, overlap, actor)
        # Read before the rollback takes them away: run.rejections.all() then lists these.
        prefetch_related_objects([run], "rejections")
        transaction.set_rollback(True)
    return run


def _run(connector: Connector, full: bool, overlap: timedelta, actor: User | None) -> SyncRun:
    if full:
        mode = SyncRun.Mode.FULL
    else:
        mode = SyncRun.Mode.INCREMENTAL if connector.incremental else SyncRun.Mode.FILE
    _mark_interrupted()
    run = SyncRun.objects.create(source=connector.source, mode=mode)
    try:
        cursor, _ = SyncCursor.objects.get_or_create(source=connector.source)
        start = None if full else _start(cursor, overlap)
        run.watermark_from = start.at if start else None
        for batch in connector.changes(start):
            _apply_batch(run, connector, batch)
        deleted_since = cursor.deleted_watermark_at
        if deleted_since is not None and not full:
            deleted_since = _before(deleted_since, overlap)
        for batch in connector.deletions(None if full else deleted_since):
            _apply_batch(run, connector, batch)
        if full:
            run.closed += _reconcile(connector)
        run.expired += vacancies_expire(source=connector.source)
        run.status = SyncRun.Status.SUCCEEDED
    except Exception as exc:
        log.exception("Vacancy sync %s failed", connector.source)
        # The counts and watermark of the batches that committed, not of the one in flight.
        run.refresh_from_db(fields=COMMITTED_FIELDS)
        run.status = SyncRun.Status.FAILED
        # A refusal meant for people (a hostile or broken file) is stored as its message.
        is_refusal = isinstance(exc, DomainError)
        run.error = str(exc) if is_refusal else f"{type(exc).__name__}: {exc}".strip()
    finally:
        connector.close()
    run.finished_at = timezone.now()
    run.save()
    audit_record(actor=actor, action=f"employers.vacancy_sync.{run.status}", obj=run, mode=run.mode)
    return run


def _mark_interrupted() -> None:
    """Runs whose process stopped without finishing: their page says so from the status."""
    stalled_since = timezone.now() - timedelta(seconds=settings.VACANCY_SYNC_STALL_SECONDS)
    stalled = SyncRun.objects.filter(status=SyncRun.Status.RUNNING, progress_at__lt=stalled_since)
    for pk in stalled.values_list("pk", flat=True):
        log.warning("Vacancy sync run %s had stopped without finishing", pk)
    stalled.update(status=SyncRun.Status.INTERRUPTED, finished_at=F("progress_at"))


def _start(cursor: SyncCursor, overlap: timedelta) -> Position | None:
    if cursor.watermark_at is None:
        return None
    if not overlap:
        return Position(cursor.watermark_at, cursor.watermark_ref)
    return Position(_before(cursor.watermark_at, overlap), "")


def _before(at: datetime, overlap: timedelta) -> datetime:
    """`at` less the overlap, or the earliest time there is (a source may date rows year 1)."""
    earliest = datetime.min.replace(tzinfo=UTC)
    return at - overlap if at - earliest > overlap else earliest


@dataclass
class _Outcome:
    # New rows as column values: a model instance each would cost more than the rest of a row.
    created: list[dict[str, Any]] = field(default_factory=list)
    updated: list[Vacancy] = field(default_factory=list)
    unchanged: int = 0
    closed: int = 0
    rejections: list[Rejection] = field(default_factory=list)


@transaction.atomic
def _apply_batch(run: SyncRun, connector: Connector, batch: Batch) -> None:
    source = connector.source
    # The lock serialises two runs of one source batch by batch; each decides on fresh rows.
    cursor = SyncCursor.objects.select_for_update().get(source=source)
    outcome = _Outcome()
    records: dict[str, VacancyRecord] = {}
    tombstones: list[Tombstone] = []
    for item in batch.items:
        if isinstance(item, Rejection):
            outcome.rejections.append(item)
        elif isinstance(item, Tombstone):
            tombstones.append(item)
        elif (kept := records.get(item.source_ref)) is None or item.version > kept.version:
            if kept is not None:
                outcome.rejections.append(_duplicate(kept, winner=item.version))
            records[item.source_ref] = item
        else:
            outcome.rejections.append(_duplicate(item, winner=kept.version))
    refs = set(records) | {tombstone.source_ref for tombstone in tombstones}
    # Stating the partial unique index's predicate (a reference) lets PostgreSQL use it.
    # Locked: a change made meanwhile on the platform (skills) is not overwritten with the
    # values read here.
    existing = {
        vacancy.source_ref: vacancy
        for vacancy in Vacancy.objects.select_for_update()
        .filter(source=source, source_ref__in=refs)
        .exclude(source_ref="")
    }
    employers = _employers_by_tax_code(
        {record.fields["employer_tax_code"] for record in records.values()}
    )
    now = timezone.now()
    today = timezone.localdate(now)
    for record in records.values():
        _upsert(
            outcome=outcome,
            source=source,
            record=record,
            current=existing.get(record.source_ref),
            employers=employers,
            incremental=connector.incremental,
            now=now,
            today=today,
        )
    for tombstone in tombstones:
        _withdraw(outcome, tombstone, existing.get(tombstone.source_ref), now)

    _write(outcome.created, outcome.updated)
    SyncRejection.objects.bulk_create(
        SyncRejection(
            run=run,
            source_ref=rejection.source_ref[:120],
            reason=rejection.reason,
            problems=rejection.problems,
            payload=rejection.payload,
        )
        for rejection in outcome.rejections
    )
    run.read += len(batch.items)
    run.created += len(outcome.created)
    run.updated += len(outcome.updated)
    run.unchanged += outcome.unchanged
    run.closed += outcome.closed
    run.rejected += len(outcome.rejections)
    _advance(cursor, batch)
    cursor.save()
    run.watermark_to = cursor.watermark_at
    run.progress_at = timezone.now()
    run.save()


def _write(created: list[dict[str, Any]], updated: list[Vacancy]) -> None:
    """COPY new rows straight into the table; COPY updated ones into a temporary table, then one
    UPDATE.

    bulk_create/bulk_update quote every parameter client-side: about 2,000 rows/s, against
    tens of thousands through COPY (bench/vacancies.py).
    """
    if not created and not updated:
        return
    db = connections[router.db_for_write(Vacancy)]  # the wrapper itself, not the thread proxy
    if db.vendor != "postgresql":
        # `make run`'s embedded SQLite has no COPY: the ORM writes the same rows, slower.
        Vacancy.objects.bulk_create(Vacancy(**values) for values in created)
        Vacancy.objects.bulk_update(updated, UPDATED_FIELDS, batch_size=500)
        return
    fields = [f for f in Vacancy._meta.concrete_fields if not f.primary_key]
    table = Vacancy._meta.db_table
    columns = ", ".join(db.ops.quote_name(f.column) for f in fields)
    # Only JSON needs adapting; psycopg dumps the other values as they are. The JSON is dumped
    # here as JSONField.get_db_prep_save would (None is SQL NULL), with each field's encoder.
    columns_of = itemgetter(*(f.attname for f in fields))
    json_columns = [
        (i, (f.encoder or json.JSONEncoder)())
        for i, f in enumerate(fields)
        if isinstance(f, JSONField)
    ]

    def row(values: Any) -> list[Any]:
        row = list(columns_of(values))
        for position, encoder in json_columns:
            if (value := row[position]) is not None:
                row[position] = encoder.encode(value)
        return row

    with db.cursor() as cursor:
        if created:
            defaults = {
                name: value
                for name, value in Vacancy().__dict__.items()
                if not name.startswith("_") and name != "id"
            }
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in created:
                    copy.write_row(row({**defaults, **values}))
        if not updated:
            return
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS vacancy_stage AS "  # noqa: S608 - model names
            f"SELECT * FROM {table} WITH NO DATA"
        )
        cursor.execute("TRUNCATE vacancy_stage")
        with cursor.cursor.copy(f"COPY vacancy_stage (id, {columns}) FROM STDIN") as copy:
            for vacancy in updated:
                copy.write_row([vacancy.pk, *row(vacancy.__dict__)])
        assignments = ", ".join(
            f"{db.ops.quote_name(f.column)} = s.{db.ops.quote_name(f.column)}"
            for f in fields
            if f.name in UPDATED_FIELDS
        )
        cursor.execute(
            f"UPDATE {table} AS v SET {assignments} FROM vacancy_stage AS s "  # noqa: S608
            "WHERE v.id = s.id"
        )


def _upsert(
    *,
    outcome: _Outcome,
    source: str,
    record: VacancyRecord,
    current: Vacancy | None,
    employers: dict[str, int],
    incremental: bool,
    now: datetime,
    today: date,
) -> None:
    if current is not None:
        version = current.source_version or 0
        if record.content_hash == current.content_hash:
            # The same content, but its employer may have an account by now (made before
            # employer_create linked imported vacancies, or while this batch was being read).
            tax_code = record.fields["employer_tax_code"]
            if current.employer_id is None and tax_code in employers:
                current.employer_id, current.updated_at = employers[tax_code], now
                outcome.updated.append(current)
            else:
                outcome.unchanged += 1
            return
        if record.version < version:
            outcome.unchanged += 1
            return
        # A stream's row version moves with every change: the same one with other content is
        # a conflict. A file's version is its publication time, which an update or a closure
        # need not move, so a later file with the same one is a re-send and applies.
        if record.version == version and current.content_hash != NO_HASH and incremental:
            outcome.rejections.append(_duplicate(record, winner=version))
            return
    was_open = current is not None and current.status == Vacancy.Status.PUBLISHED
    values = {
        **record.fields,
        "employer_id": employers.get(record.fields["employer_tax_code"]),
        "source_version": record.version,
        "source_updated_at": record.updated_at,
        "content_hash": record.content_hash,
        "raw_payload": record.raw,
        "updated_at": now,
    }
    expires_on = record.fields["expires_on"]
    if values["status"] == Vacancy.Status.PUBLISHED:
        values["closed_at"] = None
        if expires_on is not None and expires_on < today:
            values.update(status=Vacancy.Status.EXPIRED, closed_at=now)
    else:
        kept = None if current is None or was_open else current.closed_at
        values["closed_at"] = kept or now
    if current is None:
        values.update(source=source, source_ref=record.source_ref, created_at=now)
        outcome.created.append(values)
        return
    for name, value in values.items():
        setattr(current, name, value)
    outcome.updated.append(current)
    if was_open and current.status == Vacancy.Status.CLOSED:
        outcome.closed += 1


def _withdraw(
    outcome: _Outcome, tombstone: Tombstone, current: Vacancy | None, now: datetime
) -> None:
    if current is None or current.status == Vacancy.Status.WITHDRAWN:
        outcome.unchanged += 1
        return
    stale = tombstone.version is not None and tombstone.version <= (current.source_version or 0)
    # A deletion is replayed within every overlap (and by full runs): a vacancy the source
    # made again after it stays.
    remade = (
        tombstone.deleted_at is not None
        and current.source_updated_at is not None
        and current.source_updated_at > tombstone.deleted_at
    )
    if stale or remade:
        outcome.unchanged += 1
        return
    if current.status == Vacancy.Status.PUBLISHED:
        outcome.closed += 1
    current.status = Vacancy.Status.WITHDRAWN
    current.closed_at = current.closed_at or now
    current.content_hash = NO_HASH
    current.source_version = tombstone.version or current.source_version
    current.updated_at = now
    outcome.updated.append(current)


def _advance(cursor: SyncCursor, batch: Batch) -> None:
    position = batch.position
    if position is not None and (
        cursor.watermark_at is None
        or (position.at, position.ref) > (cursor.watermark_at, cursor.watermark_ref)
    ):
        cursor.watermark_at, cursor.watermark_ref = position.at, position.ref
    deleted = batch.deletions_up_to
    if deleted is not None and (
        cursor.deleted_watermark_at is None or deleted > cursor.deleted_watermark_at
    ):
        cursor.deleted_watermark_at = deleted


class ReconcileRefused(DomainError):
    pass


@transaction.atomic
def _reconcile(connector: Connector) -> int:
    """Withdraw local published vacancies the source no longer lists (deleted without trace).

    Under the source's cursor lock, so no other run commits a vacancy between reading the
    source's list and ours (it would be missing from the first and withdrawn)."""
    SyncCursor.objects.select_for_update().get(source=connector.source)
    active = set(connector.active_refs())
    local = Vacancy.objects.filter(source=connector.source, status=Vacancy.Status.PUBLISHED)
    if not active and local.exists():
        # A source that lists nothing (a reload in progress, a broken view) must not close
        # every vacancy we hold: refuse, and let the next run try again.
        raise ReconcileRefused(
            "vacancies.source_lists_nothing",
            _("The source lists no vacancy at all while we hold published ones: not reconciling."),
        )
    missing = [ref for ref in local.values_list("source_ref", flat=True) if ref not in active]
    now = timezone.now()
    return sum(
        local.filter(source_ref__in=missing[start : start + 1000]).update(
            status=Vacancy.Status.WITHDRAWN, closed_at=now, content_hash=NO_HASH, updated_at=now
        )
        for start in range(0, len(missing), 1000)
    )


def _employers_by_tax_code(codes: set[str]) -> dict[str, int]:
    codes.discard("")
    if not codes:
        return {}
    found: dict[str, int] = {}
    for pk, vat, fiscal in Employer.objects.filter(
        Q(vat_number__in=codes) | Q(fiscal_code__in=codes)
    ).values_list("pk", "vat_number", "fiscal_code"):
        # Only codes an employer really has: a blank one must never match a blank record.
        for code in (vat, fiscal):
            if code:
                found[code] = pk
    return found


def _duplicate(record: VacancyRecord, *, winner: int) -> Rejection:
    if winner == record.version:
        found = problem("duplicate_ref.same_version", winner=winner)
    else:
        found = problem("duplicate_ref.superseded", version=record.version, winner=winner)
    return Rejection(record.source_ref, [found], record.raw)
