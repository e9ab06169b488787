"""The comuni table: ISTAT's list of comuni loaded by `manage.py load_comuni`."""

import pytest
from django.core.management import CommandError, call_command

from employers.comuni import comuni_load
from employers.models import Comune
from tests.vacancies.istat_samples import BAD_LINE, COMUNI, istat_text, write_istat_file

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
