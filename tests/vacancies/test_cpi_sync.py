"""The CPI connector against a real PostgreSQL stand-in with the §1.8 view contract."""

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connections, router

from accounts.models import Organisation
from employers import vacancy_sync
from employers.connectors import cpi
from employers.connectors.cpi import CpiConnector, CpiNotConfigured
from employers.models import Employer, SectorSection, SyncCursor, SyncRun, Vacancy
from employers.services import employer_create
from employers.vacancy_records import ESCO_OCCUPATION, normalise
from employers.vacancy_sync import vacancies_sync
from fairplatform.db_routers import CPI_ALIAS, ReadOnlyDatabaseError
from fairplatform.models import AuditEntry
from tests import factories
from tests.vacancies.conftest import CPI_DB, use_cpi_database
from tests.vacancies.cpi_standin import at, row, today_plus

pytestmark = CPI_DB

BAD_ROWS: dict[str, tuple[dict[str, Any], str]] = {
    "SIL:2026/900001": ({"ateco_code": "04.11.00"}, "unknown_ateco"),
    "SIL:2026/900002": ({"title": "   "}, "missing_title"),
    "SIL:2026/900003": ({"expires_at": today_plus(-30)}, "expiry_before_publication"),
    "SIL:2026/900004": ({"positions_count": 0}, "no_positions"),
    "SIL:2026/900005": ({"contract_code": "Z99"}, "unknown_contract"),
    "SIL:2026/900006": ({"ateco_version": "2002"}, "unknown_classification_version"),
    "SIL:2026/900007": ({"languages": [{"iso639_1": "en", "read": "D1"}]}, "bad_language"),
}

# Values the database refuses: each once failed its whole batch, and every later run at it.
UNSTORABLE_ROWS: dict[str, tuple[dict[str, Any], str]] = {
    "SIL:2026/910001": ({"employer_name": "N" * 250}, "too_long"),
    "SIL:2026/910002": ({"positions_count": 40000}, "too_many_positions"),
    "SIL:2026/910003": ({"licences": ["B", 1]}, "bad_licence"),
    "SIL:2026/910004": ({"employer_tax_code": "X" * 17}, "too_long"),
    "SIL:2026/910005": ({"cpi_code": "C" * 21}, "too_long"),
    "SIL:2026/910006": ({"esco_uri": ESCO_OCCUPATION + "x" * 170}, "too_long"),
    "SIL:2026/910007": ({"title": "T" * 201}, "too_long"),
    "SIL:2026/910008": ({"isco08_code": "٢٥١٢"}, "bad_occupation"),  # Arabic-Indic digits
    "SIL:2026/" + "9" * 120: ({}, "too_long"),
}


def sync(**options):
    return vacancies_sync(
        connector=CpiConnector(batch_size=options.pop("batch_size", 4)), **options
    )


def good_rows(count, *, start_minutes_ago=60.0):
    return [
        row(f"SIL:2026/{number:06d}", at(start_minutes_ago - number * 0.5))
        for number in range(1, count + 1)
    ]


def bad_rows():
    return [
        row(ref, at(50 - index), **overrides)
        for index, (ref, (overrides, _)) in enumerate(BAD_ROWS.items())
    ]


def state():
    """What a run leaves behind, without the times of the run itself."""
    return sorted(
        Vacancy.objects.filter(source=Vacancy.Source.CPI).values_list(
            "source_ref", "status", "source_version", "content_hash", "title", "positions"
        )
    )


