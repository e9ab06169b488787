"""On a 360 px phone a candidate reads a fair's vacancies ranked by their match, opens the
breakdown and searches; a recruiter reads the pre-selection for the vacancy on a phone too and
invites the best match. axe-core finds nothing on either page."""

import pytest
from playwright.sync_api import Browser, expect

from accounts.models import Membership
from accounts.services import candidate_register
from candidates.match_features import match_features_refresh
from employers.comuni import comuni_load
from rooms.models import DismissedProposal, Fair, Invitation
from tests import factories
from tests.axe import axe_violations
from tests.browser.test_cv import fits, signed_in
from tests.vacancies.istat_samples import istat_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def test_ranked_vacancies_and_preselection_on_a_phone(browser: Browser, live_server):
    fair = factories.fair(title="ICT Campania")
    acme = factories.employer("Acme")
    booth = factories.booth(fair_=fair, employer_=acme)
    near = factories.vacancy(acme, "Sviluppatore a Napoli")
    near.nuts3, near.licences = "ITF33", ["B"]
    near.save()
    far = factories.vacancy(acme, "Sviluppatore a Milano")
    far.nuts3, far.licences = "ITC45", ["C"]
    far.save()
    booth.vacancies.set([near, far])
    anna = candidate_register(
        full_name="Anna Esposito",
        password=factories.PASSWORD,
        email="anna@example.org",
        phone=None,
        preferred_language="en",
        share_with_employers=True,
    )
    profile = anna.candidate_profile
    profile.nuts = "ITF3"
    profile.save()
    match_features_refresh(profile=profile)

    phone = signed_in(browser, live_server.url, anna, **PHONE).new_page()
    phone.goto(f"{live_server.url}/fairs/{fair.pk}/")
    phone.get_by_role("link", name="Vacancies for you").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Vacancies for you")
    cards = phone.locator(".match-list > li h3")
    expect(cards.first).to_have_text("Sviluppatore a Napoli")
    phone.locator(".match-list > li").nth(1).get_by_text("Why this score").click()
    expect(phone.get_by_text("Driving licence needed: C.")).to_be_visible()
    assert axe_violations(phone) == []
    assert fits(phone)
    phone.get_by_label("Keywords").fill("milano")
    phone.get_by_role("button", name="Search").click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_text("Sviluppatore a Milano")

    recruiter = factories.member(acme.organisation, Membership.Role.RECRUITER, name="Rita")
    desk = signed_in(browser, live_server.url, recruiter, **PHONE).new_page()
    desk.goto(f"{live_server.url}/staff/")
    desk.get_by_role("link", name="Sviluppatore a Napoli").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(
        "Candidates for Sviluppatore a Napoli"
    )
    expect(desk.get_by_role("heading", name="Anna Esposito")).to_be_visible()
    assert axe_violations(desk) == []
    assert fits(desk)
    desk.get_by_role("button", name="Invite Anna Esposito to book an interview").click()
    expect(desk.get_by_text("Anna Esposito is invited to book an interview")).to_be_visible()
    assert Invitation.objects.filter(candidate=anna, vacancy=near).exists()
    assert axe_violations(desk) == []


def test_a_candidate_picks_a_province_or_a_country_on_a_phone(browser: Browser, live_server):
    comuni_load(istat_text().encode("cp1252"))
    fair = factories.fair(title="ICT Campania")
    acme = factories.employer("Acme")
    vacancy = factories.vacancy(acme, "Sviluppatore a Napoli")
    vacancy.nuts3, vacancy.occupation_isco = "ITF33", ""  # only the place counts
    vacancy.save()
    factories.booth(fair_=fair, employer_=acme).vacancies.add(vacancy)
    anna = candidate_register(
        full_name="Anna Esposito",
        password=factories.PASSWORD,
        email="anna@example.org",
        phone=None,
        preferred_language="en",
        share_with_employers=True,
    )

    phone = signed_in(browser, live_server.url, anna, **PHONE).new_page()
    phone.goto(f"{live_server.url}/fairs/{fair.pk}/vacancies/")
    where = phone.get_by_role("combobox", name="Where you live")
    expect(where).to_have_accessible_description(
        "Your province, or your region; outside Italy, your country."
    )
    where.select_option(label="Napoli")
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text("We count distances from: Napoli (Campania).")).to_be_visible()
    expect(phone.get_by_text("Match 100 / 100")).to_be_visible()
    assert axe_violations(phone) == []
    assert fits(phone)
    phone.get_by_role("combobox", name="Where you live").select_option(label="Greece")
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text("We count distances from: Greece.")).to_be_visible()
    expect(phone.get_by_text("Match 25 / 100")).to_be_visible()


