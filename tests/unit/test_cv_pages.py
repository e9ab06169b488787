"""The candidate's CV page (upload, report, sharing, photo, versions) and the CPI review pages,
with their refusals."""

import io
import itertools
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import Client
from PIL import Image

from accounts.models import Membership
from accounts.services import candidate_register
from candidates.models import CVShare, CVVersion
from candidates.selectors import cv_validation_dates
from candidates.services import cv_review, cv_share, cv_upload
from fairplatform.models import AuditEntry
from rooms.queue_feed import queue_line, queue_snapshot
from rooms.queues import queue_answer, queue_call_next, queue_join
from tests import cv_samples, factories
from tests.conftest import client_for, streamed_body

pytestmark = pytest.mark.django_db
_emails = itertools.count(1)


def register(name: str = "Mario Rossi", email: str | None = None):
    return candidate_register(
        full_name=name,
        password=factories.PASSWORD,
        email=email or f"{name.split(maxsplit=1)[0].lower()}{next(_emails)}@example.org",
        phone=None,
        preferred_language="it",
        share_with_employers=True,
    )


@pytest.fixture
def mario():
    return register()


@pytest.fixture
def operator(cpi):
    return factories.member(cpi, Membership.Role.CPI_OPERATOR, name="Ottavia Operator")


@pytest.fixture
def employer():
    return factories.employer("Vesuvio Cloud S.r.l.")


@pytest.fixture
def recruiter(employer):
    return factories.member(employer.organisation, Membership.Role.RECRUITER)


def upload(user, data: bytes = b"", name: str = "cv.xml") -> CVVersion:
    return cv_upload(
        actor=user,
        profile=user.candidate_profile,
        upload=cv_samples.upload(data or cv_samples.europass_candidate_xml(), name),
    )


def stored_files() -> list[Path]:
    root = Path(settings.CV_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def post_cv(client, data: bytes, name: str = "cv.xml"):
    return client.post("/candidates/cv/upload/", {"file": SimpleUploadedFile(name, data)})


# The candidate's page ---------------------------------------------------------------------------


def test_home_and_header_link_to_the_cv_page_for_candidates(mario, operator):
    page = client_for(mario).get("/").content.decode()
    assert page.count('href="/candidates/cv/"') == 2
    assert 'href="/candidates/cv/"' not in client_for(operator).get("/").content.decode()


def test_an_empty_cv_page_invites_the_first_upload(mario):
    response = client_for(mario).get("/candidates/cv/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Upload your CV" in page
    assert 'accept=".pdf,.docx,.xml' in page
    assert "Checking your CV" in page  # the busy message the script shows while uploading


def test_signed_out_visitors_are_sent_to_sign_in_and_staff_have_no_cv_page(operator):
    assert Client().get("/candidates/cv/").status_code == 302
    assert client_for(operator).get("/candidates/cv/").status_code == 404


def test_uploading_a_europass_xml_shows_the_report_and_what_employers_see(mario):
    client = client_for(mario)
    response = post_cv(client, cv_samples.europass_candidate_xml())
    assert response.status_code == 302
    assert CVVersion.objects.get().state == CVVersion.State.AUTO_CHECKED
    page = client.get("/candidates/cv/").content.decode()
    assert "passed the automatic check" in page
    assert "The automatic check found nothing to correct." in page
    for seen in [
        "Mario Rossi",
        "mario.rossi@example.org",
        "+393331234567",
        "Sviluppatore Python",
        "Acme Software srl",
        "Laurea in Informatica",
        "EQF</abbr> level 6",
        "English",
        "listening B2",
        "Italian",
        "mother tongue",
        "Sviluppatore software",
    ]:
        assert seen in page, seen
    assert "Checked automatically. A CPI operator has not reviewed it yet" in page


def test_report_errors_and_warnings_come_with_their_fix(mario):
    client = client_for(mario)
    post_cv(client, cv_samples.europass_candidate_xml(job_start="2020-01", job_end="2018-01"))
    page = client.get("/candidates/cv/").content.decode()
    assert "1 thing to correct" in page
    assert "the end (2018-01) comes before the start (2020-01)" in page
    assert "Swap or correct the two dates." in page


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "cv.pdf", "The submitted file is empty."),
        (cv_samples.plain_zip(), "cv.zip", "Upload your CV as a PDF, a Word (DOCX)"),
        (cv_samples.plain_pdf(["x"], password="secret"), "cv.pdf", "protected by a password"),
        (cv_samples.huge_png(), "cv.png", "This file is a picture, not a CV document."),
        (cv_samples.billion_laughs(), "cv.xml", ""),
    ],
)
def test_a_refused_upload_says_why_with_400_and_keeps_everything(mario, data, name, message):
    client = client_for(mario)
    post_cv(client, cv_samples.europass_candidate_xml())
    before = stored_files()
    response = post_cv(client, data, name)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="errorlist"' in page
    assert message in page
    assert CVVersion.objects.count() == 1
    assert stored_files() == before
    assert "Mario Rossi" in page  # the current version is still shown beside the error