def test_first_sync_imports_good_rows_and_rejects_bad_ones_with_their_reason(cpi_standin):
    cpi_standin.insert(*good_rows(10), *bad_rows())

    run = sync()

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert (run.read, run.created, run.rejected) == (17, 10, 7)
    reasons = dict(run.rejections.values_list("source_ref", "reason"))
    assert reasons == {ref: reason for ref, (_, reason) in BAD_ROWS.items()}
    vacancy = Vacancy.objects.get(source_ref="SIL:2026/000001")
    assert vacancy.status == Vacancy.Status.PUBLISHED
    assert vacancy.description == "Sviluppo di applicazioni web in Python."
    assert vacancy.sector.code == "J"
    assert vacancy.sector.classification == SectorSection.Classification.NACE_REV2_ATECO_2007
    assert (vacancy.sector_ateco, vacancy.sector_nace) == ("62.01.00", "62.01")
    assert vacancy.code_versions["sector_ateco"] == "ATECO 2007"
    assert (vacancy.occupation_cp2011, vacancy.occupation_isco) == ("2.1.1.4.1", "2512")
    assert (vacancy.contract_type, vacancy.working_time, vacancy.education_eqf) == (
        "permanent",
        "full",
        6,
    )
    assert vacancy.languages == [{"iso639_1": "en", "read": "B2", "write": "B1", "speak": "B1"}]
    assert vacancy.raw_payload is not None
    assert vacancy.raw_payload["source_ref"] == "SIL:2026/000001"
    cursor = SyncCursor.objects.get(source=Vacancy.Source.CPI)
    assert cursor.watermark_at == run.watermark_to
    with connections[CPI_ALIAS].cursor() as source:
        source.execute("SELECT max(updated_at) FROM export_fair.vacancies")
        latest = source.fetchone()
    assert latest is not None
    assert run.watermark_to == latest[0]


# What the content hash covers, as stored: changing the hash (a field more or less, another
# encoding) needs a migration that rehashes stored vacancies, or every replayed row rewrites.
HASHED_FIELDS = [
    "status", "title", "description", "positions", "employer_name", "employer_tax_code",
    "employer_visible", "place", "comune_istat", "comune_belfiore", "nuts3", "sector_id",
    "sector_ateco", "sector_nace", "occupation_cp2011", "occupation_isco", "occupation_esco_uri",
    "contract_type", "working_time", "education_eqf", "languages", "licences", "published_at",
    "expires_on", "cpi_code", "external_ids", "code_versions",
]  # fmt: skip


def test_the_content_hash_is_the_one_stored_vacancies_carry(cpi_standin):
    cpi_standin.insert(row("SIL:2026/000001", at(5), title="Sviluppatrice È Python"))

    sync()

    vacancy = Vacancy.objects.get()
    fields = {name: getattr(vacancy, name) for name in HASHED_FIELDS}
    encoded = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
    assert vacancy.content_hash == hashlib.sha256(encoded.encode()).hexdigest()


def test_a_rerun_imports_nothing_twice(cpi_standin):
    cpi_standin.insert(*good_rows(9), *bad_rows())
    sync()
    before = state()

    again = sync(overlap=timedelta(hours=2))

    assert (again.created, again.updated, again.closed) == (0, 0, 0)
    assert (again.read, again.unchanged) == (16, 9)  # every row re-read: all no-ops
    assert state() == before


def test_updates_closures_tombstones_and_deletions_reach_the_platform(cpi_standin):
    cpi_standin.insert(*good_rows(6))
    sync()
    cpi_standin.update("SIL:2026/000001", at(1), title="Sviluppatrice Python senior")
    cpi_standin.update("SIL:2026/000002", at(1), status="CLOSED")
    cpi_standin.update("SIL:2026/000003", at(1), status="WITHDRAWN")
    cpi_standin.delete("SIL:2026/000004", at(1))

    run = sync()

    assert (run.updated, run.closed, run.created) == (4, 3, 0), run.error
    statuses = dict(Vacancy.objects.values_list("source_ref", "status"))
    assert statuses == {
        "SIL:2026/000001": "published",
        "SIL:2026/000002": "closed",
        "SIL:2026/000003": "withdrawn",
        "SIL:2026/000004": "withdrawn",
        "SIL:2026/000005": "published",
        "SIL:2026/000006": "published",
    }
    first = Vacancy.objects.get(source_ref="SIL:2026/000001")
    assert (first.title, first.source_version) == ("Sviluppatrice Python senior", 2)
    assert Vacancy.objects.get(source_ref="SIL:2026/000002").closed_at is not None


def test_a_withdrawn_vacancy_published_again_comes_back(cpi_standin):
    cpi_standin.insert(*good_rows(2))
    sync()
    cpi_standin.update("SIL:2026/000001", at(2), status="WITHDRAWN")
    sync()
    cpi_standin.update("SIL:2026/000001", at(1), status="PUBLISHED")

    run = sync()

    vacancy = Vacancy.objects.get(source_ref="SIL:2026/000001")
    assert (vacancy.status, vacancy.closed_at, run.updated) == ("published", None, 1)