def test_an_organiser_dismisses_a_proposal_and_brings_it_back_on_a_phone(
    browser: Browser, live_server, cpi, organiser
):
    fair = factories.fair(organiser=cpi, title="ICT Campania", status=Fair.Status.DRAFT)
    acme = factories.employer("Acme")
    for title in ("Sviluppatore", "Sistemista"):
        vacancy = factories.vacancy(acme, title)
        vacancy.nuts3 = "ITF33"
        vacancy.save()

    page = signed_in(browser, live_server.url, organiser, **PHONE).new_page()
    page.goto(f"{live_server.url}/staff/fairs/{fair.pk}/proposals/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposed for this fair")
    assert axe_violations(page) == []
    assert fits(page)
    # A tap on the label, as on a phone (Bootstrap Italia draws the box over the input).
    page.locator("label", has_text="Sviluppatore").click()
    expect(page.get_by_label("Sviluppatore")).not_to_be_checked()
    page.get_by_role("button", name="Dismiss… (Acme)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dismiss these proposals?")
    page.get_by_role("button", name="Yes, dismiss them").click()

    expect(page.get_by_text("1 vacancy dismissed")).to_be_visible()
    dismissed = page.get_by_role("region", name="Dismissed for this fair")
    expect(dismissed.get_by_text("Sistemista · Acme")).to_be_visible()
    expect(page.get_by_label("Sistemista")).to_have_count(0)
    assert axe_violations(page) == []
    assert fits(page)
    dismissed.get_by_role("button", name="Propose again (Sistemista)").click()

    expect(page.get_by_text("1 vacancy is proposed for this fair again")).to_be_visible()
    expect(page.get_by_label("Sistemista")).to_be_checked()
    expect(page.get_by_role("region", name="Dismissed for this fair")).to_have_count(0)
    assert not DismissedProposal.objects.exists()


def test_an_organiser_approves_a_proposal_and_the_employer_confirms_on_a_phone(
    browser: Browser, live_server, cpi, organiser
):
    fair = factories.fair(organiser=cpi, title="ICT Campania")
    acme = factories.employer("Acme")
    vacancy = factories.vacancy(acme, "Sviluppatore")
    vacancy.nuts3 = "ITF33"
    vacancy.save()

    desk = signed_in(browser, live_server.url, organiser, **PHONE).new_page()
    desk.goto(f"{live_server.url}/staff/fairs/{fair.pk}/proposals/")
    desk.get_by_role("button", name="Approve into a booth (Acme)").click()
    expect(desk.get_by_text("Acme must confirm taking part")).to_be_visible()
    desk.goto(f"{live_server.url}/staff/fairs/{fair.pk}/")
    expect(desk.get_by_text("Awaiting the employer's confirmation")).to_be_visible()
    assert axe_violations(desk) == []
    assert fits(desk)

    recruiter = factories.member(acme.organisation, Membership.Role.RECRUITER, name="Rita")
    phone = signed_in(browser, live_server.url, recruiter, **PHONE).new_page()
    phone.goto(f"{live_server.url}/staff/")
    invitations = phone.get_by_role("region", name="Invitations to fairs")
    expect(invitations.get_by_role("heading", name="ICT Campania")).to_be_visible()
    expect(invitations.get_by_text("Sviluppatore")).to_be_visible()
    assert axe_violations(phone) == []
    assert fits(phone)
    invitations.get_by_role("button", name="Confirm (ICT Campania)").click()

    expect(phone.get_by_text("Acme takes part in ICT Campania")).to_be_visible()
    expect(phone.get_by_role("region", name="Invitations to fairs")).to_have_count(0)
    assert fair.booths.get().is_confirmed
    assert axe_violations(phone) == []