def test_a_declared_length_over_the_limit_is_refused_413_before_the_body_is_parsed(mario, settings):
    settings.CV_MAX_BYTES = 1024
    big = cv_samples.europass_candidate_xml(extra_text="x" * 200_000)
    response = post_cv(client_for(mario), big)
    assert response.status_code == 413
    assert (
        "The file is too large: at most 0 MB. Save it without pictures" in response.content.decode()
    )
    assert not CVVersion.objects.exists()
    assert stored_files() == []


def test_the_oversize_check_still_leaves_the_csrf_check_to_other_requests(mario):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mario)
    response = post_cv(client, cv_samples.europass_candidate_xml())
    assert response.status_code == 403
    assert not CVVersion.objects.exists()


def test_state_messages_needs_changes_with_the_note_rejected_and_validated(mario, operator):
    client = client_for(mario)
    version = upload(mario)
    cv_review(
        actor=operator,
        version=version,
        outcome=CVVersion.State.NEEDS_CHANGES,
        note="Aggiungi il diploma.",
    )
    page = client.get("/candidates/cv/").content.decode()
    assert "the CPI asked you to change your CV." in page
    assert "Aggiungi il diploma." in page

    second = upload(mario)
    cv_review(
        actor=operator,
        version=second,
        outcome=CVVersion.State.VALIDATED,
        identity_method=CVVersion.IdentityMethod.SPID,
    )
    page = client.get("/candidates/cv/").content.decode()
    assert "Validated by CPI on" in page
    assert "Earlier versions" in page
    assert f'href="/candidates/cv/{version.pk}/file/"' in page


# Sharing ------------------------------------------------------------------------------------


def test_the_candidate_sees_who_has_the_cv_and_stops_sharing_after_confirming(mario, employer):
    booth = factories.booth(fair_=factories.live_fair(), employer_=employer)
    queue_join(actor=mario, booth_id=booth.pk)
    client = client_for(mario)
    page = client.get("/candidates/cv/").content.decode()
    assert "Vesuvio Cloud S.r.l." in page
    assert "Joined the booth&#x27;s queue" in page
    stop = f"/candidates/cv/shares/{employer.pk}/stop/"
    confirm = client.get(stop)
    assert confirm.status_code == 200
    assert "Stop sharing your CV with Vesuvio Cloud S.r.l.?" in confirm.content.decode()
    assert CVShare.objects.get().withdrawn_at is None  # asking is not doing

    assert client.post(stop).status_code == 302
    assert CVShare.objects.get().withdrawn_at is not None
    assert "No employer can see your CV." in client.get("/candidates/cv/").content.decode()
    assert client.post(stop).status_code == 404


def test_a_candidate_cannot_stop_or_see_another_candidates_shares(mario, employer):
    cv_share(actor=mario, profile=mario.candidate_profile, employer=employer)
    other = register("Anna Bianchi")
    response = client_for(other).post(f"/candidates/cv/shares/{employer.pk}/stop/")
    assert response.status_code == 404
    assert CVShare.objects.get().withdrawn_at is None
    assert "Vesuvio" not in client_for(other).get("/candidates/cv/").content.decode()


# Versions -------------------------------------------------------------------------------------


