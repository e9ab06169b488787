"""A candidate on a phone walks home → fair → booth; axe-core finds nothing on any page."""

import pytest
from playwright.sync_api import expect

from accounts.models import Organisation
from employers.services import employer_create
from rooms.models import Fair
from tests import factories
from tests.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_fair():
    cpi = factories.organisation(Organisation.Kind.CPI, "Centro per l'Impiego di Napoli")
    admin = factories.user()
    admin.is_superuser = True
    admin.save()
    fair = factories.fair(organiser=cpi, status=Fair.Status.LIVE, title="ICT & Digital job day")
    employer = employer_create(
        actor=admin,
        legal_name="Vesuvio Cloud S.r.l.",
        vat_number=factories.vat_number(),
        sector=factories.sector("K"),
        description="Cloud e DevOps a Napoli.",
        logo=factories.png_upload((300, 300)),
    )
    booth = factories.booth(fair_=fair, employer_=employer)
    booth.vacancies.add(factories.vacancy(employer, "Sviluppatrice/ore Python"))
    return fair


def test_phone_visitor_walks_home_fair_booth_with_no_axe_violations(
    page, live_server, live_fair, settings
):
    settings.LANGUAGE_CODE = "it"  # the product's default; other tests read English
    assert page.viewport_size["width"] < 420
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Prossime fiere del lavoro")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    page.get_by_role("link", name="ICT & Digital job day").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ICT & Digital job day")
    expect(page.locator("#fair-status")).to_have_text("In corso")
    logo = page.locator("img.booth-logo")
    expect(logo).to_have_count(1)
    assert page.evaluate("(img) => img.naturalWidth", logo.element_handle()) > 0
    assert axe_violations(page) == []

    page.get_by_role("link", name="Vesuvio Cloud S.r.l.").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vesuvio Cloud S.r.l.")
    expect(page.get_by_role("heading", name="Sviluppatrice/ore Python")).to_be_visible()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
