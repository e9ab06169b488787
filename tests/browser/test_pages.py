"""Every page no other browser test checks, on a 360 px phone, as the person who would open it:
a visitor, a candidate, an employer's admin, a fair organiser and a CPI operator, with realistic
data (a booked interview, a CV awaiting validation, a fair series, an import run with
rejections). Each page, in English and in Italian, must answer as expected (200, or the 403/404
page), come out clean in axe-core and not scroll sideways.

One browser context per person, reused across their pages; a failure names every page that
failed and why."""

from dataclasses import dataclass
from datetime import time, timedelta
from pprint import pformat
from typing import NamedTuple

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Browser, Page, expect

from accounts.models import Membership, User
from accounts.services import candidate_register
from candidates.match_features import match_features_refresh
from candidates.services import cv_share, cv_upload
from employers.services import vacancy_set_skills
from employers.vacancy_sync import vacancies_import_file
from employers.validators import ESCO_SKILL
from rooms import agenda
from rooms.interviews import interview_start
from rooms.models import FairSeries, InterviewSession
from rooms.series import series_save
from tests import cv_samples, factories
from tests.axe import axe_violations
from tests.browser.test_cv import fits, signed_in
from tests.browser.test_matching import PHONE
from tests.vacancies.xml_samples import cliclavoro

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What is wider than the screen, to name it in a failure (a scrolling box does not count).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  return [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > width + 0.5)
    .filter((el) => !el.closest('.table-responsive, .overflow-auto'))
    .slice(0, 5)
    .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList]
      .join('.')} right=${Math.round(el.getBoundingClientRect().right)}`);
}"""


class Visit(NamedTuple):
    name: str
    path: str
    status: int = 200


@dataclass
class World:
    users: dict[str, User | None]
    pages: dict[str, list[Visit]]


@pytest.fixture
def world(cpi, organiser) -> World:
    now = timezone.now()
    operator = factories.member(cpi, Membership.Role.CPI_OPERATOR, name="Ottavia Operator")
    fair = factories.fair(organiser=cpi, title="ICT & Digital job day")
    employer = factories.employer("Vesuvio Cloud S.r.l.")
    booth = factories.booth(fair_=fair, employer_=employer)
    booth.headline = "Cloud e DevOps a Napoli: veniteci a trovare"
    booth.save()
    vacancy = factories.vacancy(employer, "Sviluppatrice/ore Python")
    vacancy.nuts3 = "ITF33"
    vacancy.save()
    vacancy_set_skills(
        actor=organiser,
        vacancy=vacancy,
        skills=[
            {"uri": f"{ESCO_SKILL}ccd0a1d9-afda-43d9-b901-96344886e14d", "label": "Python"},
            {"uri": "", "label": "Django"},
        ],
    )
    booth.vacancies.add(vacancy)
    admin = factories.member(
        employer.organisation, Membership.Role.EMPLOYER_ADMIN, name="Elena Amministratrice"
    )

    mario = candidate_register(
        full_name="Mario Rossi",
        password=factories.PASSWORD,
        email="mario.rossi@example.org",
        phone="+393331234567",
        preferred_language="en",
        share_with_employers=True,
    )
    profile = mario.candidate_profile
    profile.nuts = "ITF3"
    profile.save()
    version = cv_upload(
        actor=mario,
        profile=profile,
        upload=cv_samples.upload(cv_samples.europass_candidate_xml(), "cv-mario.xml"),
    )
    match_features_refresh(profile=profile)
    cv_share(actor=mario, profile=profile, employer=employer)

    # A booked interview at the booth, and a help-desk time of the CPI at the same fair.
    start = fair.starts_at + timedelta(hours=1)
    booth_slot, _free = agenda.slots_publish(
        actor=admin,
        fair_id=fair.pk,
        booth_id=booth.pk,
        starts_at=start,
        ends_at=start + timedelta(minutes=40),
        length_minutes=20,
        vacancy_id=vacancy.pk,
    )
    agenda.booking_create(actor=mario, slot_id=booth_slot.pk)
    agenda.slots_publish(
        actor=operator,
        fair_id=fair.pk,
        office_id=cpi.pk,
        starts_at=start,
        ends_at=start + timedelta(minutes=60),
        length_minutes=30,
        mode="in_person",
        place="Centro per l'Impiego di Napoli, Via Medina 5",
    )
    agenda.booking_window_set(
        actor=organiser, booth_id=booth.pk, opens_at=now + timedelta(hours=2), quota_per_candidate=1
    )
    interview_start(actor=admin, candidate=mario, kind=InterviewSession.Kind.BOOTH, booth=booth)

    series = FairSeries(
        title="ICT Campania, ogni primo martedì",
        organiser=cpi,
        region="Campania",
        rule=FairSeries.Rule.MONTHLY,
        weekday=FairSeries.Weekday.TUESDAY,
        nth=FairSeries.Nth.FIRST,
        starts_on=timezone.localdate(),
        start_time=time(10, 0),
        duration_minutes=240,
    )
    series_save(actor=organiser, series=series, sectors=[factories.sector("K")])
    run = vacancies_import_file(
        actor=organiser,
        source="cliclavoro",
        content=(
            f"<V>{cliclavoro(number=1)}{cliclavoro(number=2, title=' ')}"
            f"{cliclavoro(number=3, title=' ')}</V>"
        ).encode(),
    )
    assert run.rejected == 2
    failed = vacancies_import_file(actor=organiser, source="cliclavoro", content=b"<Vacancy>")

    uid = urlsafe_base64_encode(force_bytes(mario.pk))
    token = default_token_generator.make_token(mario)
    return World(
        users={
            "visitor": None,
            "candidate": mario,
            "employer": admin,
            "organiser": organiser,
            "operator": operator,
        },
        pages={
            "visitor": [
                Visit("sign in", "/accounts/login/"),
                Visit("sign up", "/accounts/signup/"),
                Visit("password reset", "/accounts/password/reset/"),
                Visit("password reset sent", "/accounts/password/reset/sent/"),
                Visit("new password", f"/accounts/password/reset/{uid}/{token}/"),
                Visit("expired reset link", f"/accounts/password/reset/{uid}/used-token/"),
                Visit("password reset done", "/accounts/password/reset/done/"),
                Visit("vacancy", f"/vacancies/{vacancy.pk}/"),
                Visit("vacancies of a fair", f"/fairs/{fair.pk}/vacancies/"),
                Visit("a fair that does not exist", "/fairs/999999/", 404),
                Visit("an address that does not exist", "/nowhere/", 404),
            ],
            "candidate": [
                Visit("fair with the CPI's help desk", f"/fairs/{fair.pk}/"),
                Visit("delete a CV version", f"/candidates/cv/{version.pk}/delete/"),
                Visit("stop sharing the CV", f"/candidates/cv/shares/{employer.pk}/stop/"),
                Visit("remove the photo", "/candidates/photo/remove/"),
                Visit("my data", "/candidates/my-data/"),
                Visit("delete my account", "/candidates/account/delete/"),
                Visit("the staff area, refused", "/staff/", 403),
            ],
            "employer": [
                Visit("staff area", "/staff/"),
                Visit("booth", f"/staff/booths/{booth.pk}/"),
                Visit("vacancy skills", f"/staff/vacancies/{vacancy.pk}/skills/"),
                Visit("vacancies", "/staff/vacancies/"),
                Visit("start a video call", "/staff/interviews/new/"),
                Visit(
                    "new staff account",
                    f"/staff/organisations/{employer.organisation_id}/people/new/",
                ),
            ],
            "organiser": [
                Visit("staff area", "/staff/"),
                Visit("new fair", "/staff/fairs/new/"),
                Visit("edit fair", f"/staff/fairs/{fair.pk}/edit/"),
                Visit("add a booth", f"/staff/fairs/{fair.pk}/booths/new/"),
                Visit("booth", f"/staff/booths/{booth.pk}/"),
                Visit("booking window", f"/staff/booths/{booth.pk}/booking-window/"),
                Visit("new employer", "/staff/employers/new/"),
                Visit("vacancy imports", "/staff/vacancy-imports/"),
                Visit("vacancies", "/staff/vacancies/?q=zzz"),
                Visit("import run", f"/staff/vacancy-imports/{run.pk}/"),
                Visit("failed import run", f"/staff/vacancy-imports/{failed.pk}/"),
                Visit("start a video call", "/staff/interviews/new/"),
                Visit("fair series", "/staff/fair-series/"),
                Visit("new fair series", "/staff/fair-series/new/"),
                Visit("edit fair series", f"/staff/fair-series/{series.pk}/"),
                Visit("new staff account", f"/staff/organisations/{cpi.pk}/people/new/"),
            ],
            "operator": [
                Visit("staff area", "/staff/"),
                Visit("CVs to review", "/staff/cvs/"),
                Visit("CV awaiting validation", f"/staff/cvs/{version.pk}/"),
                Visit("office slots", f"/staff/offices/{cpi.pk}/slots/"),
            ],
        },
    )


def problems_of(page: Page) -> list[object]:
    found: list[object] = list(axe_violations(page))
    if not fits(page):
        found.append({"wider than the screen": page.evaluate(OVERFLOW)})
    return found


@pytest.mark.parametrize("role", ["visitor", "candidate", "employer", "organiser", "operator"])
def test_every_page_is_clean_on_a_phone(browser: Browser, live_server, world: World, role: str):
    user = world.users[role]
    if user is None:
        context = browser.new_context(locale="en-GB", **PHONE)  # type: ignore[arg-type]
    else:
        context = signed_in(browser, live_server.url, user, **PHONE)
    page = context.new_page()
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(f"{page.url}: {error}"))
    failures: dict[str, list[object]] = {}
    for visit in world.pages[role]:
        for prefix in ("", "/it"):  # English, then the product's default language
            url = prefix + visit.path
            response = page.goto(live_server.url + url)
            assert response is not None
            if response.status != visit.status:
                failures[url] = [visit.name, f"answered {response.status}"]
            elif found := problems_of(page):
                failures[url] = [visit.name, *found]
    context.close()
    assert not failures, pformat(failures, width=100)
    assert script_errors == []


def test_empty_pages_say_what_to_do(browser: Browser, live_server, cpi, organiser):
    """First visits: an organiser with no fairs, imports or series yet; a recruiter whose company
    is at no fair yet. CPI staff are not told about booths they could never have."""
    page = signed_in(browser, live_server.url, organiser, **PHONE).new_page()
    page.goto(f"{live_server.url}/staff/vacancy-imports/")
    runs = page.get_by_role("region", name="Import runs")
    expect(runs).to_contain_text("No imports yet.")
    expect(runs.get_by_role("table")).to_have_count(0)
    assert problems_of(page) == []
    page.goto(f"{live_server.url}/staff/fair-series/")
    expect(page.get_by_text("No series yet. A series creates its next fairs")).to_be_visible()
    assert problems_of(page) == []
    page.goto(f"{live_server.url}/staff/")
    expect(page.get_by_text("No fairs yet. Create the first one")).to_be_visible()
    expect(page.get_by_role("heading", name="Booths you can edit")).to_have_count(0)
    expect(page.get_by_role("link", name="Add a staff account at CPI Napoli")).to_be_visible()
    assert problems_of(page) == []
    page.context.close()

    recruiter = factories.member(factories.employer("Acme").organisation, Membership.Role.RECRUITER)
    page = signed_in(browser, live_server.url, recruiter, **PHONE).new_page()
    page.goto(f"{live_server.url}/staff/")
    booths = page.get_by_role("region", name="Booths you can edit")
    expect(booths).to_contain_text("You have no booths yet. The fair organiser adds your company")
    expect(page.get_by_role("heading", name="People")).to_have_count(0)  # nobody to add
    assert problems_of(page) == []
    page.context.close()
