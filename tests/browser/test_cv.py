"""A candidate on a 360 px phone uploads a Europass XML CV and reads the report; a CPI operator
at a desk validates it; the candidate's page then shows the badge, and so does the console of a
recruiter whose line the candidate joins. axe-core finds nothing on the CV page, the review list
or the review page. Served by a real Daphne (the console needs its socket)."""

import pytest
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, expect

from accounts.models import Membership, Organisation, User
from accounts.services import candidate_register
from tests import cv_samples, factories
from tests.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(browser: Browser, base_url: str, user: User, **options: object) -> BrowserContext:
    """A browser context carrying a session of `user`, as if they had signed in."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="en-GB", **options)  # type: ignore[arg-type]
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
    )
    return context


def fits(page) -> bool:
    return bool(
        page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    )


def test_upload_on_a_phone_validation_at_a_desk_and_the_badge(browser, daphne, tmp_path):
    mario = candidate_register(
        full_name="Mario Rossi",
        password=factories.PASSWORD,
        email="mario.rossi@example.org",
        phone=None,
        preferred_language="en",
        share_with_employers=True,
    )
    cpi = factories.organisation(Organisation.Kind.CPI, "CPI Napoli")
    operator = factories.member(cpi, Membership.Role.CPI_OPERATOR, name="Ottavia Operator")

    phone = signed_in(
        browser,
        daphne.url,
        mario,
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
    ).new_page()
    phone.goto(daphne.url + "/")
    phone.get_by_role("link", name="Go to your CV").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your CV")
    assert axe_violations(phone) == []
    cv_file = tmp_path / "cv-mario.xml"
    cv_file.write_bytes(cv_samples.europass_candidate_xml())
    phone.get_by_label("Your CV file").set_input_files(cv_file)
    phone.get_by_role("button", name="Upload and check").click()
    expect(phone.get_by_text("Your CV is saved and passed the automatic check.")).to_be_visible()
    expect(phone.get_by_text("The automatic check found nothing to correct.")).to_be_visible()
    expect(phone.get_by_text("Laurea in Informatica")).to_be_visible()
    assert axe_violations(phone) == []
    assert fits(phone)

    desk = signed_in(
        browser, daphne.url, operator, viewport={"width": 1280, "height": 900}
    ).new_page()
    desk.goto(daphne.url + "/staff/")
    desk.get_by_role("link", name="CVs to review").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("CVs to review")
    assert axe_violations(desk) == []
    desk.get_by_role("link", name="Mario Rossi").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("CV of Mario Rossi")
    assert axe_violations(desk) == []
    desk.get_by_label("Identity document shown on camera in a video call").check()
    desk.get_by_role("group", name="Laurea in Informatica").get_by_label("Checked by me").check()
    desk.get_by_label("Validated by an operator").check()
    desk.get_by_role("button", name="Save the review").click()
    expect(desk.get_by_text("Your review is saved.")).to_be_visible()
    expect(desk.get_by_text("Validated by CPI on")).to_be_visible()

    phone.reload()
    expect(phone.locator("#cv-state").get_by_text("Validated by CPI on")).to_be_visible()
    assert axe_violations(phone) == []
    assert fits(phone)

    booth = factories.booth(
        fair_=factories.live_fair(), employer_=factories.employer("Vesuvio Cloud S.r.l.")
    )
    recruiter = factories.member(booth.employer.organisation, Membership.Role.RECRUITER)
    phone.goto(f"{daphne.url}/booths/{booth.pk}/")
    phone.locator("#queue-join").click()
    expect(phone.locator("#queue-position")).to_have_attribute("data-position", "1")
    console = signed_in(
        browser, daphne.url, recruiter, viewport={"width": 1280, "height": 900}
    ).new_page()
    console.goto(f"{daphne.url}/staff/booths/{booth.pk}/queue/")
    row = console.locator("#console-line > li")
    expect(row).to_contain_text("Mario Rossi")
    expect(row.locator(".cv-badge")).to_contain_text("CV validated by CPI on")
