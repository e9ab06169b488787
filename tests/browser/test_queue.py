"""A booth's line in real phones: two candidates join, a recruiter calls the first from the
console, the first candidate's phone rings. axe-core checks each page in each state on the way."""

import re

import pytest
from playwright.sync_api import Dialog, Page, expect

from accounts.models import Membership
from rooms.models import Fair
from tests import factories
from tests.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def booth():
    fair = factories.live_fair()
    booth = factories.booth(fair_=fair, employer_=factories.employer("Vesuvio Cloud S.r.l."))
    booth.vacancies.add(factories.vacancy(booth.employer, "Sviluppatrice/ore Python"))
    return booth


def fits_the_screen(page: Page) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= page.viewport_size["width"]  # type: ignore[index]


@pytest.fixture
def people(booth):
    return {
        "anna": factories.user(name="Anna Russo"),
        "bruno": factories.user(name="Bruno Esposito"),
        "recruiter": factories.member(
            booth.employer.organisation, Membership.Role.RECRUITER, name="Rita Recruiter"
        ),
        "organiser": factories.member(booth.fair.organiser, Membership.Role.ORGANISER),
    }


def join(page: Page, booth_url: str, place: str) -> None:
    page.goto(booth_url)
    expect(page.locator("#queue-panel")).to_have_attribute("data-state", "out")
    page.locator("#queue-join").click()
    expect(page.locator("#queue-position")).to_have_attribute("data-position", place)


