"""ClicLavoro and HR-Open files: golden files of what the import makes of the sample files."""

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring
from django.core.management import CommandError, call_command
from django.utils import translation

from employers.connectors import files
from employers.connectors.files import XmlFileConnector, cliclavoro_vacancy
from employers.models import SyncRejection, SyncRun, Vacancy
from employers.tasks import vacancies_import_dropped
from employers.vacancy_records import SectorIndex, VacancyRecord, normalise
from employers.vacancy_sync import vacancies_sync
from tests import factories
from tests.vacancies.xml_samples import cliclavoro, hr_open

pytestmark = pytest.mark.django_db(transaction=True)

GOLDEN = Path(__file__).parent / "golden"
# UPDATE_GOLDEN=1 rewrites the expected files from the current output (then read the diff).
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
FIELDS = [
    "source", "source_ref", "source_version", "status", "title", "description", "positions",
    "employer_name", "employer_tax_code", "employer_visible", "place", "comune_belfiore",
    "nuts3", "sector_ateco", "sector_nace", "occupation_cp2011", "occupation_isco",
    "occupation_esco_uri", "contract_type", "working_time", "education_eqf", "languages",
    "licences", "skills", "published_at", "expires_on", "cpi_code", "external_ids", "code_versions",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _sectors() -> None:
    factories.sector()


def imported(source: str, content: str) -> SyncRun:
    return vacancies_sync(connector=XmlFileConnector(source=source, content=content.encode()))


def snapshot(source: str) -> list[dict[str, Any]]:
    rows = []
    for vacancy in Vacancy.objects.filter(source=source).select_related("sector"):
        row = {name: getattr(vacancy, name) for name in FIELDS}
        row["sector"] = f"{vacancy.sector.classification} {vacancy.sector.code}"
        rows.append(json.loads(json.dumps(row, default=str)))
    return sorted(rows, key=lambda row: row["source_ref"])


def assert_golden(name: str, actual: Any) -> None:
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        path.write_text(json.dumps(actual, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    assert actual == json.loads(path.read_text())


def test_a_cliclavoro_file(tmp_path):
    wrapper = f"<Vacancies>{cliclavoro(number=1375)}{cliclavoro(number=1376, settore='04.11.00')}</Vacancies>"

    run = imported(Vacancy.Source.CLICLAVORO, wrapper)

    assert (run.mode, run.status, run.created, run.rejected) == ("file", "succeeded", 1, 1)
    assert run.rejections.get().reason == "unknown_ateco"
    assert_golden("cliclavoro", snapshot(Vacancy.Source.CLICLAVORO))


def test_an_hr_open_position_opening_file():
    run = imported(Vacancy.Source.EURES, hr_open(ref="f3b1c2d4-0001"))

    assert (run.created, run.rejected) == (1, 0), [r.message for r in run.rejections.all()]
    assert_golden("hr_open", snapshot(Vacancy.Source.EURES))


def test_the_same_file_twice_imports_nothing_twice():
    imported(Vacancy.Source.EURES, hr_open(ref="f3b1c2d4-0001"))

    again = imported(Vacancy.Source.EURES, hr_open(ref="f3b1c2d4-0001"))

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Vacancy.objects.count() == 1


def test_a_closed_position_in_a_newer_file_closes_the_vacancy():
    imported(Vacancy.Source.EURES, hr_open(ref="f3b1c2d4-0001"))
    closed = hr_open(ref="f3b1c2d4-0001", status="Closed").replace(
        'validFrom="2026-03-02"', 'validFrom="2026-03-09"'
    )

    run = imported(Vacancy.Source.EURES, closed)

    assert (run.updated, run.closed) == (1, 1)
    assert Vacancy.objects.get().status == Vacancy.Status.CLOSED


def test_an_older_file_changes_nothing():
    imported(Vacancy.Source.EURES, hr_open(ref="f3b1c2d4-0001"))
    older = hr_open(ref="f3b1c2d4-0001", title="Old title").replace(
        'validFrom="2026-03-02"', 'validFrom="2026-02-20"'
    )

    run = imported(Vacancy.Source.EURES, older)

    assert (run.updated, run.unchanged) == (0, 1)
    assert Vacancy.objects.get().title == "Bus driver"


@pytest.mark.parametrize(
    ("first", "resent", "expected"),
    [
        (
            hr_open(ref="f3b1c2d4-0001"),
            hr_open(ref="f3b1c2d4-0001", title="Night bus driver"),
            ("Night bus driver", Vacancy.Status.PUBLISHED),
        ),
        (
            hr_open(ref="f3b1c2d4-0001"),
            hr_open(ref="f3b1c2d4-0001", status="Closed"),
            ("Bus driver", Vacancy.Status.CLOSED),
        ),
        (
            cliclavoro(number=7),
            cliclavoro(number=7, title="Sviluppatrice Python"),
            ("Sviluppatrice Python", Vacancy.Status.PUBLISHED),
        ),
        (
            cliclavoro(number=7),
            cliclavoro(number=7, closed_because="02"),
            ("Sviluppatore Python", Vacancy.Status.CLOSED),
        ),
    ],
    ids=["hr-open-title", "hr-open-closed", "cliclavoro-title", "cliclavoro-closed"],
)
def test_a_file_sent_again_with_the_same_publication_time_applies(first, resent, expected):
    """A file's version is its publication time, which an update or a closure need not move."""
    source = Vacancy.Source.EURES if "PositionOpening" in first else Vacancy.Source.CLICLAVORO
    imported(source, first)

    run = imported(source, resent)

    assert (run.updated, run.rejected) == (1, 0), [r.message for r in run.rejections.all()]
    vacancy = Vacancy.objects.get()
    assert (vacancy.title, vacancy.status) == expected
    assert run.closed == (expected[1] == Vacancy.Status.CLOSED)


def test_one_reference_twice_in_one_file_with_the_same_version_is_a_duplicate():
    content = f"<V>{cliclavoro(number=8)}{cliclavoro(number=8, title='Altro titolo')}</V>"

    run = imported(Vacancy.Source.CLICLAVORO, content)

    assert (run.created, run.rejected) == (1, 1)
    assert run.rejections.get().reason == "duplicate_ref"
    assert Vacancy.objects.get().title == "Sviluppatore Python"


def test_a_value_the_database_refuses_rejects_its_document_and_the_file_goes_on():
    content = "<V>{}{}{}</V>".format(
        cliclavoro(number=20),
        cliclavoro(number=21).replace("Partenope Digitale S.r.l.", "N" * 250),
        cliclavoro(number=22).replace(
            "<numerolavoratori>2</numerolavoratori>", "<numerolavoratori>40000</numerolavoratori>"
        ),
    )

    run = imported(Vacancy.Source.CLICLAVORO, content)

    assert (run.status, run.created, run.rejected) == (SyncRun.Status.SUCCEEDED, 1, 2)
    rejections = {rejection.source_ref: rejection for rejection in run.rejections.all()}
    assert {ref: (r.reason, r.message) for ref, r in rejections.items()} == {
        "2026/21": ("too_long", "Employer name: longer than 200 characters."),
        "2026/22": ("too_many_positions", "Positions must be at most 32767, not 40000."),
    }
    with translation.override("it"):  # the field by its name in the reader's language
        assert rejections["2026/21"].message == "Nome dell'azienda: più di 200 caratteri."
    payload = rejections["2026/21"].payload
    assert payload is not None
    assert "N" * 250 in payload["xml"]

    again = imported(Vacancy.Source.CLICLAVORO, content)

    assert (again.status, again.created, again.updated, again.unchanged, again.rejected) == (
        SyncRun.Status.SUCCEEDED, 0, 0, 1, 2,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("original", "refused", "reason", "message"),
    [
        (
            "Bergen</oa:CityName>",
            "B" * 121 + "</oa:CityName>",
            "too_long",
            "Place of work: longer than 120 characters.",
        ),
        (
            'validFrom="2026-03-02"',
            'validFrom="9999-12-31T23:30:00-01:00"',
            "bad_publication",
            "Published at 9999-12-31 23:30:00-01:00, outside years 1–9999 in UTC.",
        ),
    ],
    ids=["place", "publication"],
)
def test_a_position_the_database_would_refuse_is_rejected(original, refused, reason, message):
    position = hr_open(ref="f3b1c2d4-0011").replace(original, refused)
    content = f"<V>{position}{hr_open(ref='f3b1c2d4-0012')}</V>"

    run = imported(Vacancy.Source.EURES, content)

    assert (run.status, run.created, run.rejected) == (SyncRun.Status.SUCCEEDED, 1, 1)
    rejection = run.rejections.get()
    assert (rejection.source_ref, rejection.reason, rejection.message) == (
        "f3b1c2d4-0011",
        reason,
        message,
    )
    again = imported(Vacancy.Source.EURES, content)
    assert (again.status, again.unchanged, again.rejected) == (SyncRun.Status.SUCCEEDED, 1, 1)


@pytest.mark.parametrize(("stage", "ref"), [("parse", ""), ("normalise", "2026/31")])
def test_an_unexpected_error_in_one_document_rejects_that_document_only(monkeypatch, stage, ref):
    parse = files.cliclavoro_vacancy

    def fail_on_31(raw):
        if raw.source_ref == "2026/31":
            raise RuntimeError("a case no check foresaw")
        return raw

    if stage == "parse":
        monkeypatch.setattr(files, "cliclavoro_vacancy", lambda doc: fail_on_31(parse(doc)))
    else:
        monkeypatch.setattr(files, "normalise", lambda raw, idx: normalise(fail_on_31(raw), idx))

    run = imported(
        Vacancy.Source.CLICLAVORO, f"<V>{cliclavoro(number=30)}{cliclavoro(number=31)}</V>"
    )

    assert (run.status, run.created, run.rejected) == (SyncRun.Status.SUCCEEDED, 1, 1)
    rejection = run.rejections.get()
    assert (rejection.source_ref, rejection.reason, rejection.message) == (
        ref,
        "unreadable",
        "Unexpected RuntimeError: a case no check foresaw",
    )
    assert rejection.payload is not None
    assert "2026/31" in rejection.payload["xml"]


def test_rectifications_without_the_intermediary_key_update_the_first_of_their_chain():
    first = cliclavoro(number=10, intermediary_key=False)
    second = cliclavoro(
        number=11, intermediary_key=False, previous=10, title="Sviluppatrice Python",
        published="2026-03-05T09:30:00+01:00",
    )  # fmt: skip
    imported(Vacancy.Source.CLICLAVORO, first)
    imported(Vacancy.Source.CLICLAVORO, second)
    third = cliclavoro(
        number=12, intermediary_key=False, previous=11, title="Sviluppatore/trice Python",
        published="2026-03-09T09:30:00+01:00",
    )  # fmt: skip
    fourth = cliclavoro(
        number=13, intermediary_key=False, previous=12, title="Team lead Python",
        published="2026-03-10T09:30:00+01:00",
    )  # fmt: skip

    run = imported(Vacancy.Source.CLICLAVORO, f"<V>{third}{fourth}</V>")

    vacancy = Vacancy.objects.get()
    assert vacancy.source_ref == "0000000000000000000000N10"
    assert (vacancy.title, run.updated, run.rejected) == ("Team lead Python", 1, 1)
    assert run.rejections.get().reason == "duplicate_ref"  # the older of two in one file
    fifth = cliclavoro(
        number=14, intermediary_key=False, previous=13, title="Head of Python",
        published="2026-03-11T09:30:00+01:00",
    )  # fmt: skip
    assert imported(Vacancy.Source.CLICLAVORO, fifth).updated == 1
    # Files sent again, the newest and older ones, however far back, find the same vacancy.
    for again in (fifth, fourth, third, second, first):
        run = imported(Vacancy.Source.CLICLAVORO, again)
        assert (run.created, run.updated, run.unchanged) == (0, 0, 1)
    vacancy = Vacancy.objects.get()
    assert vacancy.title == "Head of Python"
    assert vacancy.external_ids["clic_codiciprecedenti"].split() == [
        f"0000000000000000000000N{n}" for n in (10, 11, 12, 13)
    ]


def billion_laughs() -> str:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    return f'<?xml version="1.0"?><!DOCTYPE Vacancy [{entities}]><Vacancy>&lol9;</Vacancy>'


UNSAFE = "This file contains XML we do not accept for safety"
NOT_XML = "This file is not well-formed XML and cannot be read."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (billion_laughs(), UNSAFE),
        ('<!DOCTYPE v [<!ENTITY x SYSTEM "file:///etc/passwd">]><Vacancy>&x;</Vacancy>', UNSAFE),
        ("<Vacancies>" + "<a>" * 100 + "</a>" * 100 + "</Vacancies>", UNSAFE),
        ("<Vacancies>" + "<a/>" * 1_000_001 + "</Vacancies>", UNSAFE),
        ("%PDF-1.7 not a vacancy file", NOT_XML),
        (cliclavoro(number=1)[:-40], NOT_XML),
        ("", NOT_XML),
        (hr_open(ref="f3b1c2d4-0001"), "This file has no Vacancy element"),
    ],
    ids=[
        "billion-laughs", "external-entity", "deep-nesting", "too-many-elements", "not-xml",
        "truncated", "empty", "wrong-format",
    ],
)  # fmt: skip
def test_a_hostile_or_broken_file_fails_its_run_with_a_clear_reason_and_writes_nothing(
    content, message
):
    good = cliclavoro(number=2)
    run = imported(
        Vacancy.Source.CLICLAVORO, content.replace("</Vacancies>", good + "</Vacancies>")
    )

    assert run.status == SyncRun.Status.FAILED
    assert run.error.startswith(message), run.error
    assert (run.read, run.created) == (0, 0)
    assert not Vacancy.objects.exists()
    assert not SyncRejection.objects.exists()


def test_a_file_over_the_size_limit_is_not_parsed(settings):
    settings.VACANCY_FILE_MAX_BYTES = 1024 * 1024
    run = imported(Vacancy.Source.CLICLAVORO, cliclavoro(number=1) + " " * 1024 * 1024)

    assert run.status == SyncRun.Status.FAILED
    assert run.error == "The file is larger than 1 MB: split it into smaller files."
    assert not Vacancy.objects.exists()


def test_the_command_imports_a_file(tmp_path, capsys):
    path = tmp_path / "eures.xml"
    path.write_text(hr_open(ref="f3b1c2d4-0002", nace="99.99"))

    call_command("sync_vacancies", "--source", "eures", "--file", str(path))

    assert "eures file succeeded: read 1, created 1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="cannot be --full"):
        call_command("sync_vacancies", "--source", "eures", "--file", str(path), "--full")


def test_files_dropped_in_the_watched_folder_are_imported_once(tmp_path, settings):
    settings.VACANCY_DROP_DIR = str(tmp_path)
    (tmp_path / "eures").mkdir()
    (tmp_path / "eures" / "nav.xml").write_text(hr_open(ref="f3b1c2d4-0003"))
    (tmp_path / "eures" / "broken.xml").write_text("<PositionOpening>")

    # Just written, so maybe still being copied in: they wait for a later pass.
    assert vacancies_import_dropped() == []
    assert len(list((tmp_path / "eures").iterdir())) == 2
    settled = time.time() - settings.VACANCY_DROP_SETTLE_SECONDS - 1
    for path in (tmp_path / "eures").iterdir():
        os.utime(path, (settled, settled))

    runs = vacancies_import_dropped()

    assert len(runs) == 2
    assert Vacancy.objects.get().source_ref == "f3b1c2d4-0003"
    assert not list((tmp_path / "eures").iterdir())
    assert [p.name.endswith("-nav.xml") for p in (tmp_path / "done").iterdir()] == [True]
    assert [p.name.endswith("-broken.xml") for p in (tmp_path / "failed").iterdir()] == [True]
    failed = SyncRun.objects.get(status=SyncRun.Status.FAILED)
    assert failed.error.startswith("This file is not well-formed XML")
    assert vacancies_import_dropped() == []


def test_skills_entered_on_the_platform_stay_until_the_source_lists_its_own():
    imported(Vacancy.Source.CLICLAVORO, cliclavoro(number=5))
    vacancy = Vacancy.objects.get()
    hand_made = [{"uri": "http://data.europa.eu/esco/skill/example-python", "label": "Python"}]
    Vacancy.objects.filter(pk=vacancy.pk).update(skills=hand_made)

    newer = cliclavoro(
        number=5, title="Sviluppatrice Python", published="2026-03-09T09:30:00+01:00"
    )
    assert imported(Vacancy.Source.CLICLAVORO, newer).updated == 1
    vacancy.refresh_from_db()
    assert (vacancy.title, vacancy.skills) == ("Sviluppatrice Python", hand_made)

    imported(Vacancy.Source.EURES, hr_open(ref="f3b1c2d4-0009"))
    position = Vacancy.objects.get(source=Vacancy.Source.EURES)
    Vacancy.objects.filter(pk=position.pk).update(skills=hand_made)
    newer_position = hr_open(ref="f3b1c2d4-0009").replace(
        'validFrom="2026-03-02"', 'validFrom="2026-03-09"'
    )
    assert imported(Vacancy.Source.EURES, newer_position).updated == 1
    position.refresh_from_db()
    assert [skill["label"] for skill in position.skills] == ["drive a bus in city traffic", ""]


def test_a_record_without_skills_hashes_as_before_vacancies_had_skills():
    """The hash covers the record's fields: without a "skills" key there, vacancies stored
    before skills existed still match their replays (same version, same hash: unchanged)."""
    raw = cliclavoro_vacancy(fromstring(cliclavoro(number=6)))

    record = normalise(raw, SectorIndex())

    assert isinstance(record, VacancyRecord)
    assert "skills" not in record.fields


def test_a_skill_that_is_not_an_esco_uri_rejects_its_record():
    position = hr_open(ref="f3b1c2d4-0010").replace(
        "http://data.europa.eu/esco/skill/example-drive-a-bus", "Guida autobus"
    )

    run = imported(Vacancy.Source.EURES, position)

    assert (run.created, run.rejected) == (0, 1)
    assert run.rejections.get().reason == "bad_skill"