def test_a_value_the_database_refuses_rejects_its_row_and_the_import_goes_on(cpi_standin):
    cpi_standin.insert(
        *[
            row(ref, at(70 - index), **overrides)
            for index, (ref, (overrides, _)) in enumerate(UNSTORABLE_ROWS.items())
        ],
        *good_rows(6),
    )

    run = sync()

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert (run.created, run.rejected) == (6, 9)
    rejections = {rejection.source_ref: rejection for rejection in run.rejections.all()}
    assert {ref: rejection.reason for ref, rejection in rejections.items()} == {
        ref[:120]: reason for ref, (_, reason) in UNSTORABLE_ROWS.items()
    }
    assert [rejections[f"SIL:2026/91000{n}"].message for n in (1, 2, 3)] == [
        "Employer name: longer than 200 characters.",
        "Positions must be at most 32767, not 40000.",
        "Unknown driving-licence categories [1].",
    ]
    assert rejections["SIL:2026/910001"].payload["employer_name"] == "N" * 250
    before = state()

    again = sync(overlap=timedelta(hours=2))

    assert again.status == SyncRun.Status.SUCCEEDED, again.error
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 6, 9)
    assert state() == before


def test_an_unexpected_error_in_one_row_rejects_that_row_only(cpi_standin, monkeypatch):
    cpi_standin.insert(*good_rows(3))

    def failing(raw, sectors):
        if raw.source_ref == "SIL:2026/000002":
            raise RuntimeError("a case no check foresaw")
        return normalise(raw, sectors)

    monkeypatch.setattr(cpi, "normalise", failing)

    run = sync()

    assert (run.status, run.created, run.rejected) == (SyncRun.Status.SUCCEEDED, 2, 1)
    rejection = run.rejections.get()
    assert (rejection.source_ref, rejection.reason, rejection.message) == (
        "SIL:2026/000002",
        "unreadable",
        "Unexpected RuntimeError: a case no check foresaw",
    )
    assert rejection.payload["title"] == "Sviluppatore software (SIL:2026/000002)"


def test_a_time_python_cannot_read_rejects_its_row_and_the_import_goes_on(cpi_standin):
    cpi_standin.insert(
        *good_rows(6),
        row("SIL:2026/920001", at(40), published_at="infinity"),
        row("SIL:2026/920002", at(39), expires_at="10000-01-01"),
        row("SIL:2026/920003", at(38), published_at="4713-01-01 00:00:00+00 BC"),
        row("SIL:2026/920004", at(37)),
    )
    cpi_standin.insert(row("SIL:2026/920005", at(36)))
    cpi_standin.execute(
        "UPDATE export_fair.sil_richiesta SET updated_at = 'infinity' "
        "WHERE source_ref = 'SIL:2026/920004'"
    )
    cpi_standin.execute(
        "UPDATE export_fair.sil_richiesta SET updated_at = '-infinity' "
        "WHERE source_ref = 'SIL:2026/920005'"
    )
    cpi_standin.execute(
        "INSERT INTO export_fair.vacancy_deleted VALUES ('SIL:2026/000002', 'infinity')"
    )

    run = sync()

    assert (run.status, run.created, run.rejected) == (SyncRun.Status.SUCCEEDED, 6, 5), run.error
    rejections = {rejection.source_ref: rejection for rejection in run.rejections.all()}
    assert {ref: (r.reason, r.message) for ref, r in rejections.items()} == {
        "SIL:2026/920001": ("bad_date", "Published: infinity is outside years 1–9999."),
        "SIL:2026/920002": ("bad_date", "Expires on: 10000-01-01 is outside years 1–9999."),
        "SIL:2026/920003": (
            "bad_date",
            "Published: 4713-01-01 00:00:00+00 BC is outside years 1–9999.",
        ),
        "SIL:2026/920004": ("bad_date", "Changed at the source: infinity is outside years 1–9999."),
        "SIL:2026/920005": (
            "bad_date",
            "Changed at the source: -infinity is outside years 1–9999.",
        ),
    }
    assert rejections["SIL:2026/920001"].payload["published_at"] == "infinity"
    assert SyncCursor.objects.get().watermark_ref == "SIL:2026/920003"
    assert Vacancy.objects.get(source_ref="SIL:2026/000002").status == Vacancy.Status.PUBLISHED

    again = sync()

    # Rows whose change time is unreadable are read, and reported, until the CPI fixes them.
    assert (again.status, again.created, again.rejected) == (SyncRun.Status.SUCCEEDED, 0, 5)
    cpi_standin.execute(
        "UPDATE export_fair.sil_richiesta SET updated_at = now(), row_version = 2 "
        "WHERE source_ref = 'SIL:2026/920004'"
    )
    fixed = sync()
    assert (fixed.status, fixed.created) == (SyncRun.Status.SUCCEEDED, 1)


