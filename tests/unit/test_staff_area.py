"""Organisers set up a fair through the staff pages; bad input is refused and nothing is saved."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import Membership, Organisation
from employers.models import Employer
from fairplatform.models import AuditEntry
from rooms import agenda
from rooms.models import Booth, Fair
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def fair_form(cpi, **overrides):
    start = (timezone.now() + timedelta(days=10)).replace(second=0, microsecond=0)
    data = {
        "title": "Fiera ICT",
        "description": "",
        "organiser": cpi.pk,
        "sectors": [factories.sector("K").pk],
        "region": "Campania",
        "timezone_name": "Europe/Rome",
        "starts_at": start.strftime("%Y-%m-%dT09:00"),
        "ends_at": start.strftime("%Y-%m-%dT17:00"),
        "languages": ["it", "en"],
    }
    data.update(overrides)
    return data


def test_organiser_creates_a_fair_in_its_time_zone(organiser, cpi):
    response = client_for(organiser).post(
        reverse("staff:fair_create"), fair_form(cpi, timezone_name="Europe/Lisbon")
    )
    assert response.status_code == 302
    fair = Fair.objects.get(title="Fiera ICT")
    assert fair.status == Fair.Status.DRAFT
    assert fair.local_start().hour == 9
    assert fair.starts_at.utcoffset() == timedelta(0)  # stored in UTC
    assert fair.local_start().tzname() in {"WET", "WEST"}
    assert AuditEntry.objects.filter(action="rooms.fair.created", object_id=str(fair.pk)).exists()


def test_fair_that_ends_before_it_starts_is_refused(organiser, cpi):
    data = fair_form(cpi)
    data["ends_at"], data["starts_at"] = data["starts_at"], data["ends_at"]
    response = client_for(organiser).post(reverse("staff:fair_create"), data)
    assert response.status_code == 400
    assert b"must end after it starts" in response.content
    assert not Fair.objects.exists()


def test_fair_for_an_office_the_user_does_not_organise_is_refused(organiser, cpi):
    other = factories.organisation(Organisation.Kind.CPI, "CPI Salerno")
    response = client_for(organiser).post(reverse("staff:fair_create"), fair_form(other))
    assert response.status_code == 400
    assert not Fair.objects.exists()


def employer_form(**overrides):
    data = {
        "legal_name": "Vesuvio Cloud S.r.l.",
        "vat_number": factories.vat_number(),
        "fiscal_code": "",
        "sector": factories.sector("K").pk,
        "region": "Campania",
        "website": "",
        "description": "",
    }
    data.update(overrides)
    return data


def test_employer_with_an_invalid_vat_number_is_refused_and_nothing_is_saved(organiser):
    response = client_for(organiser).post(
        reverse("staff:employer_create"), employer_form(vat_number="12345678901")
    )
    assert response.status_code == 400
    assert b"not a valid Italian VAT number" in response.content
    assert not Employer.objects.exists()
    assert not Organisation.objects.filter(kind=Organisation.Kind.EMPLOYER).exists()


def test_logo_is_re_encoded_without_exif_and_resized(organiser):
    upload = factories.png_upload((2000, 1000), name="photo.jpg", exif_gps=True)
    response = client_for(organiser).post(
        reverse("staff:employer_create"), {**employer_form(), "logo": upload}
    )
    assert response.status_code == 302
    employer = Employer.objects.get()
    with Image.open(employer.logo.path) as logo:
        assert logo.format == "PNG"
        assert logo.size == (512, 256)
        assert not logo.getexif()
        assert "exif" not in logo.info


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: SimpleUploadedFile("logo.png", b"%PDF-1.4 not a picture"), b"not a picture"),
        (lambda: factories.png_upload((50_000, 1)), b"at most 8000 pixels per side"),
    ],
    ids=["not-an-image", "50000-px-wide"],
)
def test_bad_logo_is_refused_and_nothing_is_saved(organiser, upload, message):
    response = client_for(organiser).post(
        reverse("staff:employer_create"), {**employer_form(), "logo": upload()}
    )
    assert response.status_code == 400
    assert message in response.content
    assert not Employer.objects.exists()
    assert not Organisation.objects.filter(kind=Organisation.Kind.EMPLOYER).exists()


def test_organiser_adds_a_booth_and_publishes_the_fair(organiser, cpi):
    fair = factories.fair(organiser=cpi, status=Fair.Status.DRAFT)
    employer = factories.employer()
    client = client_for(organiser)
    response = client.post(
        reverse("staff:booth_create", args=[fair.pk]), {"employer": employer.pk, "headline": "Hi"}
    )
    assert response.status_code == 302
    assert Booth.objects.filter(fair=fair, employer=employer).exists()

    again = client.post(reverse("staff:booth_create", args=[fair.pk]), {"employer": employer.pk})
    assert again.status_code == 400
    assert Booth.objects.filter(fair=fair).count() == 1

    assert client.post(reverse("staff:fair_publish", args=[fair.pk])).status_code == 302
    fair.refresh_from_db()
    assert fair.status == Fair.Status.PUBLISHED


def test_booth_hours_are_typed_in_the_fairs_time_zone(organiser, cpi):
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    fair = factories.fair(
        organiser=cpi,
        timezone="America/Sao_Paulo",
        starts_at=start,
        ends_at=start + timedelta(hours=10),
    )
    booth = factories.booth(fair_=fair)
    opens = (start + timedelta(hours=1)).astimezone(fair.zone)
    response = client_for(organiser).post(
        reverse("staff:booth_edit", args=[booth.pk]),
        {"headline": "x", "opens_at": opens.strftime("%Y-%m-%dT%H:%M"), "call_grace_seconds": 90},
    )
    assert response.status_code == 302, response.content
    booth.refresh_from_db()
    assert booth.opens_at == opens.replace(second=0)
    assert booth.call_grace_seconds == 90


def test_a_booth_answer_window_outside_its_bounds_is_refused(organiser, cpi):
    booth = factories.booth(fair_=factories.fair(organiser=cpi))
    for seconds in (5, 3600):
        response = client_for(organiser).post(
            reverse("staff:booth_edit", args=[booth.pk]),
            {"headline": "x", "call_grace_seconds": seconds},
        )
        assert response.status_code == 400
    booth.refresh_from_db()
    assert booth.call_grace_seconds == 60 and booth.headline == ""


def test_booth_hours_outside_the_fair_are_refused(organiser, cpi):
    fair = factories.fair(organiser=cpi)
    booth = factories.booth(fair_=fair)
    outside = (fair.ends_at + timedelta(days=1)).astimezone(fair.zone)
    response = client_for(organiser).post(
        reverse("staff:booth_edit", args=[booth.pk]),
        {"headline": "x", "opens_at": outside.strftime("%Y-%m-%dT%H:%M"), "call_grace_seconds": 60},
    )
    assert response.status_code == 400
    assert b"within the fair" in response.content
    booth.refresh_from_db()
    assert booth.opens_at is None and booth.headline == ""


def test_organiser_creates_a_recruiter_account_who_can_then_reset_the_password(
    organiser, mailoutbox
):
    employer = factories.employer()
    client = client_for(organiser)
    response = client.post(
        reverse("staff:staff_account_new", args=[employer.organisation_id]),
        {"full_name": "Rita Recruiter", "email": "rita@example.org", "role": "recruiter"},
    )
    assert response.status_code == 302
    response = client.post(reverse("accounts:password_reset"), {"email": "rita@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/" in mailoutbox[0].body


def test_adding_someone_who_already_has_a_staff_account_says_so(organiser):
    other_employer = factories.employer()
    existing = factories.member(
        other_employer.organisation, "recruiter", email="rita@example.org", name="Rita Recruiter"
    )
    employer = factories.employer()
    response = client_for(organiser).post(
        reverse("staff:staff_account_new", args=[employer.organisation_id]),
        {"full_name": "Rita R.", "email": "RITA@example.org", "role": "recruiter"},
        follow=True,
    )
    assert b"already had a staff account with this email" in response.content
    assert b"Rita Recruiter" not in response.content  # nobody's name is given away
    assert {m.organisation for m in existing.memberships.all()} == {
        other_employer.organisation,
        employer.organisation,
    }
    existing.refresh_from_db()
    assert existing.check_password(factories.PASSWORD)  # their password is untouched


def test_a_candidates_account_is_not_turned_into_staff(organiser):
    candidate = factories.user(email="anna@example.org", name="Anna Candidata")
    employer = factories.employer()
    admin = factories.member(employer.organisation, "employer_admin")
    response = client_for(admin).post(
        reverse("staff:staff_account_new", args=[employer.organisation_id]),
        {"full_name": "Anna", "email": "anna@example.org", "role": "recruiter"},
    )
    assert response.status_code == 400
    assert b"Use the person&#x27;s work email." in response.content
    assert not candidate.memberships.exists()


def test_organiser_edits_a_fair_and_a_bad_edit_changes_nothing(organiser, cpi):
    fair = factories.fair(organiser=cpi, title="Prima")
    client = client_for(organiser)
    good = client.post(reverse("staff:fair_edit", args=[fair.pk]), fair_form(cpi, title="Seconda"))
    assert good.status_code == 302
    fair.refresh_from_db()
    assert fair.title == "Seconda"

    bad = fair_form(cpi, title="Terza")
    bad["starts_at"], bad["ends_at"] = bad["ends_at"], bad["starts_at"]
    assert client.post(reverse("staff:fair_edit", args=[fair.pk]), bad).status_code == 400
    fair.refresh_from_db()
    assert fair.title == "Seconda"


def test_a_fair_cannot_move_away_from_its_booths_hours(organiser, cpi):
    fair = factories.fair(organiser=cpi)
    client = client_for(organiser)
    edit = reverse("staff:fair_edit", args=[fair.pk])
    assert client.post(edit, fair_form(cpi)).status_code == 302  # the form's dates
    fair.refresh_from_db()
    booth = factories.booth(fair_=fair, employer_=factories.employer("Acme Napoli"))
    booth.opens_at = fair.starts_at
    booth.save()
    moved = fair_form(cpi, title="Spostata")
    moved["starts_at"] = moved["starts_at"].replace("T09:00", "T10:00")

    response = client.post(edit, moved)

    assert response.status_code == 400
    assert "hours outside the new dates; change them first: Acme Napoli." in (
        response.content.decode()
    )
    fair.refresh_from_db()
    assert fair.title == "Fiera ICT"

    booth.opens_at = None
    booth.save()
    recruiter = factories.member(booth.employer.organisation, "recruiter")
    agenda.slots_publish(
        actor=recruiter,
        fair_id=fair.pk,
        booth_id=booth.pk,
        starts_at=fair.starts_at,
        ends_at=fair.starts_at + timedelta(minutes=20),
        length_minutes=20,
    )
    response = client.post(edit, moved)
    assert response.status_code == 400
    assert "1 interview time falls outside the new dates; cancel it first." in (
        response.content.decode()
    )


def test_staff_start_a_call_and_the_candidate_finds_it_on_the_home_page(candidate):
    employer = factories.employer()
    recruiter = factories.member(employer.organisation, "recruiter")
    booth = factories.booth(employer_=employer)
    client = client_for(recruiter)
    no_booth = client.post(reverse("staff:interview_new"), {"candidate": "333 123 4567"})
    assert no_booth.status_code == 400
    assert b"not allowed" in no_booth.content
    response = client.post(
        reverse("staff:interview_new"), {"candidate": "333 123 4567", "booth": booth.pk}
    )
    assert response.status_code == 302
    home = client_for(candidate).get(reverse("frontend:home"))
    assert response["Location"].encode() in home.content


def test_starting_a_call_with_an_unknown_person_is_refused(organiser):
    response = client_for(organiser).post(
        reverse("staff:interview_new"), {"candidate": "nobody@example.org"}
    )
    assert response.status_code == 400
    assert b"Nobody has an account" in response.content


def test_candidate_cannot_start_calls_nor_open_someone_elses(candidate):
    assert client_for(candidate).get(reverse("staff:interview_new")).status_code == 403
    employer = factories.employer()
    recruiter = factories.member(employer.organisation, "recruiter")
    other = factories.user()
    session = factories.booth_call(recruiter, other)
    room = reverse("frontend:interview", args=[session.pk])
    assert client_for(candidate).get(room).status_code == 404
    assert client_for(other).get(room).status_code == 200


def test_the_staff_area_shows_each_person_only_the_sections_they_can_use(cpi, organiser):
    operator = factories.member(cpi, Membership.Role.CPI_OPERATOR)
    page = client_for(operator).get(reverse("staff:dashboard")).content.decode()
    assert "Booths you can edit" not in page  # CPI staff have no booths of their own
    assert 'id="people-heading"' not in page  # nor staff accounts to add
    assert "CVs to review" in page

    recruiter = factories.member(factories.employer("Acme").organisation, Membership.Role.RECRUITER)
    page = client_for(recruiter).get(reverse("staff:dashboard")).content.decode()
    assert "You have no booths yet. The fair organiser adds your company to a fair." in page
    assert 'id="people-heading"' not in page

    page = client_for(organiser).get(reverse("staff:dashboard")).content.decode()
    assert "Add a staff account at CPI Napoli" in page