def test_two_candidates_queue_and_the_recruiter_calls_the_first(phone, daphne, booth, people):
    booth_url = f"{daphne.url}/booths/{booth.pk}/"
    anna = phone(people["anna"])
    anna.goto(booth_url)
    panel = anna.locator("#queue-panel")
    expect(panel).to_have_attribute("data-state", "out")
    expect(anna.locator("#queue-waiting-count")).to_contain_text("0")
    assert axe_violations(anna) == []
    anna.locator("#queue-vacancy").select_option(label="Sviluppatrice/ore Python")
    anna.locator("#queue-note").fill("Backend developer, 3 years of Django")
    anna.locator("#queue-join").click()
    expect(anna.locator("#queue-position")).to_have_attribute("data-position", "1")
    expect(panel).to_have_attribute("data-state", "waiting")
    expect(anna.locator("#queue-position")).to_be_focused()
    assert axe_violations(anna) == []
    assert fits_the_screen(anna)

    bruno = phone(people["bruno"])
    join(bruno, booth_url, "2")

    desk = phone(people["recruiter"])
    desk.goto(f"{daphne.url}/staff/booths/{booth.pk}/queue/")
    rows = desk.locator("#console-line > li")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Anna Russo")
    expect(rows.nth(0)).to_contain_text("Backend developer, 3 years of Django")
    expect(rows.nth(0)).to_contain_text("Sviluppatrice/ore Python")
    expect(rows.nth(1)).to_contain_text("Bruno Esposito")
    assert axe_violations(desk) == []
    assert fits_the_screen(desk)

    desk.locator("#queue-call-next").click()
    dialog = anna.locator("#queue-call-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("role", "alertdialog")
    expect(dialog).to_contain_text("Vesuvio Cloud S.r.l.")
    expect(anna.locator("#queue-call-countdown")).to_have_text(re.compile(r"\d:\d\d"))
    expect(anna.locator("#queue-call-accept")).to_be_focused()
    expect(panel).to_have_attribute("data-state", "called")
    expect(anna.locator("#queue-position")).to_have_attribute("data-position", "")
    assert axe_violations(anna) == []

    expect(bruno.locator("#queue-position")).to_have_attribute("data-position", "1")
    expect(rows).to_have_count(1)
    called = desk.locator("#console-busy > li")
    expect(called).to_have_count(1)
    expect(called).to_contain_text("Anna Russo")
    expect(called).to_contain_text("Rita Recruiter")

    # Not now: Anna leaves the line and the page says so.
    anna.locator("#queue-call-decline").click()
    expect(dialog).to_be_hidden()
    expect(anna.locator("#queue-notices")).to_contain_text("You left the line of Vesuvio Cloud")
    expect(panel).to_have_attribute("data-state", "out")
    expect(called).to_have_count(0)


def test_the_recruiter_removes_a_candidate_after_confirming(phone, daphne, booth, people):
    bruno = phone(people["bruno"])
    join(bruno, f"{daphne.url}/booths/{booth.pk}/", "1")
    desk = phone(people["recruiter"])
    desk.goto(f"{daphne.url}/staff/booths/{booth.pk}/queue/")
    rows = desk.locator("#console-line > li")
    expect(rows).to_have_count(1)
    prompts: list[str] = []

    def answer(dialog: Dialog) -> None:
        prompts.append(dialog.message)
        dialog.accept()

    desk.once("dialog", answer)
    rows.get_by_role("button", name="Remove Bruno Esposito").click()
    expect(rows).to_have_count(0)
    assert prompts == ["Take Bruno Esposito out of the line? They lose their place."]
    expect(desk.locator("#console-empty")).to_be_visible()
    expect(bruno.locator("#queue-panel")).to_have_attribute("data-state", "out")
    expect(bruno.locator("#queue-notices")).to_contain_text("no longer in the line")
    assert axe_violations(desk) == []


def test_the_organiser_follows_the_lines_and_pauses_one(phone, daphne, booth, people):
    office = phone(people["organiser"])
    office.goto(f"{daphne.url}/staff/fairs/{booth.fair_id}/")
    stats = office.locator(f'.fair-queue[data-booth-id="{booth.pk}"]')
    expect(stats.locator('[data-stat="waiting"]')).to_have_text("0")
    assert axe_violations(office) == []

    bruno = phone(people["bruno"])
    join(bruno, f"{daphne.url}/booths/{booth.pk}/", "1")
    expect(stats.locator('[data-stat="waiting"]')).to_have_text("1")
    expect(stats.locator('[data-stat="wait"]')).to_contain_text("min")
    desk = phone(people["recruiter"])
    desk.goto(f"{daphne.url}/staff/booths/{booth.pk}/queue/")
    expect(desk.locator("#console-line > li")).to_have_count(1)

    stats.get_by_role("button", name="Pause the line").click()
    expect(stats).to_have_attribute("data-paused", "true")
    expect(bruno.locator("#queue-paused")).to_be_visible()
    expect(desk.locator("#queue-pause")).to_have_text("Resume the line")
    expect(desk.locator("#queue-call-next")).to_be_disabled()
    assert axe_violations(bruno) == []
    assert axe_violations(office) == []
    assert axe_violations(desk) == []

    desk.locator("#queue-pause").click()
    expect(stats).to_have_attribute("data-paused", "false")
    expect(bruno.locator("#queue-paused")).to_be_hidden()


def test_a_visitor_and_a_closed_booth_are_told_what_to_do(phone, daphne, booth):
    visitor = phone(None)
    visitor.goto(f"{daphne.url}/booths/{booth.pk}/")
    expect(visitor.locator("#queue-panel")).to_have_attribute("data-state", "signed-out")
    sign_in = visitor.get_by_role("link", name="Sign in to join the line")
    expect(sign_in).to_have_attribute("href", re.compile(rf"\?next=.*booths.*{booth.pk}"))
    assert axe_violations(visitor) == []

    later = factories.booth(fair_=factories.fair(status=Fair.Status.PUBLISHED))
    candidate = phone(factories.user())
    candidate.goto(f"{daphne.url}/booths/{later.pk}/")
    expect(candidate.locator("#queue-panel")).to_have_attribute("data-state", "closed")
    expect(candidate.locator("#queue-closed")).to_be_visible()
    expect(candidate.locator("#queue-join")).to_be_hidden()
    assert axe_violations(candidate) == []


def test_the_home_page_lists_the_candidates_lines_live(phone, daphne, booth):
    # Through the pages: queue services called here would publish from inside Playwright's loop.
    booth_url = f"{daphne.url}/booths/{booth.pk}/"
    first = phone(factories.user(name="Primo"))
    carla = phone(factories.user(name="Carla"))
    for page, place in ((first, "1"), (carla, "2")):
        page.goto(booth_url)
        page.locator("#queue-join").click()
        expect(page.locator("#queue-position")).to_have_attribute("data-position", place)

    carla.goto(f"{daphne.url}/")
    line = carla.locator(f'#queue-lines-list > li[data-booth-id="{booth.pk}"]')
    expect(line).to_contain_text("Vesuvio Cloud S.r.l.")
    expect(line).to_contain_text("number 2")
    expect(line.get_by_role("link", name="Go to the booth")).to_have_attribute(
        "href", f"/booths/{booth.pk}/"
    )
    assert axe_violations(carla) == []

    first.once("dialog", lambda dialog: dialog.accept())
    first.locator("#queue-leave").click()
    expect(first.locator("#queue-panel")).to_have_attribute("data-state", "out")
    expect(line).to_contain_text("number 1")


def test_an_accepted_call_opens_the_same_interview_for_both(phone, daphne, booth, people):
    anna = phone(people["anna"])
    join(anna, f"{daphne.url}/booths/{booth.pk}/", "1")
    desk = phone(people["recruiter"])
    desk.goto(f"{daphne.url}/staff/booths/{booth.pk}/queue/")
    expect(desk.locator("#console-line > li")).to_have_count(1)
    desk.locator("#queue-call-next").click()
    anna.locator("#queue-call-accept").click()
    anna.wait_for_url(re.compile(r"/interviews/\d+/$"))
    desk.wait_for_url(anna.url)  # the caller's console follows on its own


def test_a_missed_call_closes_the_dialog_and_says_what_happened(
    phone, daphne, booth, people, in_server_process
):
    anna = phone(people["anna"])
    join(anna, f"{daphne.url}/booths/{booth.pk}/", "1")
    anna.goto(f"{daphne.url}/fairs/{booth.fair_id}/")  # the call reaches any page of the fair
    desk = phone(people["recruiter"])
    desk.goto(f"{daphne.url}/staff/booths/{booth.pk}/queue/")
    expect(desk.locator("#console-line > li")).to_have_count(1)
    desk.locator("#queue-call-next").click()
    dialog = anna.locator("#queue-call-dialog")
    expect(dialog).to_be_visible()
    assert axe_violations(anna) == []

    # What beat does every 10 s, with the clock past the answer time.
    expire = "from datetime import timedelta; from django.utils import timezone; "
    expire += "from rooms.queues import queue_expire_calls as e; "
    expire += "e(now=timezone.now() + timedelta(hours=1))"
    in_server_process(expire)
    expect(dialog).to_be_hidden()
    expect(anna.locator("#queue-notices")).to_contain_text("You did not answer Vesuvio Cloud")
    expect(anna.locator("#queue-notices")).to_contain_text("still in line")

    anna.reload()  # a pending call shows again after a reload (queue.mine)
    desk.locator("#queue-call-next").click()
    expect(dialog).to_be_visible()
    anna.reload()
    expect(dialog).to_be_visible()
    in_server_process(expire)
    expect(dialog).to_be_hidden()
    expect(anna.locator("#queue-notices")).to_contain_text("so you left their line")


def test_a_call_at_one_booth_keeps_the_place_at_another(phone, daphne, booth, people):
    other = factories.booth(fair_=booth.fair, employer_=factories.employer("Partenope Digital"))
    other_recruiter = factories.member(other.employer.organisation, Membership.Role.RECRUITER)
    anna = phone(people["anna"])
    join(anna, f"{daphne.url}/booths/{booth.pk}/", "1")
    join(anna, f"{daphne.url}/booths/{other.pk}/", "1")

    desk = phone(people["recruiter"])
    desk.goto(f"{daphne.url}/staff/booths/{booth.pk}/queue/")
    desk.locator("#queue-call-next").click()
    expect(anna.locator("#queue-call-dialog")).to_contain_text("Vesuvio Cloud S.r.l.")
    expect(anna.locator("#queue-busy")).to_be_visible()  # on the other booth's page
    expect(anna.locator("#queue-position")).to_have_attribute("data-position", "1")

    other_desk = phone(other_recruiter)
    other_desk.goto(f"{daphne.url}/staff/booths/{other.pk}/queue/")
    row = other_desk.locator("#console-line > li")
    expect(row).to_contain_text("Busy at another booth")
    assert axe_violations(other_desk) == []
