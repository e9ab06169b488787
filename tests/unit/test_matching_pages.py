"""Issue #6 items 4 and 5 with the database: fair series, proposals, recruiters' pre-selection
and the invite, candidates' ranked and searchable list of a fair's vacancies."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership, Organisation, User
from accounts.services import candidate_register
from candidates.match_features import match_features_refresh
from candidates.match_selectors import fair_vacancies_for, preselection
from candidates.models import CandidateProfile, ConsentRecord
from employers.models import SectorSection, Vacancy
from fairplatform.celery import app
from fairplatform.errors import DomainError, Forbidden, NotFound
from rooms.agenda import booking_create, invitation_create, slots_publish, waitlist_join
from rooms.models import Booth, DismissedProposal, Fair, FairSeries, Invitation
from rooms.proposals import (
    fair_proposals,
    proposals_approve,
    proposals_dismiss,
    proposals_restore,
)
from rooms.series import nth_weekday, series_dates, series_extend, series_save
from rooms.services import booth_answer, booth_create
from tests import factories
from tests.conftest import client_for
from tests.unit.test_staff_area import fair_form

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def register(name: str, *, shares: bool = True, nuts: str = "", languages=None) -> User:
    person = candidate_register(
        full_name=name,
        password=factories.PASSWORD,
        email=f"{name.split(maxsplit=1)[0].lower()}@example.org",
        phone=None,
        preferred_language="en",
        share_with_employers=shares,
    )
    profile = person.candidate_profile
    profile.nuts = nuts
    profile.languages = languages or []
    profile.save()
    match_features_refresh(profile=profile)
    return person


def open_vacancy(owner, **fields) -> Vacancy:
    vacancy = factories.vacancy(owner)
    for name, value in fields.items():
        setattr(vacancy, name, value)
    vacancy.save()
    return vacancy


# --- series ---------------------------------------------------------------------------------


def series(cpi: Organisation, **fields) -> FairSeries:
    values = {
        "title": "ICT Campania",
        "organiser": cpi,
        "region": "Campania",
        "rule": FairSeries.Rule.MONTHLY,
        "weekday": 1,
        "nth": 1,
        "starts_on": date(2026, 1, 1),
        "start_time": time(10, 0),
        "duration_minutes": 240,
        "ahead": 3,
        **fields,
    }
    created = FairSeries.objects.create(**values)
    created.sectors.set([factories.sector("K")])
    return created


def test_nth_weekday_of_a_month():
    assert nth_weekday(2026, 3, 1, 1) == date(2026, 3, 3)  # first Tuesday
    assert nth_weekday(2026, 3, 1, -1) == date(2026, 3, 31)  # last Tuesday
    assert nth_weekday(2026, 2, 0, 4) == date(2026, 2, 23)
    assert nth_weekday(2026, 2, 0, 5) is None


def test_series_dates_monthly_and_every_n_weeks(cpi):
    monthly = series(cpi)
    assert series_dates(monthly, after=date(2026, 3, 4), count=3) == [
        date(2026, 4, 7),
        date(2026, 5, 5),
        date(2026, 6, 2),
    ]
    fortnightly = series(cpi, rule=FairSeries.Rule.WEEKLY, weekday=3, every_weeks=2)
    # Thursdays every two weeks from the first Thursday on or after 1 January 2026 (the 1st).
    assert series_dates(fortnightly, after=date(2026, 1, 10), count=2) == [
        date(2026, 1, 15),
        date(2026, 1, 29),
    ]


def test_series_creates_its_next_fairs_once_as_drafts(cpi):
    monthly = series(cpi)
    now = datetime(2026, 3, 4, 9, 0, tzinfo=ROME)
    created = series_extend(series_id=monthly.pk, now=now)
    assert [f.series_date for f in created] == [
        date(2026, 4, 7),
        date(2026, 5, 5),
        date(2026, 6, 2),
    ]
    first = created[0]
    assert first.status == Fair.Status.DRAFT
    assert first.starts_at == datetime(2026, 4, 7, 10, 0, tzinfo=ROME)
    assert first.ends_at - first.starts_at == timedelta(hours=4)
    assert [s.code for s in first.sectors.all()] == ["K"]
    assert series_extend(series_id=monthly.pk, now=now) == []
    later = series_extend(series_id=monthly.pk, now=datetime(2026, 4, 8, tzinfo=ROME))
    assert [f.series_date for f in later] == [date(2026, 7, 7)]
    assert monthly.fairs.count() == 4


def test_a_changed_rule_removes_the_untouched_drafts_it_no_longer_gives(cpi, organiser):
    monthly = series(cpi)  # first Tuesdays
    now = datetime(2026, 3, 4, 9, 0, tzinfo=ROME)
    first, second, third = series_extend(series_id=monthly.pk, now=now)
    factories.booth(fair_=second)
    DismissedProposal.objects.create(fair=third, vacancy=factories.vacancy(factories.employer()))
    monthly.weekday = 2  # first Wednesdays from now on

    with pytest.raises(ValidationError, match="not the ones confirmed"):
        series_save(actor=organiser, series=monthly, sectors=[factories.sector("K")], now=now)
    assert Fair.objects.filter(pk=first.pk).exists()

    saved = series_save(
        actor=organiser,
        series=monthly,
        sectors=[factories.sector("K")],
        removal_confirmed=[first.pk],
        now=now,
    )

    assert saved.removed == 1
    assert [fair.pk for fair in saved.kept_off_schedule] == [second.pk, third.pk]
    assert list(monthly.fairs.order_by("series_date").values_list("series_date", flat=True)) == [
        date(2026, 3, 4),  # today, a first Wednesday, at 10:00: still ahead
        date(2026, 4, 1),
        date(2026, 5, 5),  # the kept Tuesday, with its booth
        date(2026, 5, 6),
        date(2026, 6, 2),  # the kept Tuesday whose proposals were reviewed
    ]
    assert not Fair.objects.filter(pk=first.pk).exists()


def test_work_added_to_a_draft_a_series_removed_meanwhile_is_refused_with_a_message(cpi, organiser):
    monthly = series(cpi)
    draft, *_later = series_extend(series_id=monthly.pk, now=datetime(2026, 3, 4, tzinfo=ROME))
    Fair.objects.filter(pk=draft.pk).delete()  # what the series did while the page was open

    with pytest.raises(NotFound, match="This fair no longer exists"):
        booth_create(actor=organiser, fair=draft, employer=factories.employer())
    with pytest.raises(NotFound, match="This fair no longer exists"):
        proposals_dismiss(actor=organiser, fair=draft, vacancy_ids=[])
    assert not Booth.objects.exists()


def test_the_series_page_says_what_a_changed_rule_removed_and_kept(cpi, organiser):
    # Its first fair weeks ahead: whatever the time of day, the next three dates are all ahead.
    monthly = series(cpi, starts_on=timezone.localdate() + timedelta(days=40))
    first, second, _third = series_extend(series_id=monthly.pk)
    factories.booth(fair_=second)
    data = {
        "title": monthly.title,
        "organiser": cpi.pk,
        "sectors": [factories.sector("K").pk],
        "region": "Campania",
        "nuts_text": "",
        "occupations_text": "",
        "rule": "monthly",
        "weekday": (monthly.weekday + 1) % 7,
        "nth": 1,
        "every_weeks": 1,
        "starts_on": monthly.starts_on.isoformat(),
        "start_time": "10:00",
        "duration_minutes": 240,
        "timezone": "Europe/Rome",
        "languages": ["it"],
        "ahead": 3,
        "active": "on",
    }

    client = client_for(organiser)
    url = f"/staff/fair-series/{monthly.pk}/"

    asked = client.post(url, data).content.decode()  # nothing is removed before a yes

    assert "Saving removes these 2 draft fairs, which the new rule no longer gives:" in asked
    assert f"<li>{first.title}, " in asked
    assert second.title not in asked  # it has a booth: kept, not listed
    untouched = monthly.fairs.exclude(pk=second.pk).order_by("starts_at")
    removal = ",".join(str(pk) for pk in untouched.values_list("pk", flat=True))
    assert f'name="confirm_removal" value="{removal}"' in asked
    assert Fair.objects.filter(pk=first.pk).exists()
    assert monthly.fairs.count() == 3
    # A confirmation of other drafts (another rule's, or before the series changed) asks again.
    again = client.post(url, {**data, "confirm_removal": str(first.pk)})
    assert "Saving removes" in again.content.decode()
    assert monthly.fairs.count() == 3

    response = client.post(url, {**data, "confirm_removal": removal}, follow=True)

    page = response.content.decode()
    assert "2 draft fairs the new rule no longer gives were removed." in page
    assert f"so it was kept: {second.title}" in page
    assert not Fair.objects.filter(pk=first.pk).exists()


def test_the_series_form_fills_its_date_and_time_pickers_in_italian_too(cpi, organiser):
    monthly = series(cpi)
    with translation.override("it"):
        url = reverse("staff:series_edit", args=[monthly.pk])
        page = client_for(organiser).get(url).content.decode()
    # The browser's pickers read ISO only: "01/12/2026" would show as an empty field.
    assert f'value="{monthly.starts_on.isoformat()}"' in page
    assert f'value="{monthly.start_time:%H:%M}"' in page


def test_beat_extends_the_series_every_day(cpi):
    from rooms import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["fair-series-extend"]
    assert entry["task"] == "rooms.tasks.fair_series_extend"
    assert entry["task"] in app.tasks
    series(cpi)
    assert tasks.fair_series_extend.run(now="2026-03-04T09:00:00+01:00") == 3
    assert tasks.fair_series_extend.run(now="2026-03-04T09:00:00+01:00") == 0


def test_organiser_creates_a_series_on_its_page(cpi, organiser):
    client = client_for(organiser)
    response = client.post(
        "/staff/fair-series/new/",
        {
            "title": "ICT Campania",
            "organiser": cpi.pk,
            "sectors": [factories.sector("K").pk],
            "region": "Campania",
            "nuts_text": "itf3",
            "occupations_text": "25",
            "rule": "monthly",
            "weekday": 1,
            "nth": 1,
            "every_weeks": 1,
            "starts_on": "2026-01-01",
            "start_time": "10:00",
            "duration_minutes": 240,
            "timezone": "Europe/Rome",
            "languages": ["it"],
            "ahead": 2,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    made = FairSeries.objects.get()
    assert made.nuts_codes == ["ITF3"] and made.occupation_filter == ["25"]
    assert made.fairs.count() == 2
    assert "ICT Campania" in client.get("/staff/fair-series/").content.decode()


def test_another_offices_organiser_cannot_open_or_change_a_series(cpi):
    made = series(cpi)
    stranger = factories.member(factories.organisation(), Membership.Role.ORGANISER)
    client = client_for(stranger)
    assert client.get(f"/staff/fair-series/{made.pk}/").status_code == 404
    response = client.post(f"/staff/fair-series/{made.pk}/", {"title": "Mine now"})
    assert response.status_code == 404
    made.refresh_from_db()
    assert made.title != "Mine now"


def test_a_recruiter_cannot_open_series_pages():
    recruiter = factories.member(factories.employer().organisation, Membership.Role.RECRUITER)
    assert client_for(recruiter).get("/staff/fair-series/new/").status_code == 404


# --- proposals ------------------------------------------------------------------------------


def test_a_fair_proposes_vacancies_of_its_sector_region_and_occupations(cpi, organiser):
    fair = factories.fair(organiser=cpi, status=Fair.Status.DRAFT, occupation_filter=["25"])
    acme, other = factories.employer("Acme"), factories.employer("Other")
    wanted = open_vacancy(acme, nuts3="ITF33")
    # ATECO 2007 section J, division 62: K in ATECO 2025, the fair's sector.
    old_code = open_vacancy(
        other, nuts3="ITF35", sector=factories.sector("J"), sector_ateco="62.01.00"
    )
    open_vacancy(acme, nuts3="ITC45")  # Lombardy
    open_vacancy(acme, nuts3="ITF33", occupation_isco="7112")  # not the occupations asked
    open_vacancy(acme, nuts3="ITF33", sector=factories.sector("C"))  # manufacturing
    imported = open_vacancy(acme, nuts3="ITF33")
    imported.employer, imported.employer_name = None, "Senza Account srl"
    imported.save()

    proposals = fair_proposals(actor=organiser, fair=fair)
    assert [(p.name, [v.pk for v in p.vacancies]) for p in proposals] == [
        ("Acme", [wanted.pk]),
        ("Other", [old_code.pk]),
        ("Senza Account srl", [imported.pk]),
    ]

    booths = proposals_approve(actor=organiser, fair=fair, vacancy_ids=[wanted.pk])
    assert list(booths[0].vacancies.all()) == [wanted]
    assert [p.name for p in fair_proposals(actor=organiser, fair=fair)] == [
        "Other",
        "Senza Account srl",
    ]
    response = client_for(organiser).post(
        f"/staff/fairs/{fair.pk}/proposals/approve/", {"vacancy": [imported.pk, "²"]}
    )
    assert response.status_code == 302
    page = client_for(organiser).get(f"/staff/fairs/{fair.pk}/proposals/").content.decode()
    assert "add the employer first" in page
    assert fair.booths.count() == 1


def test_organisers_set_a_single_fairs_regions_and_occupations_and_the_proposals_follow(
    cpi, organiser
):
    fair = factories.fair(organiser=cpi, status=Fair.Status.DRAFT)
    acme = factories.employer("Acme")
    napoli = open_vacancy(acme, title="Sviluppatore Napoli", nuts3="ITF33")
    open_vacancy(acme, title="Sviluppatore Salerno", nuts3="ITF35")
    open_vacancy(acme, title="Saldatore Napoli", nuts3="ITF33", occupation_isco="7212")
    client = client_for(organiser)
    edit = f"/staff/fairs/{fair.pk}/edit/"
    assert 'value="ITF33"' not in client.get(edit).content.decode()

    form = fair_form(cpi, nuts_text="itf33", occupations_text="25; 2512")
    assert client.post(edit, form).status_code == 302

    fair.refresh_from_db()
    assert (fair.nuts_codes, fair.occupation_filter) == (["ITF33"], ["25", "2512"])
    assert 'value="ITF33"' in client.get(edit).content.decode()
    proposals = fair_proposals(actor=organiser, fair=fair)
    assert [[v.pk for v in p.vacancies] for p in proposals] == [[napoli.pk]]
    page = client.get(f"/staff/fairs/{fair.pk}/proposals/").content.decode()
    assert "in ITF33" in page and "for occupations 25, 2512 (ISCO-08)" in page

    bad = client.post(edit, fair_form(cpi, nuts_text="ITF3 3, ITF-1"))
    assert bad.status_code == 400
    assert "Give codes separated by commas" in bad.content.decode()
    fair.refresh_from_db()
    assert fair.nuts_codes == ["ITF33"]


def test_only_the_fairs_organisers_change_its_filters(cpi):
    fair = factories.fair(organiser=cpi)
    other_organiser = factories.member(factories.organisation(), Membership.Role.ORGANISER)
    recruiter = factories.member(factories.employer().organisation, Membership.Role.RECRUITER)
    form = fair_form(cpi, nuts_text="ITC4")

    assert (
        client_for(other_organiser).post(f"/staff/fairs/{fair.pk}/edit/", form).status_code == 404
    )
    assert client_for(recruiter).post(f"/staff/fairs/{fair.pk}/edit/", form).status_code == 404
    fair.refresh_from_db()
    assert fair.nuts_codes == []


def test_organisers_dismiss_proposals_after_confirming_and_they_are_not_proposed_again(
    cpi, organiser
):
    fair = factories.fair(organiser=cpi, status=Fair.Status.DRAFT)
    acme = factories.employer("Acme")
    kept = open_vacancy(acme, title="Sviluppatore", nuts3="ITF33")
    dropped = open_vacancy(acme, title="Sistemista", nuts3="ITF33")
    client = client_for(organiser)
    dismiss = f"/staff/fairs/{fair.pk}/proposals/dismiss/"
    assert (
        f'formaction="{dismiss}"'
        in client.get(f"/staff/fairs/{fair.pk}/proposals/").content.decode()
    )

    asked = client.post(dismiss, {"vacancy": [dropped.pk]})

    assert asked.status_code == 200
    assert "Dismiss these proposals?" in asked.content.decode()
    assert not DismissedProposal.objects.exists()  # only asked

    done = client.post(dismiss, {"vacancy": [dropped.pk], "confirm": "yes"}, follow=True)

    assert "1 vacancy dismissed" in done.content.decode()
    assert DismissedProposal.objects.get().dismissed_by == organiser
    assert [[v.pk for v in p.vacancies] for p in fair_proposals(actor=organiser, fair=fair)] == [
        [kept.pk]
    ]
    refused = client.post(
        f"/staff/fairs/{fair.pk}/proposals/approve/", {"vacancy": [dropped.pk]}, follow=True
    )
    assert "not (or no longer) proposed" in refused.content.decode()
    again = client.post(dismiss, {"vacancy": [dropped.pk], "confirm": "yes"}, follow=True)
    assert "not (or no longer) proposed" in again.content.decode()
    assert DismissedProposal.objects.count() == 1
    # Another fair still proposes it.
    other = factories.fair(organiser=cpi, status=Fair.Status.DRAFT)
    assert dropped.pk in [
        v.pk for p in fair_proposals(actor=organiser, fair=other) for v in p.vacancies
    ]


def test_only_the_fairs_organisers_approve_its_proposals(cpi):
    fair = factories.fair(organiser=cpi)
    acme = factories.employer("Acme")
    vacancy = open_vacancy(acme, nuts3="ITF33")
    stranger = factories.member(factories.organisation(), Membership.Role.ORGANISER)
    recruiter = factories.member(acme.organisation, Membership.Role.RECRUITER)
    for person in (stranger, recruiter):
        response = client_for(person).post(
            f"/staff/fairs/{fair.pk}/proposals/approve/", {"vacancy": [vacancy.pk]}
        )
        assert response.status_code == 404
    assert not fair.booths.exists()
    with pytest.raises(Forbidden):
        proposals_approve(actor=stranger, fair=fair, vacancy_ids=[vacancy.pk])


def test_only_the_fairs_organisers_dismiss_its_proposals(cpi):
    fair = factories.fair(organiser=cpi)
    acme = factories.employer("Acme")
    vacancy = open_vacancy(acme, nuts3="ITF33")
    stranger = factories.member(factories.organisation(), Membership.Role.ORGANISER)
    recruiter = factories.member(acme.organisation, Membership.Role.RECRUITER)
    for person in (stranger, recruiter):
        response = client_for(person).post(
            f"/staff/fairs/{fair.pk}/proposals/dismiss/",
            {"vacancy": [vacancy.pk], "confirm": "yes"},
        )
        assert response.status_code == 404
    assert not DismissedProposal.objects.exists()
    with pytest.raises(Forbidden):
        proposals_dismiss(actor=stranger, fair=fair, vacancy_ids=[vacancy.pk])


def test_a_dismissed_proposal_can_be_proposed_again(cpi, organiser):
    fair = factories.fair(organiser=cpi, status=Fair.Status.DRAFT)
    dropped = open_vacancy(factories.employer("Acme"), title="Sistemista", nuts3="ITF33")
    client = client_for(organiser)
    client.post(
        f"/staff/fairs/{fair.pk}/proposals/dismiss/", {"vacancy": [dropped.pk], "confirm": "yes"}
    )
    page = client.get(f"/staff/fairs/{fair.pk}/proposals/").content.decode()
    assert "Dismissed for this fair" in page
    assert "every matching vacancy is already at a booth or dismissed" in page
    restore = f"/staff/fairs/{fair.pk}/proposals/restore/"
    assert f'action="{restore}"' in page

    done = client.post(restore, {"vacancy": [dropped.pk]}, follow=True)

    assert "1 vacancy is proposed for this fair again" in done.content.decode()
    assert not DismissedProposal.objects.exists()
    assert [v.pk for p in fair_proposals(actor=organiser, fair=fair) for v in p.vacancies] == [
        dropped.pk
    ]
    assert "Dismissed for this fair" not in done.content.decode()
    twice = client.post(restore, {"vacancy": [dropped.pk]}, follow=True)
    assert "not dismissed for this fair" in twice.content.decode()


def test_only_the_fairs_organisers_propose_a_dismissed_vacancy_again(cpi, organiser):
    fair = factories.fair(organiser=cpi)
    acme = factories.employer("Acme")
    vacancy = open_vacancy(acme, nuts3="ITF33")
    proposals_dismiss(actor=organiser, fair=fair, vacancy_ids=[vacancy.pk])
    stranger = factories.member(factories.organisation(), Membership.Role.ORGANISER)
    recruiter = factories.member(acme.organisation, Membership.Role.RECRUITER)
    for person in (stranger, recruiter):
        response = client_for(person).post(
            f"/staff/fairs/{fair.pk}/proposals/restore/", {"vacancy": [vacancy.pk]}
        )
        assert response.status_code == 404
    assert DismissedProposal.objects.count() == 1
    with pytest.raises(Forbidden):
        proposals_restore(actor=stranger, fair=fair, vacancy_ids=[vacancy.pk])


def test_an_approved_booth_waits_for_its_employer_before_candidates_see_it(cpi, organiser):
    fair = factories.fair(organiser=cpi)
    acme = factories.employer("Acme")
    vacancy = open_vacancy(acme, title="Sviluppatore", nuts3="ITF33")
    approved = client_for(organiser).post(
        f"/staff/fairs/{fair.pk}/proposals/approve/", {"vacancy": [vacancy.pk]}, follow=True
    )
    assert "Acme must confirm taking part" in approved.content.decode()
    booth = fair.booths.get()
    assert booth.participation == Booth.Participation.INVITED
    assert (
        "Awaiting the employer"
        in client_for(organiser).get(f"/staff/fairs/{fair.pk}/").content.decode()
    )

    anna = register("Anna")
    visitor = client_for(anna)
    assert "Acme" not in visitor.get(f"/fairs/{fair.pk}/").content.decode()
    assert visitor.get(f"/booths/{booth.pk}/").status_code == 404
    assert fair_vacancies_for(fair=fair, profile=anna.candidate_profile) == []
    with pytest.raises(NotFound):
        waitlist_join(actor=anna, booth_id=booth.pk)
    recruiter = factories.member(acme.organisation, Membership.Role.RECRUITER)
    start = fair.starts_at + timedelta(hours=1)
    slot = slots_publish(  # its people may prepare the booth's agenda meanwhile
        actor=recruiter,
        fair_id=fair.pk,
        booth_id=booth.pk,
        starts_at=start,
        ends_at=start + timedelta(minutes=20),
        length_minutes=20,
    )[0]
    with pytest.raises(Forbidden):
        booking_create(actor=anna, slot_id=slot.pk)
    with pytest.raises(DomainError, match="once the employer has confirmed"):
        invitation_create(
            actor=recruiter, booth_id=booth.pk, candidate=anna, expires_at=fair.ends_at
        )

    desk = client_for(recruiter)
    dashboard = desk.get("/staff/").content.decode()
    assert "Invitations to fairs" in dashboard
    assert f'action="/staff/booths/{booth.pk}/participation/confirm/"' in dashboard
    confirmed = desk.post(f"/staff/booths/{booth.pk}/participation/confirm/", follow=True)

    assert "candidates now see its booth" in confirmed.content.decode()
    assert "Invitations to fairs" not in confirmed.content.decode()
    booth.refresh_from_db()
    assert (booth.participation, booth.participation_answered_by) == (
        Booth.Participation.CONFIRMED,
        recruiter,
    )
    assert "Acme" in visitor.get(f"/fairs/{fair.pk}/").content.decode()
    assert visitor.get(f"/booths/{booth.pk}/").status_code == 200
    assert [m.vacancy for m in fair_vacancies_for(fair=fair, profile=anna.candidate_profile)] == [
        vacancy
    ]
    again = desk.post(f"/staff/booths/{booth.pk}/participation/decline/", {"confirm": "yes"})
    assert again.status_code == 302
    booth.refresh_from_db()
    assert booth.participation == Booth.Participation.CONFIRMED  # answered once


def test_an_employer_declines_after_confirming_and_a_new_approval_asks_again(cpi, organiser):
    fair = factories.fair(organiser=cpi)
    acme = factories.employer("Acme")
    first, second = (open_vacancy(acme, title=t, nuts3="ITF33") for t in ("Uno", "Due"))
    proposals_approve(actor=organiser, fair=fair, vacancy_ids=[first.pk])
    booth = fair.booths.get()
    admin = factories.member(acme.organisation, Membership.Role.EMPLOYER_ADMIN)
    decline = f"/staff/booths/{booth.pk}/participation/decline/"

    asked = client_for(admin).post(decline)
    assert asked.status_code == 200
    assert "Yes, decline" in asked.content.decode()
    booth.refresh_from_db()
    assert booth.participation == Booth.Participation.INVITED  # only asked
    done = client_for(admin).post(decline, {"confirm": "yes"}, follow=True)
    assert "does not take part" in done.content.decode()
    booth.refresh_from_db()
    assert booth.participation == Booth.Participation.DECLINED
    assert (
        "Declined by the employer"
        in client_for(organiser).get(f"/staff/fairs/{fair.pk}/").content.decode()
    )

    proposals_approve(actor=organiser, fair=fair, vacancy_ids=[second.pk])
    booth.refresh_from_db()
    assert (booth.participation, booth.participation_answered_by) == (
        Booth.Participation.INVITED,
        None,
    )
    assert set(booth.vacancies.all()) == {first, second}


def test_only_the_employers_people_answer_for_its_booth(cpi, organiser):
    fair = factories.fair(organiser=cpi)
    acme = factories.employer("Acme")
    vacancy = open_vacancy(acme, nuts3="ITF33")
    proposals_approve(actor=organiser, fair=fair, vacancy_ids=[vacancy.pk])
    booth = fair.booths.get()
    stranger = factories.member(factories.employer("Other").organisation, Membership.Role.RECRUITER)
    for person in (organiser, stranger):
        for answer in ("confirm", "decline"):
            response = client_for(person).post(
                f"/staff/booths/{booth.pk}/participation/{answer}/", {"confirm": "yes"}
            )
            assert response.status_code == 404, (person, answer)
    candidate = register("Anna")
    assert client_for(candidate).post(
        f"/staff/booths/{booth.pk}/participation/confirm/"
    ).status_code in (302, 403)
    with pytest.raises(Forbidden):
        booth_answer(actor=organiser, booth=booth, confirm=True)
    booth.refresh_from_db()
    assert booth.participation == Booth.Participation.INVITED


def test_an_empty_proposals_page_says_why(cpi, organiser):
    fair = factories.fair(organiser=cpi)
    page = client_for(organiser).get(f"/staff/fairs/{fair.pk}/proposals/").content.decode()
    assert "No open vacancy matches this fair" in page
    vacancy = open_vacancy(factories.employer("Acme"), nuts3="ITF33")
    proposals_approve(actor=organiser, fair=fair, vacancy_ids=[vacancy.pk])
    page = client_for(organiser).get(f"/staff/fairs/{fair.pk}/proposals/").content.decode()
    assert "every matching vacancy is already at a booth." in page


def test_proposals_are_for_the_fairs_organisers_only(cpi):
    fair = factories.fair(organiser=cpi)
    stranger = factories.member(factories.organisation(), Membership.Role.ORGANISER)
    assert client_for(stranger).get(f"/staff/fairs/{fair.pk}/proposals/").status_code == 404


# --- pre-selection and invite ---------------------------------------------------------------


@pytest.fixture
def acme_vacancy() -> Vacancy:
    return open_vacancy(
        factories.employer("Acme"),
        nuts3="ITF33",
        languages=[{"iso639_1": "en", "read": "B2", "write": "B2", "speak": "B2"}],
    )


def recruiter_of(vacancy: Vacancy) -> User:
    assert vacancy.employer is not None
    return factories.member(vacancy.employer.organisation, Membership.Role.RECRUITER)


def test_preselection_ranks_sharing_candidates_and_filters(acme_vacancy):
    register("Anna Near", nuts="ITF33", languages=[{"code": "en", "level": "C1"}])
    register("Bruno Far", nuts="ITC45", languages=[{"code": "en", "level": "B1"}])
    register("Carla Hidden", shares=False, nuts="ITF33", languages=[{"code": "en", "level": "C2"}])
    register("Dario German", nuts="ITF35", languages=[{"code": "de", "level": "C2"}])
    client = client_for(recruiter_of(acme_vacancy))
    url = f"/staff/vacancies/{acme_vacancy.pk}/candidates/"

    page = client.get(url).content.decode()
    assert page.index("Anna Near") < page.index("Bruno Far") < page.index("Dario German")
    assert "Carla Hidden" not in page  # did not agree to be shown to employers
    assert "Validated by CPI on" not in page  # nobody's CV is validated here
    # No occupation codes on anyone's CV here: 0 of 35, English 15 of 15, province 15 of 15.
    assert "Match 46 / 100" in page
    assert "English: B2 needed, the CV says B1 (1 level below)." in page
    filtered = client.get(url, {"min_score": 40}).content.decode()
    assert "Anna Near" in filtered and "Dario German" not in filtered
    assert "Bruno Far" not in client.get(url, {"place": "region"}).content.decode()
    by_language = client.get(url, {"language": "de"}).content.decode()
    assert "Dario German" in by_language and "Anna Near" not in by_language
    by_name = client.get(url, {"sort": "name"}).content.decode()
    assert by_name.index("Anna Near") < by_name.index("Bruno Far") < by_name.index("Dario German")


def test_preselection_pages_through_everyone_by_score_or_by_name(acme_vacancy):
    register("Zeno Best", nuts="ITF33", languages=[{"code": "en", "level": "C1"}])
    register("Mara Middle", nuts="ITF33", languages=[{"code": "en", "level": "B1"}])
    register("Aldo Last", nuts="ITC45", languages=[{"code": "de", "level": "C2"}])

    def names(result):
        return [row.profile.user.full_name for row in result.rows]

    best_first = preselection(vacancy=acme_vacancy, per_page=2)
    assert names(best_first) == ["Zeno Best", "Mara Middle"]
    assert best_first.page.has_next()
    assert names(preselection(vacancy=acme_vacancy, per_page=2, page=2)) == ["Aldo Last"]
    # By name over everyone who matches, not only over the best page.
    by_name = preselection(vacancy=acme_vacancy, sort="name", per_page=2)
    assert names(by_name) == ["Aldo Last", "Mara Middle"]
    assert (by_name.matching, by_name.page.paginator.num_pages) == (3, 2)


def test_a_refused_preselection_filter_answers_400_with_its_error(acme_vacancy):
    client = client_for(recruiter_of(acme_vacancy))
    url = f"/staff/vacancies/{acme_vacancy.pk}/candidates/"

    response = client.get(url, {"min_score": 500})

    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 100." in response.content.decode()


def test_preselection_is_404_for_another_employers_recruiter(acme_vacancy):
    stranger = factories.member(factories.employer().organisation, Membership.Role.RECRUITER)
    candidate = factories.user()
    assert (
        client_for(stranger).get(f"/staff/vacancies/{acme_vacancy.pk}/candidates/").status_code
        == 404
    )
    response = client_for(stranger).post(
        f"/staff/vacancies/{acme_vacancy.pk}/candidates/invite/", {"candidate": candidate.pk}
    )
    assert response.status_code == 404


def test_organisers_may_preselect(acme_vacancy, organiser):
    assert (
        client_for(organiser).get(f"/staff/vacancies/{acme_vacancy.pk}/candidates/").status_code
        == 200
    )


def test_invite_creates_an_invitation_at_the_vacancys_booth(acme_vacancy):
    anna = register("Anna Near", nuts="ITF33")
    hidden = register("Carla Hidden", shares=False)
    assert acme_vacancy.employer is not None
    booth = factories.booth(employer_=acme_vacancy.employer)
    booth.vacancies.add(acme_vacancy)
    client = client_for(recruiter_of(acme_vacancy))
    url = f"/staff/vacancies/{acme_vacancy.pk}/candidates/invite/"

    response = client.post(
        url, {"candidate": anna.pk, "booth": booth.pk, "filters": "min_score=10"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(
        f"/staff/vacancies/{acme_vacancy.pk}/candidates/?min_score=10"
    )
    invitation = Invitation.objects.get()
    assert (invitation.candidate, invitation.booth, invitation.vacancy) == (
        anna,
        booth,
        acme_vacancy,
    )
    assert invitation.expires_at == booth.fair.ends_at
    assert (
        "Invited" in client.get(f"/staff/vacancies/{acme_vacancy.pk}/candidates/").content.decode()
    )
    # Someone who does not share their profile cannot be invited by guessing their id.
    assert client.post(url, {"candidate": hidden.pk, "booth": booth.pk}).status_code == 404
    # Digits of other scripts pass str.isdigit but not int(); ids past a bigint name nobody.
    for bad_id in ("²", "٣", str(2**64), "9" * 5000):
        assert client.post(url, {"candidate": bad_id, "booth": booth.pk}).status_code == 404
    assert Invitation.objects.count() == 1


def test_invite_without_a_booth_says_what_to_do(acme_vacancy):
    anna = register("Anna Near")
    client = client_for(recruiter_of(acme_vacancy))
    response = client.post(
        f"/staff/vacancies/{acme_vacancy.pk}/candidates/invite/",
        {"candidate": anna.pk},
        follow=True,
    )
    assert "show this vacancy at a booth of an upcoming fair" in response.content.decode().lower()
    assert not Invitation.objects.exists()


# --- the candidate's ranked list and search ------------------------------------------------


def test_candidate_sees_the_fairs_vacancies_ranked_with_what_is_missing():
    fair = factories.fair()
    acme = factories.employer("Acme")
    booth = factories.booth(fair_=fair, employer_=acme)
    near = open_vacancy(acme, title="Sviluppatore Napoli", nuts3="ITF33")
    far = open_vacancy(acme, title="Sviluppatore Milano", nuts3="ITC45", licences=["C"])
    open_vacancy(acme, title="Not at the fair", nuts3="ITF33")
    booth.vacancies.set([near, far])
    anna = register("Anna Near", nuts="ITF33")

    page = client_for(anna).get(f"/fairs/{fair.pk}/vacancies/").content.decode()
    assert page.index("Sviluppatore Napoli") < page.index("Sviluppatore Milano")
    assert "Not at the fair" not in page
    assert "Driving licence needed: C." in page
    assert "The job is in another region." in page
    assert "What you are missing:" in page

    found = client_for(anna).get(f"/fairs/{fair.pk}/vacancies/", {"q": "milano"}).content.decode()
    assert "Sviluppatore Milano" in found and "Sviluppatore Napoli" not in found
    by_place = (
        client_for(anna).get(f"/fairs/{fair.pk}/vacancies/", {"place": "ITF3"}).content.decode()
    )
    assert "Sviluppatore Napoli" in by_place and "Sviluppatore Milano" not in by_place
    other_sector = factories.sector("C").pk
    assert (
        "1 vacancy"
        not in client_for(anna)
        .get(f"/fairs/{fair.pk}/vacancies/", {"sector": factories.sector("K").pk})
        .content.decode()
    )
    refused = client_for(anna).get(f"/fairs/{fair.pk}/vacancies/", {"sector": other_sector})
    assert refused.status_code == 400  # not one of the fair's sectors
    assert "Select a valid choice" in refused.content.decode()


def test_an_anonymous_vacancy_is_not_found_by_its_employers_name():
    fair = factories.fair()
    acme = factories.employer("Acme")
    hidden = open_vacancy(acme, title="Magazziniere", employer_visible=False)
    factories.booth(fair_=fair, employer_=acme).vacancies.add(hidden)
    assert client_for_anonymous(f"/fairs/{fair.pk}/vacancies/?q=magazziniere").count("Magazziniere")
    assert "Magazziniere" not in client_for_anonymous(f"/fairs/{fair.pk}/vacancies/?q=acme")


def test_a_fair_without_vacancies_says_so_and_a_bad_place_is_refused_with_a_message():
    fair = factories.fair()
    page = client_for_anonymous(f"/fairs/{fair.pk}/vacancies/")
    assert "This fair shows no vacancies yet" in page and "Try fewer words" not in page
    assert "Try fewer words" in client_for_anonymous(f"/fairs/{fair.pk}/vacancies/?q=nulla")

    anna = register("Anna", nuts="ITF3")
    refused = client_for(anna).post(f"/fairs/{fair.pk}/where-i-live/", {"nuts": "XX99"})
    assert refused.status_code == 400
    page = refused.content.decode()
    # The error is read out with the field: named by its aria-describedby.
    assert 'aria-describedby="id_nuts_helptext id_nuts_error"' in page
    assert '<div id="id_nuts_error"' in page and "Select a valid choice" in page
    assert CandidateProfile.objects.get(user=anna).nuts == "ITF3"


def test_visitors_search_without_scores_and_candidates_set_where_they_live():
    fair = factories.fair()
    acme = factories.employer("Acme")
    factories.booth(fair_=fair, employer_=acme).vacancies.add(
        open_vacancy(acme, nuts3="ITF33", occupation_isco="")
    )
    page = client_for_anonymous(f"/fairs/{fair.pk}/vacancies/")
    assert "Sviluppatore Python" in page and "Match" not in page

    anna = register("Anna Far", nuts="ITC4")
    client = client_for(anna)
    assert "Match 50 / 100" in client.get(f"/fairs/{fair.pk}/vacancies/").content.decode()
    client.post(f"/fairs/{fair.pk}/where-i-live/", {"nuts": "ITF3", "willing_to_relocate": "on"})
    profile = CandidateProfile.objects.get(user=anna)
    assert (profile.nuts, profile.willing_to_relocate) == ("ITF3", True)
    assert profile.match_features.relocate is True
    assert "Match 75 / 100" in client.get(f"/fairs/{fair.pk}/vacancies/").content.decode()


def client_for_anonymous(url: str) -> str:
    from django.test import Client

    return Client().get(url).content.decode()


def test_consent_withdrawal_hides_a_candidate_from_preselection(acme_vacancy):
    anna = register("Anna Near", nuts="ITF33")
    ConsentRecord.objects.create(
        profile=anna.candidate_profile,
        purpose=ConsentRecord.Purpose.SHARE_WITH_EMPLOYERS,
        granted=False,
        notice_version="2",
    )
    page = (
        client_for(recruiter_of(acme_vacancy))
        .get(f"/staff/vacancies/{acme_vacancy.pk}/candidates/")
        .content.decode()
    )
    assert "Anna Near" not in page
    assert timezone.now()


def test_the_sector_search_finds_vacancies_still_coded_in_ateco_2007():
    """Fairs offer ATECO 2025 sections; a vacancy coded in ATECO 2007 (62.01: section J then,
    K now) belongs to K by its division, as in the fair's proposals."""
    fair = factories.fair()
    acme, beta = factories.employer("Acme"), factories.employer("Beta")
    ict_2007 = SectorSection.objects.get(
        classification=SectorSection.Classification.NACE_REV2_ATECO_2007, code="J"
    )
    old_code = open_vacancy(
        acme, title="Sviluppatore (ATECO 2007)", sector=ict_2007, sector_ateco="62.01.00"
    )
    welder = open_vacancy(beta, title="Saldatore", sector=factories.sector("C"))
    factories.booth(fair_=fair, employer_=acme).vacancies.add(old_code)
    factories.booth(fair_=fair, employer_=beta).vacancies.add(welder)

    found = fair_vacancies_for(fair=fair, profile=None, sector_id=factories.sector("K").pk)
    page = client_for_anonymous(f"/fairs/{fair.pk}/vacancies/?sector={factories.sector('K').pk}")

    assert [match.vacancy for match in found] == [old_code]
    assert "Sviluppatore (ATECO 2007)" in page and "Saldatore" not in page
    by_c = fair_vacancies_for(fair=fair, profile=None, sector_id=factories.sector("C").pk)
    assert [match.vacancy for match in by_c] == [welder]


