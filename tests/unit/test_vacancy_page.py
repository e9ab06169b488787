import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from employers.models import Vacancy
from employers.nuts import iso_country
from tests import factories

pytestmark = pytest.mark.django_db


def job_posting(html: str) -> Any:
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(scripts) == 1
    return json.loads(scripts[0])


def test_an_open_vacancy_page_carries_its_job_posting():
    vacancy = factories.vacancy(factories.employer("Partenope Digitale S.r.l."))
    Vacancy.objects.filter(pk=vacancy.pk).update(
        description="Backend Django </script><script>alert(1)</script>",
        working_time=Vacancy.WorkingTime.FULL,
        contract_type=Vacancy.ContractType.FIXED_TERM,
        education_eqf=6,
        languages=[{"iso639_1": "en", "read": "B2", "write": "B1", "speak": "B1"}],
        skills=[
            {"uri": "http://data.europa.eu/esco/skill/example-python", "label": "use Python"},
            {"uri": "", "label": "Lavoro in team"},
        ],
    )

    response = Client().get(f"/vacancies/{vacancy.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    posting = job_posting(html)
    assert posting["@type"] == "JobPosting"
    assert posting["title"] == "Sviluppatore Python"
    assert posting["description"].endswith("</script><script>alert(1)</script>")
    assert posting["hiringOrganization"]["name"] == "Partenope Digitale S.r.l."
    assert posting["jobLocation"]["address"]["addressLocality"] == "Napoli"
    assert posting["employmentType"] == ["FULL_TIME", "TEMPORARY"]
    assert posting["occupationalCategory"]["codeValue"] == "2512"
    assert posting["educationRequirements"]["credentialCategory"] == "EQF level 6"
    assert posting["validThrough"].startswith(str(vacancy.expires_on) + "T23:59:59")
    assert posting["datePosted"] == timezone.localdate().isoformat()
    assert posting["skills"] == [
        {
            "@type": "DefinedTerm",
            "url": "http://data.europa.eu/esco/skill/example-python",
            "inDefinedTermSet": "http://data.europa.eu/esco/concept-scheme/skills",
            "name": "use Python",
        },
        "Lavoro in team",
        "en B2",
    ]
    assert '<li class="text-break">use Python</li>' in html
    assert '<li class="text-break">Lavoro in team</li>' in html


def test_an_anonymous_vacancy_names_the_cpi_not_the_employer():
    vacancy = factories.vacancy(factories.employer("Segreta S.p.A."))
    Vacancy.objects.filter(pk=vacancy.pk).update(employer_visible=False, cpi_code="NA-CPI-01")

    response = Client().get(f"/vacancies/{vacancy.pk}/")

    assert "Segreta" not in response.content.decode()
    assert job_posting(response.content.decode())["hiringOrganization"]["name"] == "NA-CPI-01"


@pytest.mark.parametrize(
    "change",
    [
        {"status": Vacancy.Status.CLOSED},
        {"status": Vacancy.Status.WITHDRAWN},
        {"expires_on": timezone.localdate() - timedelta(days=1)},
    ],
)
def test_a_vacancy_that_is_no_longer_open_has_no_page(change):
    vacancy = factories.vacancy(factories.employer())
    Vacancy.objects.filter(pk=vacancy.pk).update(**change)

    assert Client().get(f"/vacancies/{vacancy.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("nuts3", "place", "country"),
    [
        ("ITF33", "Napoli", "IT"),
        ("", "", "IT"),
        ("EL303", "Athína", "GR"),  # NUTS says EL, ISO 3166 GR
        ("DE300", "Berlin", "DE"),
        ("UKI31", "London", "GB"),
    ],
)
def test_the_job_postings_country_is_the_one_of_its_nuts_code(nuts3, place, country):
    vacancy = factories.vacancy(factories.employer("Acme"))
    Vacancy.objects.filter(pk=vacancy.pk).update(nuts3=nuts3, place=place)

    address = job_posting(Client().get(f"/vacancies/{vacancy.pk}/").content.decode())[
        "jobLocation"
    ]["address"]

    assert address["addressCountry"] == country
    assert address.get("addressLocality", "") == place
    assert iso_country(nuts3) == (country if nuts3 else "")