def test_a_page_may_end_at_a_rejected_reference_too_long_to_store_or_missing(cpi_standin):
    cpi_standin.execute("ALTER TABLE export_fair.sil_richiesta ALTER source_ref DROP NOT NULL")
    too_long = "SIL:2026/" + "9" * 130
    cpi_standin.insert(
        *good_rows(3),
        row(too_long, at(30)),  # the last row of the first page of four
        *[row(f"SIL:2026/00010{n}", at(20 - n)) for n in range(1, 4)],
        {**row("", at(10)), "source_ref": None},  # the last of the second
        row("SIL:2026/000104", at(5)),
    )

    run = sync()

    assert (run.status, run.created, run.rejected) == (SyncRun.Status.SUCCEEDED, 7, 2), run.error
    reasons = sorted(run.rejections.values_list("reason", flat=True))
    assert reasons == ["missing_ref", "too_long"]
    again = sync()
    assert (again.status, again.created, again.updated) == (SyncRun.Status.SUCCEEDED, 0, 0)


def test_a_row_without_a_change_time_is_rejected_by_every_run(cpi_standin):
    cpi_standin.execute("ALTER TABLE export_fair.sil_richiesta ALTER updated_at DROP NOT NULL")
    cpi_standin.insert(*good_rows(2), {**row("SIL:2026/930001", at(30)), "updated_at": None})

    for run in (sync(), sync(), sync(full=True)):
        assert run.status == SyncRun.Status.SUCCEEDED, run.error
        rejection = run.rejections.get()
        assert (rejection.source_ref, rejection.reason) == (
            "SIL:2026/930001",
            "missing_change_time",
        )
        assert rejection.message == "No time of the last change at the source."
    assert Vacancy.objects.count() == 2


def test_expiry_before_publication_compares_days_in_italy(cpi_standin):
    # 23:30 UTC on 9 March is 00:30 on 10 March in Rome: a vacancy expiring on the 9th ended
    # before it was published.
    published = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
    cpi_standin.insert(
        row("SIL:2026/940001", at(5), published_at=published, expires_at=date(2026, 3, 9)),
        row("SIL:2026/940002", at(4), published_at=published, expires_at=date(2026, 3, 10)),
        # A time Python reads in UTC, whose day in Italy is in year 10000.
        row("SIL:2026/940003", at(3), published_at="9999-12-31 23:30:00+00", expires_at=None),
    )

    run = sync()

    reasons = dict(run.rejections.values_list("source_ref", "reason"))
    assert reasons["SIL:2026/940003"] == "bad_publication"
    rejection = run.rejections.get(source_ref="SIL:2026/940001")
    assert (rejection.source_ref, rejection.reason) == (
        "SIL:2026/940001",
        "expiry_before_publication",
    )
    assert rejection.message == "Expires on 2026-03-09 before its publication on 2026-03-10."
    assert run.created == 1