def test_organisers_find_every_open_vacancy_to_preselect_for_even_off_booth(
    acme_vacancy, organiser
):
    imported = open_vacancy(None, title="Cuoco di linea", source_ref="SIL:2026/000042")
    Vacancy.objects.filter(pk=imported.pk).update(
        source=Vacancy.Source.CPI, employer_name="Trattoria Partenope", place="Napoli"
    )
    client = client_for(organiser)

    everything = client.get("/staff/vacancies/").content.decode()
    by_employer = client.get("/staff/vacancies/", {"q": "partenope"}).content.decode()
    by_reference = client.get("/staff/vacancies/", {"q": "SIL:2026/000042"}).content.decode()
    by_source = client.get("/staff/vacancies/", {"source": "manual"}).content.decode()
    nothing = client.get("/staff/vacancies/", {"q": "astronauta"}).content.decode()

    assert "Cuoco di linea" in everything and acme_vacancy.title in everything
    admin = User.objects.create_superuser(
        email="root@example.org", password="x" * 12, full_name="Root"
    )
    assert "Cuoco di linea" in client_for(admin).get("/staff/vacancies/").content.decode()
    assert f"/staff/vacancies/{imported.pk}/candidates/" in everything
    assert "Cuoco di linea" in by_employer and acme_vacancy.title not in by_employer
    assert "Cuoco di linea" in by_reference
    assert "Cuoco di linea" not in by_source and acme_vacancy.title in by_source
    assert "No open vacancy matches this search." in nothing
    assert client.get(f"/staff/vacancies/{imported.pk}/candidates/").status_code == 200


def test_recruiters_find_only_their_employers_vacancies(acme_vacancy):
    other = open_vacancy(factories.employer("Other"), title="Magazziniere")
    page = client_for(recruiter_of(acme_vacancy)).get("/staff/vacancies/").content.decode()
    assert acme_vacancy.title in page and other.title not in page


def test_the_vacancy_search_refuses_bad_input_and_people_who_do_not_preselect(acme_vacancy):
    organiser_client = client_for(
        factories.member(factories.organisation(), Membership.Role.ORGANISER)
    )
    refused = organiser_client.get("/staff/vacancies/", {"source": "fax"})
    assert refused.status_code == 400
    assert "Select a valid choice." in refused.content.decode()
    assert 'aria-describedby="id_source_error"' in refused.content.decode()
    assert client_for(factories.user(name="Carla")).get("/staff/vacancies/").status_code == 403
    operator = factories.member(factories.organisation(), Membership.Role.CPI_OPERATOR)
    refused_staff = client_for(operator).get("/staff/vacancies/")
    assert refused_staff.status_code == 403
    assert acme_vacancy.title not in refused_staff.content.decode()
