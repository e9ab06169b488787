"""The comuni table (ISTAT's list, `manage.py load_comuni`) and what it gives imported vacancies:
a place and a NUTS 3 region from their ISTAT or cadastral code, so fairs propose them, the match
score counts their place and candidates find them by town."""

from datetime import timedelta

import pytest
from defusedxml.ElementTree import fromstring
from django.core.management import CommandError, call_command

from candidates.match_selectors import fair_vacancies_for
from employers.comuni import comuni_load
from employers.connectors.cpi import CpiConnector
from employers.connectors.files import XmlFileConnector, cliclavoro_vacancy
from employers.models import Comune, SyncRun, Vacancy
from employers.vacancy_records import Rejection, SectorIndex, VacancyRecord, normalise
from employers.vacancy_sync import vacancies_sync
from rooms.models import Fair
from rooms.proposals import fair_matching_vacancies
from tests import factories
from tests.vacancies.conftest import CPI_DB
from tests.vacancies.cpi_standin import at, row
from tests.vacancies.istat_samples import BAD_LINE, COMUNI, istat_text, write_istat_file
from tests.vacancies.xml_samples import cliclavoro


def load(content: str | None = None) -> None:
    comuni_load((content or istat_text()).encode("cp1252"))


# --- loading ISTAT's file -----------------------------------------------------------------------


@pytest.mark.django_db
def test_load_comuni_reads_istats_file_and_reports_its_bad_line(tmp_path, capsys):
    path = write_istat_file(tmp_path)

    call_command("load_comuni", str(path))

    out, err = capsys.readouterr()
    assert f"Comuni: {len(COMUNI)} created, 0 updated, 0 unchanged" in out
    assert "1 lines with errors" in out
    assert f"Line {BAD_LINE}: Malformed cadastral code 'M27'." in err
    napoli = Comune.objects.get(istat_code="063049")
    assert (napoli.belfiore_code, napoli.name, napoli.nuts3) == ("F839", "Napoli", "ITF33")
    assert (napoli.province_abbreviation, napoli.province_name) == ("NA", "Napoli")
    assert (napoli.province_code, napoli.region_code, napoli.region_name) == (
        "263",
        "15",
        "Campania",
    )
    bolzano = Comune.objects.get(belfiore_code="A952")
    assert (bolzano.name, bolzano.name_other, bolzano.full_name) == (
        "Bolzano",
        "Bozen",
        "Bolzano/Bozen",
    )
    assert bolzano.region_name == "Trentino-Alto Adige/Südtirol"  # Windows-1252 read right
    assert Comune.objects.get(istat_code="007020").name == "Châtillon"
    assert not Comune.objects.filter(istat_code="063090").exists()


@pytest.mark.django_db
def test_loading_again_changes_nothing_then_updates_and_retires_by_istat_code(tmp_path, capsys):
    path = write_istat_file(tmp_path)
    call_command("load_comuni", str(path))
    capsys.readouterr()

    call_command("load_comuni", str(path))
    assert f"0 created, 0 updated, {len(COMUNI)} unchanged" in capsys.readouterr().out
    assert Comune.objects.count() == len(COMUNI)

    renamed = [c if c[1] != "063060" else (*c[:3], "Pozzuoli Flegrea", *c[4:]) for c in COMUNI]
    without_rho = [c for c in renamed if c[1] != "015182"]
    report = comuni_load(istat_text(without_rho, bad_line=False).encode("cp1252"))

    assert (report.created, report.updated, report.retired, report.errors) == (0, 1, 1, [])
    assert Comune.objects.get(istat_code="063060").name == "Pozzuoli Flegrea"
    rho = Comune.objects.get(istat_code="015182")
    assert rho.current is False  # vacancies naming it keep their place; it is not offered


@pytest.mark.django_db
def test_a_utf8_copy_loads_too_and_a_file_that_is_not_istats_loads_nothing(tmp_path):
    comuni_load(istat_text().encode("utf-8-sig"))
    assert Comune.objects.get(istat_code="108034").name == "Muggiò"

    other = tmp_path / "other.csv"
    other.write_text("codice;nome\n063049;Napoli\n", encoding="cp1252")
    with pytest.raises(CommandError, match="Codice Comune formato alfanumerico"):
        call_command("load_comuni", str(other))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_comuni", str(tmp_path / "missing.csv"))
    assert Comune.objects.count() == len(COMUNI)


# --- normalise ----------------------------------------------------------------------------------


def clic_record(idcomune: str) -> VacancyRecord | Rejection:
    raw = cliclavoro_vacancy(fromstring(cliclavoro(number=7).replace("F839", idcomune)))
    return normalise(raw, SectorIndex())


@pytest.mark.django_db
def test_a_records_comune_code_gives_it_place_and_nuts3_outside_its_hash():
    factories.sector()
    before = clic_record("F839")
    assert isinstance(before, VacancyRecord)
    assert (before.fields["place"], before.fields["nuts3"]) == ("", "")

    load()
    after = clic_record("F839")

    assert isinstance(after, VacancyRecord)
    assert (after.fields["place"], after.fields["nuts3"]) == ("Napoli", "ITF33")
    assert after.fields["code_versions"]["nuts3"] == "NUTS 2021"
    assert after.content_hash == before.content_hash  # replays of stored versions stay no-ops
    bolzano = clic_record("A952")
    assert isinstance(bolzano, VacancyRecord)
    assert (bolzano.fields["place"], bolzano.fields["nuts3"]) == ("Bolzano/Bozen", "ITH10")