def test_a_run_whose_process_died_is_marked_interrupted_by_the_next_one(cpi_standin, settings):
    cpi_standin.insert(*good_rows(8))
    killed = sync()
    stalled_for = timedelta(seconds=settings.VACANCY_SYNC_STALL_SECONDS + 60)
    # What a killed worker leaves: two batches committed, then nothing.
    SyncRun.objects.filter(pk=killed.pk).update(
        status=SyncRun.Status.RUNNING,
        finished_at=None,
        progress_at=killed.progress_at - stalled_for,
    )
    busy = SyncRun.objects.create(source=Vacancy.Source.CLICLAVORO, mode=SyncRun.Mode.FILE)

    next_run = sync()

    assert next_run.status == SyncRun.Status.SUCCEEDED
    killed.refresh_from_db()
    assert (killed.status, killed.finished_at) == (SyncRun.Status.INTERRUPTED, killed.progress_at)
    assert (killed.read, killed.created) == (8, 8)  # what it committed stays in its history
    busy.refresh_from_db()
    assert busy.status == SyncRun.Status.RUNNING  # progress within the stall time: still alive
    assert AuditEntry.objects.filter(action="employers.vacancy_sync.succeeded").count() == 2


def test_a_row_changed_without_a_new_version_is_refused(cpi_standin):
    cpi_standin.insert(row("SIL:2026/000001", at(10), title="Prima"))
    sync()
    cpi_standin.execute(
        "UPDATE export_fair.sil_richiesta SET title = 'Seconda', updated_at = now()"
    )

    run = sync()

    assert (run.updated, run.rejected) == (0, 1)
    assert run.rejections.get().reason == "duplicate_ref"
    assert Vacancy.objects.get().title == "Prima"


def test_a_row_older_than_the_stored_version_changes_nothing(cpi_standin):
    cpi_standin.insert(row("SIL:2026/000001", at(10), row_version=5, title="Versione 5"))
    sync()
    cpi_standin.execute(
        "UPDATE export_fair.sil_richiesta SET row_version = 4, title = 'Versione 4', "
        "updated_at = now()"
    )

    run = sync()

    assert run.unchanged == 1
    assert Vacancy.objects.get().title == "Versione 5"


def test_duplicate_references_in_the_view_keep_the_newest_version(cpi_standin):
    cpi_standin.insert(
        row("SIL:2026/000001", at(10), row_version=1, title="Vecchia"),
        row("SIL:2026/000001", at(10), row_version=2, title="Nuova"),
    )

    run = sync()

    assert (run.created, run.rejected) == (1, 1)
    assert run.rejections.get().reason == "duplicate_ref"
    assert Vacancy.objects.get().title == "Nuova"


def test_a_page_boundary_between_two_versions_of_one_row_keeps_the_newest(cpi_standin):
    same_time = at(10)
    cpi_standin.insert(
        *good_rows(3, start_minutes_ago=20),
        row("SIL:2026/000009", same_time, row_version=1, title="Vecchia"),
        row("SIL:2026/000009", same_time, row_version=2, title="Nuova"),
    )

    run = sync(batch_size=4)  # the two versions are the 4th and 5th rows read

    assert run.status == SyncRun.Status.SUCCEEDED
    assert Vacancy.objects.get(source_ref="SIL:2026/000009").title == "Nuova"


def test_a_row_committed_late_is_read_within_the_overlap_window(cpi_standin):
    cpi_standin.insert(*good_rows(3, start_minutes_ago=5))
    sync()
    # Committed now by a long transaction that started 8 minutes ago: behind the watermark.
    cpi_standin.insert(row("SIL:2026/000100", at(8)))

    run = sync()

    assert run.created == 1
    assert Vacancy.objects.filter(source_ref="SIL:2026/000100").exists()


def test_a_row_later_than_the_overlap_waits_for_the_full_reconciliation(cpi_standin):
    cpi_standin.insert(*good_rows(3, start_minutes_ago=5))
    sync()
    cpi_standin.insert(row("SIL:2026/000100", at(120)))
    assert sync().created == 0

    run = sync(full=True)

    assert (run.mode, run.created, run.unchanged) == (SyncRun.Mode.FULL, 1, 3)


def test_a_vacancy_made_again_after_its_deletion_stays_published(cpi_standin):
    cpi_standin.insert(*good_rows(2))
    sync()
    cpi_standin.delete("SIL:2026/000001", at(5))
    assert sync().closed == 1
    cpi_standin.insert(row("SIL:2026/000001", at(1), row_version=2))

    # The deletion is read again within each overlap, and by every full run.
    for run in (sync(), sync(), sync(full=True)):
        assert run.status == SyncRun.Status.SUCCEEDED, run.error
        assert Vacancy.objects.get(source_ref="SIL:2026/000001").status == "published"


