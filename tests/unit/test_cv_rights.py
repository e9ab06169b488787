"""A candidate's rights: the export ZIP, erasure of the account, and the retention purge."""

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Membership, User
from accounts.services import candidate_register
from candidates.models import CandidateProfile, ConsentRecord, CVShare, CVVersion
from candidates.services import cv_share, cv_upload, profile_photo_set
from candidates.tasks import cv_purge_expired
from fairplatform.models import AuditEntry
from rooms.interviews import interview_chat_post
from rooms.models import Booking, Fair, QueueEntry, Slot
from rooms.queues import queue_join
from tests import cv_samples, factories
from tests.conftest import client_for, streamed_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def mario():
    return candidate_register(
        full_name="Mario Rossi",
        password=factories.PASSWORD,
        email="mario.rossi@example.org",
        phone=None,
        preferred_language="it",
        share_with_employers=True,
    )


def upload(user) -> CVVersion:
    return cv_upload(
        actor=user,
        profile=user.candidate_profile,
        upload=cv_samples.upload(cv_samples.europass_candidate_xml(), "mio cv.xml"),
    )


def stored_files() -> list[Path]:
    root = Path(settings.CV_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_the_export_zip_holds_every_record_and_every_file(mario):
    employer = factories.employer("Vesuvio Cloud S.r.l.")
    first, second = upload(mario), upload(mario)
    profile_photo_set(actor=mario, profile=mario.candidate_profile, upload=factories.png_upload())
    booth = factories.booth(fair_=factories.live_fair(), employer_=employer)
    queue_join(actor=mario, booth_id=booth.pk)
    recruiter = factories.member(employer.organisation, Membership.Role.RECRUITER)
    streamed_body(client_for(recruiter).get(f"/candidates/cv/{second.pk}/file/"))
    interview = factories.booth_call(recruiter, mario)

    client = client_for(mario)
    confirm = client.get("/candidates/my-data/")
    assert confirm.status_code == 200
    assert "Download the ZIP file" in confirm.content.decode()
    response = client.post("/candidates/my-data/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(streamed_body(response)))
    assert sorted(archive.namelist()) == [
        "cv/v1-mio cv.xml",
        "cv/v2-mio cv.xml",
        "data.json",
        "photo.png",
    ]
    assert archive.read("cv/v1-mio cv.xml") == cv_samples.europass_candidate_xml()
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == "mario.rossi@example.org"
    assert data["profile"]["photo"] == "photo.png"
    assert {c["purpose"] for c in data["consents"]} == {"terms", "share_with_employers"}
    assert data["cv_shares"] == [
        {
            "employer": "Vesuvio Cloud S.r.l.",
            "context": "queue",
            "granted_at": CVShare.objects.get().granted_at.isoformat(),
            "withdrawn_at": None,
        }
    ]
    versions = data["cv_versions"]
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[1]["report"]["extracted"]["name"] == "Mario Rossi"
    assert versions[1]["structured"]["surname"] == "Rossi"
    assert [a["by"] for a in versions[1]["access_log"]] == ["Vesuvio Cloud S.r.l."]
    assert versions[0]["access_log"] == []
    assert data["queue_entries"][0]["employer"] == "Vesuvio Cloud S.r.l."
    assert data["interviews"][0]["kind"] == interview.kind
    assert data["interviews"][0]["role"] == "candidate"
    assert AuditEntry.objects.filter(action="candidates.data.exported").count() == 1
    assert first.pk  # both versions exported, the older one too


def test_deleting_the_account_needs_the_password_and_then_removes_everything(
    mario, django_capture_on_commit_callbacks
):
    employer = factories.employer()
    upload(mario)
    upload(mario)
    profile_photo_set(actor=mario, profile=mario.candidate_profile, upload=factories.png_upload())
    cv_share(actor=mario, profile=mario.candidate_profile, employer=employer)
    booth = factories.booth(fair_=factories.live_fair(), employer_=employer)
    entry = queue_join(actor=mario, booth_id=booth.pk)
    assert len(stored_files()) == 4
    client = client_for(mario)

    page = client.get("/candidates/account/delete/")
    assert "Your password" in page.content.decode()
    wrong = client.post("/candidates/account/delete/", {"confirmation": "nope"})
    assert wrong.status_code == 400
    assert "The password is not right." in wrong.content.decode()
    assert User.objects.filter(pk=mario.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/candidates/account/delete/", {"confirmation": factories.PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=mario.pk).exists()
    for model in (CandidateProfile, ConsentRecord, CVVersion, CVShare, QueueEntry):
        assert not model.objects.exists(), model
    assert stored_files() == []
    erased = AuditEntry.objects.get(action="accounts.account.erased")
    assert erased.actor is None
    assert erased.data == {"files": 4}
    assert "Mario" not in json.dumps(erased.data) and "rossi" not in erased.object_id
    # The line was left through the queue service, so recruiters' consoles updated.
    assert AuditEntry.objects.filter(action="rooms.queue.left", object_id=str(entry.pk)).exists()
    assert client.get("/candidates/cv/").status_code == 302  # signed out


def test_accounts_without_a_password_confirm_by_typing_the_phrase(mario):
    mario.set_unusable_password()
    mario.save()
    client = client_for(mario)
    assert "Type DELETE to confirm" in client.get("/candidates/account/delete/").content.decode()
    assert client.post("/candidates/account/delete/", {"confirmation": "yes"}).status_code == 400
    response = client.post("/candidates/account/delete/", {"confirmation": "delete"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=mario.pk).exists()


def test_a_candidate_who_is_also_staff_cannot_erase_the_account_here(mario, cpi):
    Membership.objects.create(user=mario, organisation=cpi, role=Membership.Role.CPI_OPERATOR)
    response = client_for(mario).post(
        "/candidates/account/delete/", {"confirmation": factories.PASSWORD}
    )
    assert response.status_code == 400
    assert "ask its administrator" in response.content.decode()
    assert User.objects.filter(pk=mario.pk).exists()


def test_retention_purges_old_earlier_versions_and_their_files(
    mario, django_capture_on_commit_callbacks
):
    old, kept_recent, current = upload(mario), upload(mario), upload(mario)
    anna = candidate_register(
        full_name="Anna Bianchi",
        password=factories.PASSWORD,
        email="anna@example.org",
        phone=None,
        preferred_language="it",
        share_with_employers=False,
    )
    anna_only = upload(anna)
    long_ago = timezone.now() - timedelta(days=settings.CV_RETENTION_DAYS + 1)
    CVVersion.objects.filter(pk__in=[old.pk, current.pk, anna_only.pk]).update(uploaded_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        assert cv_purge_expired.apply().get() == 1

    assert set(CVVersion.objects.values_list("pk", flat=True)) == {
        kept_recent.pk,
        current.pk,
        anna_only.pk,
    }
    assert len(stored_files()) == 3
    assert not Path(settings.CV_ROOT, old.file.name).exists()
    purged = AuditEntry.objects.get(action="candidates.cv.purged")
    assert purged.actor is None
    assert purged.data == {"number": 1, "retention_days": settings.CV_RETENTION_DAYS}


def test_beat_runs_the_purge():
    entry = settings.CELERY_BEAT_SCHEDULE["cv-purge-expired"]
    assert entry["task"] == "candidates.tasks.cv_purge_expired" == cv_purge_expired.name
    assert settings.CV_RETENTION_DAYS == 730


def test_the_export_holds_bookings_the_messages_about_them_and_what_the_candidate_wrote(mario):
    booking = factories.booking(mario, employer_=factories.employer("Vesuvio Cloud S.r.l."))
    host = booking.slot.host
    interview = factories.booth_call(host, mario)
    interview_chat_post(actor=mario, session_id=interview.pk, text="Buongiorno!")
    interview_chat_post(actor=host, session_id=interview.pk, text="Benvenuto")

    response = client_for(mario).post("/candidates/my-data/")
    data = json.loads(zipfile.ZipFile(io.BytesIO(streamed_body(response))).read("data.json"))

    assert [(b["with"], b["state"]) for b in data["bookings"]] == [
        ("Vesuvio Cloud S.r.l.", "booked")
    ]
    assert data["bookings"][0]["starts_at"] == booking.slot.starts_at.isoformat()
    sent = {(m["kind"], m["channel"]) for m in data["messages_sent_to_you"]}
    assert ("booked", "email") in sent and ("reminder_day", "email") in sent
    assert [m["text"] for m in data["chat_messages_you_wrote"]] == ["Buongiorno!"]
    assert data["invitations"] == [] and data["waitlists"] == []


def test_deleting_the_account_frees_its_upcoming_interview_slots(mario):
    booking = factories.booking(mario)
    assert Slot.objects.get(pk=booking.slot_id).state == Slot.State.BOOKED

    response = client_for(mario).post(
        "/candidates/account/delete/", {"confirmation": factories.PASSWORD}
    )

    assert response.status_code == 302
    assert not Booking.objects.exists()
    assert Slot.objects.get(pk=booking.slot_id).state == Slot.State.OPEN


def test_deleting_the_account_works_when_a_booked_fair_went_back_to_draft(mario):
    booking = factories.booking(mario)
    Fair.objects.filter(pk=booking.slot.fair_id).update(status=Fair.Status.DRAFT)

    response = client_for(mario).post(
        "/candidates/account/delete/", {"confirmation": factories.PASSWORD}
    )

    assert response.status_code == 302
    assert not Booking.objects.exists()