@pytest.mark.django_db
def test_an_unknown_comune_rejects_a_record_only_once_the_table_is_loaded():
    factories.sector()
    assert isinstance(clic_record("Z999"), VacancyRecord)  # no table: as before

    load()
    rejected = clic_record("Z999")

    assert isinstance(rejected, Rejection)
    assert rejected.reason == "unknown_comune"
    assert "'Z999'" in rejected.message


@pytest.mark.django_db
def test_an_istat_code_and_a_cadastral_code_naming_two_comuni_reject_the_record():
    factories.sector()
    load()
    raw = cliclavoro_vacancy(fromstring(cliclavoro(number=7)))
    raw.comune_istat = "015146"  # Milano, while the cadastral code F839 is Napoli

    rejected = normalise(raw, SectorIndex())

    assert isinstance(rejected, Rejection)
    assert rejected.reason == "comune_mismatch"
    assert rejected.message == (
        "The ISTAT code 015146 names Milano, the cadastral code F839 names Napoli."
    )
    raw.comune_istat = "063049"
    assert isinstance(normalise(raw, SectorIndex()), VacancyRecord)


@pytest.mark.django_db
def test_a_comune_that_moved_province_keeps_its_cadastral_code_under_both_istat_codes():
    factories.sector()
    load()
    # Muggiò was 015150 in Milano's province until Monza e Brianza was made (now 108034).
    moved = Comune.objects.get(istat_code="108034")
    moved.pk, moved.istat_code, moved.nuts3, moved.current = None, "015150", "ITC4C", False
    moved.save()
    raw = cliclavoro_vacancy(fromstring(cliclavoro(number=7).replace("F839", "F797")))
    raw.comune_istat = "015150"

    record = normalise(raw, SectorIndex())

    assert isinstance(record, VacancyRecord)
    # Where it is today: Monza e Brianza's NUTS 3, not Milano's.
    assert (record.fields["place"], record.fields["nuts3"]) == ("Muggiò", "ITC4D")


# --- imports ------------------------------------------------------------------------------------


def campania_fair() -> Fair:
    """Region Campania (ITF3), sector K of ATECO 2025 (the CPI rows' ATECO 2007 62.01)."""
    return factories.fair(region="Campania")


@CPI_DB
def test_cpi_vacancies_get_their_place_so_a_campania_fair_proposes_them(cpi_standin):
    load()
    cpi_standin.insert(
        row("SIL:2026/000001", at(30)),  # 063049 / F839: Napoli
        row("SIL:2026/000002", at(20), comune_istat="065116", comune_belfiore=None),
        row("SIL:2026/000003", at(10), comune_istat="015146", comune_belfiore="F205"),
        row("SIL:2026/000004", at(5), comune_istat="099999", comune_belfiore=None),
    )

    run = vacancies_sync(connector=CpiConnector(batch_size=10))

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert dict(run.rejections.values_list("source_ref", "reason")) == {
        "SIL:2026/000004": "unknown_comune"
    }
    places = dict(Vacancy.objects.values_list("source_ref", "place"))
    assert places == {
        "SIL:2026/000001": "Napoli",
        "SIL:2026/000002": "Salerno",
        "SIL:2026/000003": "Milano",
    }
    assert Vacancy.objects.get(source_ref="SIL:2026/000002").nuts3 == "ITF35"
    proposed = {vacancy.source_ref for vacancy in fair_matching_vacancies(fair=campania_fair())}
    assert proposed == {"SIL:2026/000001", "SIL:2026/000002"}


@CPI_DB
def test_loading_the_table_fills_vacancies_imported_before_and_replays_stay_no_ops(
    cpi_standin,
):
    cpi_standin.insert(row("SIL:2026/000001", at(30)), row("SIL:2026/000002", at(20)))
    vacancies_sync(connector=CpiConnector(batch_size=10))
    stored = Vacancy.objects.get(source_ref="SIL:2026/000001")
    assert (stored.place, stored.nuts3) == ("", "")
    before_hash = stored.content_hash

    load()
    stored.refresh_from_db()
    assert (stored.place, stored.nuts3, stored.content_hash) == ("Napoli", "ITF33", before_hash)

    again = vacancies_sync(connector=CpiConnector(batch_size=10), overlap=timedelta(hours=2))
    assert (again.read, again.unchanged, again.updated, again.rejected) == (2, 2, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_cliclavoro_file_gets_the_place_of_its_cadastral_code():
    factories.sector()
    load()
    content = f"<Vacancies>{cliclavoro(number=21)}</Vacancies>".encode()

    run = vacancies_sync(
        connector=XmlFileConnector(source=Vacancy.Source.CLICLAVORO, content=content)
    )

    assert run.created == 1, run.error
    vacancy = Vacancy.objects.get()
    assert (vacancy.comune_belfiore, vacancy.place, vacancy.nuts3) == ("F839", "Napoli", "ITF33")


@pytest.mark.django_db
def test_candidates_find_an_imported_vacancy_by_its_town():
    load()
    fair = factories.fair()
    acme = factories.employer("Acme")
    vacancy = factories.vacancy(acme)
    Vacancy.objects.filter(pk=vacancy.pk).update(
        place="", nuts3="", comune_istat="", comune_belfiore="H703"
    )
    factories.booth(fair_=fair, employer_=acme).vacancies.add(vacancy)
    assert fair_vacancies_for(fair=fair, profile=None, place="Salerno") == []

    comuni_load(istat_text().encode("cp1252"))  # an operator loads the file again

    found = fair_vacancies_for(fair=fair, profile=None, place="Salerno")
    assert [match.vacancy.pk for match in found] == [vacancy.pk]
    assert fair_vacancies_for(fair=fair, profile=None, place="ITF35")[0].vacancy.nuts3 == "ITF35"