def test_references_are_matched_without_the_spaces_around_them(cpi_standin):
    spaced = " SIL:2026/000001 "
    cpi_standin.insert(row(spaced, at(10)), row("SIL:2026/000002 ", at(9)))
    sync()
    assert sorted(Vacancy.objects.values_list("source_ref", flat=True)) == [
        "SIL:2026/000001",
        "SIL:2026/000002",
    ]

    assert sync(full=True).closed == 0
    cpi_standin.update(spaced, at(2), status="WITHDRAWN")
    cpi_standin.delete("SIL:2026/000002 ", at(1))
    run = sync()

    assert run.closed == 2
    assert set(Vacancy.objects.values_list("status", flat=True)) == {"withdrawn"}


def test_full_reconciliation_withdraws_vacancies_deleted_without_a_trace(cpi_standin):
    cpi_standin.insert(*good_rows(4))
    sync()
    cpi_standin.delete("SIL:2026/000002", at(1), record=False)
    assert sync().closed == 0

    run = sync(full=True)

    assert run.closed == 1
    assert Vacancy.objects.get(source_ref="SIL:2026/000002").status == "withdrawn"
    assert Vacancy.objects.filter(status="published").count() == 3


def test_expiry_is_local(cpi_standin):
    cpi_standin.insert(*good_rows(2))
    sync()
    Vacancy.objects.filter(source_ref="SIL:2026/000001").update(expires_on=today_plus(-1))

    run = sync()

    assert run.expired == 1
    assert Vacancy.objects.get(source_ref="SIL:2026/000001").status == "expired"
    assert sync().updated == 0  # the source still says PUBLISHED with the same content


def test_imported_vacancies_join_the_employer_with_that_tax_code(cpi_standin):
    employer = factories.employer()
    cpi_standin.insert(row("SIL:2026/000001", at(5), employer_tax_code=employer.vat_number))
    cpi_standin.insert(row("SIL:2026/000002", at(4)))

    sync()

    assert list(employer.vacancies.values_list("source_ref", flat=True)) == ["SIL:2026/000001"]
    assert Vacancy.objects.get(source_ref="SIL:2026/000002").employer is None


def test_an_employer_created_after_the_import_gets_its_vacancies(cpi_standin, organiser):
    vat_number, fiscal_code = factories.vat_number(), "RSSMRA85T10A562S"
    cpi_standin.insert(
        row("SIL:2026/000001", at(10), employer_tax_code=vat_number),
        row("SIL:2026/000002", at(9), employer_tax_code=fiscal_code.lower()),
        row("SIL:2026/000003", at(8), employer_tax_code=factories.vat_number()),
        row("SIL:2026/000004", at(7), employer_tax_code=None),
    )
    sync()

    employer = employer_create(
        actor=organiser,
        legal_name="Partenope Digitale S.r.l.",
        vat_number=vat_number,
        fiscal_code=fiscal_code,
        sector=factories.sector(),
    )

    linked = dict(Vacancy.objects.values_list("source_ref", "employer_id"))
    assert linked == {
        "SIL:2026/000001": employer.pk,
        "SIL:2026/000002": employer.pk,
        "SIL:2026/000003": None,
        "SIL:2026/000004": None,
    }
    audit = AuditEntry.objects.get(action="employers.employer.created")
    assert audit.data == {"vacancies_linked": 2}
    assert sync(overlap=timedelta(hours=1)).unchanged == 4


