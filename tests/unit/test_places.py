"""Where candidates say they live: a province under its region (once the comuni are loaded), a
region, or another EURES country; the match score's place ladder reaches "same province"."""

import re
from typing import Any

import pytest

from accounts.models import User
from accounts.services import candidate_register
from candidates.models import CandidateProfile
from employers.comuni import comuni_load
from employers.models import Vacancy
from rooms.models import Fair
from tests import factories
from tests.conftest import client_for
from tests.vacancies.istat_samples import istat_text

pytestmark = pytest.mark.django_db


def candidate(name: str = "Anna Esposito") -> User:
    return candidate_register(
        full_name=name,
        password=factories.PASSWORD,
        email=f"{name.split(maxsplit=1)[0].lower()}@example.org",
        phone=None,
        preferred_language="en",
        share_with_employers=True,
    )


def fair_with(**vacancy_fields: Any) -> tuple[Fair, Vacancy]:
    fair = factories.fair()
    acme = factories.employer("Acme")
    vacancy = factories.vacancy(acme)
    for name, value in vacancy_fields.items():
        setattr(vacancy, name, value)
    vacancy.save()
    factories.booth(fair_=fair, employer_=acme).vacancies.add(vacancy)
    return fair, vacancy


def test_candidates_choose_their_province_under_its_region_or_a_country_abroad():
    comuni_load(istat_text().encode("cp1252"))
    # Only the place counts: a vacancy in Naples scores what the place ladder gives.
    fair, _vacancy = fair_with(occupation_isco="", nuts3="ITF33")
    anna = candidate()
    client = client_for(anna)

    page = client.get(f"/fairs/{fair.pk}/vacancies/").content.decode()

    campania = page[page.index('<optgroup label="Campania">') :]
    campania = campania[: campania.index("</optgroup>")]
    assert re.findall(r'<option value="(\w+)"', campania) == [
        "ITF3", "ITF34", "ITF32", "ITF31", "ITF33", "ITF35",
    ]  # fmt: skip
    assert '<option value="ITF3">Campania (whole region)</option>' in campania
    assert '<option value="ITF33">Napoli</option>' in campania
    assert '<option value="ITH10">Bolzano/Bozen</option>' in page
    assert '<option value="EL">Greece</option>' in page
    assert 'aria-describedby="id_nuts_helptext"' in page

    client.post(f"/fairs/{fair.pk}/where-i-live/", {"nuts": "ITF33"})
    page = client.get(f"/fairs/{fair.pk}/vacancies/").content.decode()
    assert CandidateProfile.objects.get(user=anna).nuts == "ITF33"
    assert "We count distances from: Napoli (Campania)." in page
    assert "Match 100 / 100" in page  # the same province, reachable at last

    client.post(f"/fairs/{fair.pk}/where-i-live/", {"nuts": "EL"})
    page = client.get(f"/fairs/{fair.pk}/vacancies/").content.decode()
    assert CandidateProfile.objects.get(user=anna).nuts == "EL"
    assert "We count distances from: Greece." in page
    assert "Match 25 / 100" in page  # abroad

    client.post(f"/fairs/{fair.pk}/where-i-live/", {"nuts": "GR"})  # ISO, not NUTS
    assert CandidateProfile.objects.get(user=anna).nuts == "EL"


def test_before_the_comuni_are_loaded_candidates_choose_a_region_or_a_country():
    fair, _vacancy = fair_with(occupation_isco="", nuts3="ITF33")
    anna = candidate()
    client = client_for(anna)

    page = client.get(f"/fairs/{fair.pk}/vacancies/").content.decode()

    assert '<optgroup label="Italy">' in page
    assert '<option value="ITF3">Campania</option>' in page
    assert '<option value="DE">Germany</option>' in page
    client.post(f"/fairs/{fair.pk}/where-i-live/", {"nuts": "ITF33"})
    assert CandidateProfile.objects.get(user=anna).nuts == ""
    client.post(f"/fairs/{fair.pk}/where-i-live/", {"nuts": "ITF3"})
    assert CandidateProfile.objects.get(user=anna).nuts == "ITF3"


def test_the_place_choices_are_in_italian_on_italian_pages(settings):
    settings.LANGUAGE_CODE = "it"  # the product's default (tests read English otherwise)
    comuni_load(istat_text().encode("cp1252"))
    fair, _vacancy = fair_with()
    page = client_for(candidate()).get(f"/fairs/{fair.pk}/vacancies/").content.decode()

    assert '<option value="ITF3">Campania (tutta la regione)</option>' in page
    assert '<option value="EL">Grecia</option>' in page
    assert "Un altro paese UE/SEE o la Svizzera" in page
