"""Skills on vacancies: entered on the staff page, shown on the public page, compared with the
ESCO skills of a candidate's CV."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Membership
from candidates.services import cv_upload
from employers.models import Vacancy
from fairplatform.models import AuditEntry
from tests import cv_samples, factories
from tests.conftest import client_for
from tests.unit.test_matching_pages import register

pytestmark = pytest.mark.django_db

SQL = "http://data.europa.eu/esco/skill/example-sql"


@pytest.fixture
def vacancy() -> Vacancy:
    return factories.vacancy(factories.employer("Acme"))


def url(vacancy: Vacancy) -> str:
    return f"/staff/vacancies/{vacancy.pk}/skills/"


def recruiter_of(vacancy: Vacancy):
    assert vacancy.employer is not None
    return factories.member(vacancy.employer.organisation, Membership.Role.RECRUITER)


def test_a_recruiter_enters_skills_one_per_line(vacancy):
    client = client_for(recruiter_of(vacancy))
    lines = f"use Python | {cv_samples.ESCO_PYTHON}\n\n  Lavoro in team  \n{SQL}\n"

    response = client.post(url(vacancy), {"skills": lines})

    assert response.status_code == 302
    assert response["Location"] == f"/staff/vacancies/{vacancy.pk}/candidates/"
    vacancy.refresh_from_db()
    assert vacancy.skills == [
        {"uri": cv_samples.ESCO_PYTHON, "label": "use Python"},
        {"uri": "", "label": "Lavoro in team"},
        {"uri": SQL, "label": ""},
    ]
    assert AuditEntry.objects.filter(action="employers.vacancy.skills_set").exists()
    page = client.get(url(vacancy)).content.decode()
    assert f"use Python | {cv_samples.ESCO_PYTHON}" in page


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("Python | https://example.org/python", "is not an ESCO skill address"),
        (f"Python | {SQL}\nSQL | {SQL}", "is listed twice"),
        ("x" * 201, "at most 200 characters"),
        ("\n".join(f"skill {n}" for n in range(51)), "at most 50 skills"),
    ],
)
def test_wrong_skills_are_refused_with_a_reason_and_nothing_is_saved(vacancy, lines, message):
    response = client_for(recruiter_of(vacancy)).post(url(vacancy), {"skills": lines})

    assert response.status_code == 400
    assert message in response.content.decode()
    vacancy.refresh_from_db()
    assert vacancy.skills == []


def test_only_people_working_on_the_vacancy_edit_its_skills(vacancy, organiser):
    stranger = factories.member(factories.employer().organisation, Membership.Role.RECRUITER)
    candidate = factories.user()

    assert client_for(stranger).get(url(vacancy)).status_code == 404
    assert client_for(stranger).post(url(vacancy), {"skills": "Python"}).status_code == 404
    assert client_for(candidate).post(url(vacancy), {"skills": "Python"}).status_code == 403
    vacancy.refresh_from_db()
    assert vacancy.skills == []
    # CPI organisers edit imported vacancies, which often have no employer account.
    assert client_for(organiser).post(url(vacancy), {"skills": "Python"}).status_code == 302


def test_a_cvs_esco_skills_meet_the_vacancys_and_the_missing_ones_are_named():
    fair = factories.fair()
    acme = factories.employer("Acme")
    vacancy = factories.vacancy(acme)
    vacancy.occupation_isco = ""
    vacancy.skills = [
        {"uri": cv_samples.ESCO_PYTHON, "label": "use Python"},
        {"uri": SQL, "label": "use SQL"},
    ]
    vacancy.save()
    factories.booth(fair_=fair, employer_=acme).vacancies.add(vacancy)
    mario = register("Mario Rossi")
    cv_upload(
        actor=mario,
        profile=mario.candidate_profile,
        upload=SimpleUploadedFile("cv.xml", cv_samples.europass_candidate_xml()),
    )

    page = client_for(mario).get(f"/fairs/{fair.pk}/vacancies/").content.decode()

    assert "Skills not on the CV: use SQL." in page
    assert "use Python" not in page.split("Skills not on the CV")[1][:40]