def test_a_replayed_vacancy_joins_an_employer_that_has_an_account_by_now(cpi_standin):
    vat_number = factories.vat_number()
    cpi_standin.insert(
        row("SIL:2026/000001", at(10), employer_tax_code=vat_number),
        row("SIL:2026/000002", at(9), employer_tax_code=None),
    )
    sync()
    stored = Vacancy.objects.get(source_ref="SIL:2026/000001")
    # Made without employer_create, as before it linked vacancies or while a batch was read.
    employer = Employer.objects.create(
        organisation=factories.organisation(Organisation.Kind.EMPLOYER),
        legal_name="Partenope Digitale S.r.l.",
        vat_number=vat_number,
        sector=factories.sector(),
    )

    run = sync(overlap=timedelta(hours=1))

    assert (run.updated, run.unchanged) == (1, 1)
    vacancy = Vacancy.objects.get(source_ref="SIL:2026/000001")
    assert (vacancy.employer_id, vacancy.content_hash) == (employer.pk, stored.content_hash)
    assert Vacancy.objects.get(source_ref="SIL:2026/000002").employer_id is None
    again = sync(overlap=timedelta(hours=1))
    assert (again.updated, again.unchanged) == (0, 2)


def test_a_dry_run_writes_nothing(cpi_standin):
    cpi_standin.insert(*good_rows(5), *bad_rows())

    run = sync(dry_run=True)

    assert (run.created, run.rejected) == (5, 7)
    assert {rejection.source_ref: rejection.reason for rejection in run.rejections.all()} == {
        ref: reason for ref, (_, reason) in BAD_ROWS.items()
    }
    assert not Vacancy.objects.exists()
    assert not SyncRun.objects.exists()
    assert SyncCursor.objects.get_or_create(source="cpi")[0].watermark_at is None


class Crash(Exception):
    pass


def crash_after(batches, monkeypatch, action):
    """Make the connector's change stream fail after `batches` batches have been handed out."""
    original = CpiConnector.changes

    def changes(self, start):
        for number, batch in enumerate(original(self, start), start=1):
            yield batch
            if number == batches:
                action()

    monkeypatch.setattr(CpiConnector, "changes", changes)


def realistic_history(cpi_standin):
    cpi_standin.insert(*good_rows(30), *bad_rows())
    cpi_standin.update("SIL:2026/000003", at(20), title="Aggiornata")
    cpi_standin.update("SIL:2026/000007", at(19), status="WITHDRAWN")
    cpi_standin.update("SIL:2026/000009", at(18), status="CLOSED")


@pytest.mark.parametrize("failure", ["exception", "connection killed"])
def test_a_crash_mid_sync_then_a_rerun_ends_as_one_clean_run(cpi_standin, monkeypatch, failure):
    realistic_history(cpi_standin)
    clean = sync()
    assert clean.status == SyncRun.Status.SUCCEEDED
    expected = state()
    Vacancy.objects.all().delete()
    SyncCursor.objects.all().delete()

    def fail():
        if failure == "exception":
            raise Crash("injected after three batches")
        assert cpi_standin.terminate_readers() >= 1

    with monkeypatch.context() as patch:
        crash_after(3, patch, fail)
        crashed = sync()
    assert crashed.status == SyncRun.Status.FAILED
    assert crashed.created == 12  # three committed batches of four
    assert 0 < Vacancy.objects.count() < len(expected)
    cursor = SyncCursor.objects.get()
    assert cursor.watermark_at == crashed.watermark_to

    rerun = sync()

    assert rerun.status == SyncRun.Status.SUCCEEDED, rerun.error
    assert state() == expected
    assert crashed.created + rerun.created == clean.created


def test_a_batch_that_fails_while_writing_leaves_nothing_of_itself(cpi_standin, monkeypatch):
    cpi_standin.insert(*good_rows(12))
    original, calls = vacancy_sync._write, []

    def write(created, updated):
        calls.append(len(created))
        original(created, updated)
        if len(calls) == 2:
            raise Crash("disk full")

    monkeypatch.setattr(vacancy_sync, "_write", write)
    run = sync()

    assert (run.status, run.read, run.created) == (SyncRun.Status.FAILED, 4, 4)
    assert Vacancy.objects.count() == 4
    assert run.watermark_to == SyncCursor.objects.get().watermark_at
    assert run.error == "Crash: disk full"


def test_an_unreachable_cpi_database_fails_the_run_with_a_clear_error(cpi_standin):
    use_cpi_database("postgresql://nobody@127.0.0.1:9/nowhere", connect_timeout=2)

    run = sync()

    assert run.status == SyncRun.Status.FAILED
    assert run.error.startswith("OperationalError")
    assert "127.0.0.1" in run.error
    assert run.finished_at is not None
    assert not Vacancy.objects.exists()
    assert SyncCursor.objects.get().watermark_at is None