def test_deleting_a_version_after_confirming_removes_row_and_file(
    mario, django_capture_on_commit_callbacks
):
    first, second = upload(mario), upload(mario)
    client = client_for(mario)
    url = f"/candidates/cv/{first.pk}/delete/"
    assert "Delete version 1 of your CV?" in client.get(url).content.decode()
    assert len(stored_files()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert list(CVVersion.objects.values_list("pk", flat=True)) == [second.pk]
    assert stored_files() == [Path(second.file.path)]
    entry = AuditEntry.objects.get(action="candidates.cv.deleted")
    assert (entry.actor, entry.data) == (mario, {"number": 1})


def test_another_candidate_can_neither_delete_nor_download_a_version(mario):
    version = upload(mario)
    other = client_for(register("Anna Bianchi"))
    assert other.post(f"/candidates/cv/{version.pk}/delete/").status_code == 404
    assert other.get(f"/candidates/cv/{version.pk}/file/").status_code == 404
    assert CVVersion.objects.filter(pk=version.pk).exists()


# Photo ----------------------------------------------------------------------------------------


def test_a_photo_with_gps_exif_is_stored_without_any_metadata(
    mario, django_capture_on_commit_callbacks
):
    jpeg = factories.png_upload((800, 600), name="me.jpg", exif_gps=True)
    assert b"PhoneMaker" in jpeg.read()
    jpeg.seek(0)
    client = client_for(mario)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/candidates/photo/", {"photo": jpeg}).status_code == 302
    profile = mario.candidate_profile
    profile.refresh_from_db()
    stored = Path(profile.photo.path).read_bytes()
    assert b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG"
        assert not image.getexif()
        assert "exif" not in image.info
        assert image.size == (512, 384)
    with Image.open(profile.photo_thumbnail.path) as thumb:
        assert max(thumb.size) == 96
    assert Path(profile.photo.path).is_relative_to(settings.CV_ROOT)

    response = client.get(f"/candidates/photos/{profile.pk}/thumbnail/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert streamed_body(response).startswith(b"\x89PNG")
    assert (
        client_for(register("Anna Bianchi")).get(f"/candidates/photos/{profile.pk}/").status_code
        == 404
    )


def test_a_non_picture_or_a_bomb_is_refused_with_400_and_no_file(mario):
    client = client_for(mario)
    text = SimpleUploadedFile("me.jpg", b"not a picture")
    response = client.post("/candidates/photo/", {"photo": text})
    assert response.status_code == 400
    assert "not a picture we can read" in response.content.decode()
    bomb = SimpleUploadedFile("bomb.png", cv_samples.huge_png())
    response = client.post("/candidates/photo/", {"photo": bomb})
    assert response.status_code == 400
    assert stored_files() == []


def test_removing_the_photo_deletes_its_files(mario, django_capture_on_commit_callbacks):
    client = client_for(mario)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/candidates/photo/", {"photo": factories.png_upload()})
    assert len(stored_files()) == 2
    assert b'href="/candidates/photo/remove/"' in client.get("/candidates/cv/").content
    asked = client.get("/candidates/photo/remove/")  # the page's button asks first
    assert b"Remove your photo?" in asked.content
    assert len(stored_files()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/candidates/photo/remove/").status_code == 302
    assert stored_files() == []


# Review (CPI) ------------------------------------------------------------------------------


def test_recruiters_and_candidates_cannot_reach_the_review_pages(mario, recruiter):
    version = upload(mario)
    for person in (recruiter, mario):
        client = client_for(person)
        assert client.get("/staff/cvs/").status_code == 403
        assert client.get(f"/staff/cvs/{version.pk}/").status_code == 403
        assert client.post(f"/staff/cvs/{version.pk}/", {"outcome": "rejected"}).status_code == 403
    version.refresh_from_db()
    assert version.state == CVVersion.State.AUTO_CHECKED


def test_the_dashboard_links_cpi_staff_to_the_review_queue(operator, recruiter):
    assert 'href="/staff/cvs/"' in client_for(operator).get("/staff/").content.decode()
    assert 'href="/staff/cvs/"' not in client_for(recruiter).get("/staff/").content.decode()


def test_the_queue_lists_current_versions_newest_first_filtered_by_fair_and_state(
    operator, employer
):
    mario, anna = register("Mario Rossi"), register("Anna Bianchi")
    old = upload(mario)
    upload(anna)
    mario_current = upload(mario)
    fair = factories.live_fair()
    queue_join(actor=mario, booth_id=factories.booth(fair_=fair, employer_=employer).pk)
    client = client_for(operator)

    page = client.get("/staff/cvs/").content.decode()
    assert page.index("Mario Rossi") < page.index("Anna Bianchi")
    assert f"/staff/cvs/{old.pk}/" not in page
    assert f"/staff/cvs/{mario_current.pk}/" in page

    page = client.get("/staff/cvs/", {"fair": fair.pk}).content.decode()
    assert "Mario Rossi" in page
    assert "Anna Bianchi" not in page

    cv_review(
        actor=operator,
        version=mario_current,
        outcome=CVVersion.State.VALIDATED,
        identity_method=CVVersion.IdentityMethod.CIE,
    )
    page = client.get("/staff/cvs/").content.decode()
    assert "Mario Rossi" not in page  # to review: decided versions leave the queue
    page = client.get("/staff/cvs/", {"state": "validated"}).content.decode()
    assert "Mario Rossi" in page
    assert "Validated by CPI on" in page
    assert "Anna Bianchi" not in page


def test_the_queue_is_paginated(operator, monkeypatch):
    monkeypatch.setattr("frontend.staff_cv_views.PAGE_SIZE", 1)
    upload(register("Mario Rossi"))
    upload(register("Anna Bianchi"))
    client = client_for(operator)
    first = client.get("/staff/cvs/", {"state": "all"}).content.decode()
    assert "Page 1 of 2" in first
    assert "?state=all&amp;page=2" in first
    second = client.get("/staff/cvs/", {"state": "all", "page": "2"}).content.decode()
    assert "Mario Rossi" in second
    assert "Anna Bianchi" not in second


def test_the_operator_validates_with_identity_and_qualification_checks(mario, operator):
    version = upload(mario)
    client = client_for(operator)
    page = client.get(f"/staff/cvs/{version.pk}/").content.decode()
    for shown in ["Sviluppatore Python", "Laurea in Informatica", "Driving licence B"]:
        assert shown in page
    assert f'href="/candidates/cv/{version.pk}/file/"' in page
    assert "Uploaded and checked automatically" in page

    response = client.post(
        f"/staff/cvs/{version.pk}/",
        {
            "identity_method": "in_person",
            "outcome": "validated",
            "note": "",
            "q_work.0": "declared",
            "q_education.0": "checked",
            "q_driving_licence.B": "declared",
        },
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.state == CVVersion.State.VALIDATED
    assert version.identity_method == "in_person"
    assert version.reviewed_by == operator
    assert {"item": "education.0", "checked": True} in version.qualification_checks
    page = client.get(f"/staff/cvs/{version.pk}/").content.decode()
    assert "Reviewed: Validated by an operator" in page
    assert "Ottavia Operator" in page
    assert "Save the review" not in page
    assert "Validated by CPI on" in client_for(mario).get("/candidates/cv/").content.decode()


def test_a_refusal_from_the_review_is_shown_on_the_form(mario, operator):
    version = upload(mario)
    response = client_for(operator).post(
        f"/staff/cvs/{version.pk}/",
        {
            "identity_method": "",
            "outcome": "validated",
            "q_work.0": "declared",
            "q_education.0": "declared",
            "q_driving_licence.B": "declared",
        },
    )
    assert response.status_code == 400
    assert "Verify the candidate&#x27;s identity before validating the CV." in (
        response.content.decode()
    )
    version.refresh_from_db()
    assert version.state == CVVersion.State.AUTO_CHECKED


def test_a_missing_version_is_404_for_the_operator(operator):
    assert client_for(operator).get("/staff/cvs/999999/").status_code == 404


# The badge's selector -------------------------------------------------------------------------


def test_validation_dates_for_many_people_in_one_query(operator, django_assert_num_queries):
    people = [register(f"Person{i} Rossi") for i in range(4)]
    for person in people[:3]:
        version = upload(person)
        cv_review(
            actor=operator,
            version=version,
            outcome=CVVersion.State.VALIDATED,
            identity_method=CVVersion.IdentityMethod.SPID,
        )
    upload(people[2])  # a newer version is not validated yet: no badge
    with django_assert_num_queries(1):
        dates = cv_validation_dates(user_ids=[p.pk for p in people])
    assert set(dates) == {people[0].pk, people[1].pk}


def test_the_badge_tag_renders_for_one_person_or_from_a_precomputed_map(mario, operator):
    version = upload(mario)
    cv_review(
        actor=operator,
        version=version,
        outcome=CVVersion.State.VALIDATED,
        identity_method=CVVersion.IdentityMethod.SPID,
    )
    alone = Template("{% load cv_badge %}{% cv_badge person %}").render(Context({"person": mario}))
    assert "Validated by CPI on" in alone
    assert 'class="badge bg-success cv-badge"' in alone
    missing = Template("{% load cv_badge %}{% cv_badge person dates show_missing=True %}").render(
        Context({"person": mario, "dates": {}})
    )
    assert "CV not yet validated" in missing


def test_recruiters_see_the_badge_in_the_queue_console_line_and_the_interview_room(
    mario, operator, employer, recruiter
):
    cv_review(
        actor=operator,
        version=upload(mario),
        outcome=CVVersion.State.VALIDATED,
        identity_method=CVVersion.IdentityMethod.SPID,
    )
    booth = factories.booth(fair_=factories.live_fair(), employer_=employer)
    entry = queue_join(actor=mario, booth_id=booth.pk)
    queue_join(actor=register("Luca Bianchi"), booth_id=booth.pk)
    line = queue_line(snapshot=queue_snapshot(booth_id=booth.pk))
    assert [(e.name, e.cv_validated_at is not None) for e in line.entries] == [
        ("Mario Rossi", True),
        ("Luca Bianchi", False),
    ]
    assert queue_call_next(actor=recruiter, booth_id=booth.pk).pk == entry.pk
    session = queue_answer(actor=mario, entry_id=entry.pk)
    room = client_for(recruiter).get(f"/interviews/{session.pk}/").content.decode()
    assert "Validated by CPI on" in room