def test_without_cpi_database_url_there_is_no_connector(monkeypatch):
    monkeypatch.delitem(settings.DATABASES, CPI_ALIAS)
    with pytest.raises(CpiNotConfigured):
        CpiConnector()
    with pytest.raises(CommandError, match="CPI_DATABASE_URL"):
        call_command("sync_vacancies", "--source", "cpi")


def test_the_command_syncs_and_reports(cpi_standin, capsys):
    cpi_standin.insert(*good_rows(3), *bad_rows())

    call_command("sync_vacancies", "--source", "cpi", "--dry-run")
    out = capsys.readouterr().out
    assert "Dry run: cpi incremental succeeded: read 10, created 3" in out
    assert "  rejected SIL:2026/900002 (missing_title): No title.\n" in out
    for ref, (_, reason) in BAD_ROWS.items():
        assert f"  rejected {ref} ({reason}): " in out
    assert not Vacancy.objects.exists()

    call_command("sync_vacancies", "--source", "cpi", "--full")
    out = capsys.readouterr().out
    assert "cpi full succeeded: read 10, created 3" in out
    assert "rejected 7" in out
    assert Vacancy.objects.count() == 3


def test_the_cpi_database_refuses_writes_and_migrations(cpi_standin):
    cpi_standin.insert(*good_rows(1))
    sync()
    vacancy = Vacancy.objects.get()

    assert router.allow_migrate(CPI_ALIAS, "employers") is False
    assert router.allow_migrate("default", "employers") is True
    with pytest.raises(ReadOnlyDatabaseError):
        Vacancy.objects.using(CPI_ALIAS).filter(pk=vacancy.pk).update(title="x")
    with pytest.raises(ReadOnlyDatabaseError), connections[CPI_ALIAS].cursor() as cursor:
        cursor.execute("DELETE FROM export_fair.sil_richiesta")
    vacancy._state.db = CPI_ALIAS
    with pytest.raises(ReadOnlyDatabaseError):
        vacancy.save()
    # Past the Django guard, the session itself is read-only.
    with connections[CPI_ALIAS].cursor() as cursor:
        cursor.execute("SHOW default_transaction_read_only")
        assert cursor.fetchone() == ("on",)
    with pytest.raises(ReadOnlyDatabaseError, match="django_migrations"):
        call_command("migrate", database=CPI_ALIAS, verbosity=0)
    with connections[CPI_ALIAS].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert cursor.fetchone() == (0,)
    assert list(CpiConnector().active_refs()) == ["SIL:2026/000001"]  # still readable


def test_incremental_runs_start_from_the_watermark_minus_the_overlap(cpi_standin):
    cpi_standin.insert(*good_rows(3, start_minutes_ago=30))
    first = sync()

    second = sync(overlap=timedelta(minutes=10))
    third = sync(overlap=timedelta(0))

    assert first.watermark_from is None
    assert second.watermark_from == first.watermark_to - timedelta(minutes=10)
    assert (second.read, second.unchanged) == (3, 3)
    assert (third.watermark_from, third.read) == (first.watermark_to, 0)


def test_a_source_that_suddenly_lists_nothing_closes_nothing(cpi_standin):
    cpi_standin.insert(*good_rows(3))
    sync()
    cpi_standin.execute("DELETE FROM export_fair.sil_richiesta")  # a reload half-way

    run = sync(full=True)

    assert run.status == SyncRun.Status.FAILED
    assert "lists no vacancy" in run.error
    assert Vacancy.objects.filter(status="published").count() == 3


def test_a_record_without_a_tax_code_belongs_to_no_employer(cpi_standin):
    employer = factories.employer()  # a VAT number and a blank fiscal code
    cpi_standin.insert(
        row("SIL:2026/000001", at(10), employer_tax_code=employer.vat_number),
        row("SIL:2026/000002", at(9), employer_tax_code=None),
    )

    sync()

    assert Vacancy.objects.get(source_ref="SIL:2026/000001").employer_id == employer.pk
    assert Vacancy.objects.get(source_ref="SIL:2026/000002").employer_id is None
