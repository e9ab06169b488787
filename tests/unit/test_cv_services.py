"""Uploading, sharing, reviewing and serving CVs: versions, atomic refusals, private storage,
the permission rule (404 for the unshared) and the access log."""

from pathlib import Path
from typing import IO, Any, cast

import pytest
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from accounts.models import Membership, Organisation
from accounts.services import candidate_register
from candidates.models import CVAccess, CVShare, CVVersion
from candidates.selectors import access_cv_version
from candidates.services import cv_review, cv_share, cv_unshare, cv_upload
from fairplatform.errors import DomainError, Forbidden, NotFound
from fairplatform.models import AuditEntry
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


def upload(user, data: bytes, name: str = "cv.xml") -> CVVersion:
    return cv_upload(
        actor=user, profile=user.candidate_profile, upload=cv_samples.upload(data, name)
    )


def stored_files() -> list[Path]:
    root = Path(settings.CV_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_upload_stores_a_checked_version_in_private_storage(mario):
    version = upload(mario, cv_samples.europass_candidate_xml())
    assert version.number == 1
    assert version.state == CVVersion.State.AUTO_CHECKED
    assert version.kind == CVVersion.Kind.EUROPASS_XML
    assert version.structured["surname"] == "Rossi"
    assert version.report["errors"] == []
    assert len(version.sha256) == 64
    assert Path(version.file.path).is_relative_to(settings.CV_ROOT)
    assert not Path(version.file.path).is_relative_to(settings.MEDIA_ROOT)
    with pytest.raises(NotImplementedError):
        version.file.url  # noqa: B018
    assert AuditEntry.objects.filter(action="candidates.cv.uploaded").count() == 1


def test_every_upload_is_a_new_version_and_earlier_ones_are_kept(mario):
    first = upload(mario, cv_samples.europass_candidate_xml())
    second = upload(mario, cv_samples.docx(["Mario Rossi"]), name="cv.docx")
    assert (first.number, second.number) == (1, 2)
    first.refresh_from_db()
    with first.file.open("rb") as kept:
        assert kept.read() == cv_samples.europass_candidate_xml()
    assert len(stored_files()) == 2


def test_the_kind_comes_from_content_not_the_name(mario):
    version = upload(mario, cv_samples.plain_pdf(["Mario Rossi"]), name="cv.docx")
    assert version.kind == CVVersion.Kind.PDF
    assert version.download_name == "cv.pdf"


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "cv.pdf", "cv.empty"),
        (cv_samples.plain_zip(), "cv.pdf", "cv.unsupported_type"),
        (cv_samples.plain_pdf(["x"], password="secret"), "cv.pdf", "cv.encrypted"),
        (b"%PDF-1.4 broken", "cv.pdf", "cv.corrupt"),
        (cv_samples.billion_laughs(), "cv.xml", "cv.unsafe_xml"),
        (cv_samples.external_entity(), "cv.xml", "cv.unsafe_xml"),
        (cv_samples.huge_png(), "cv.png", "cv.unsupported_type"),
        (cv_samples.huge_png(), "cv.pdf", "cv.unsupported_type"),
    ],
)
def test_a_refused_file_stores_nothing_and_keeps_the_previous_version(mario, data, name, code):
    previous = upload(mario, cv_samples.europass_candidate_xml())
    with pytest.raises(DomainError) as caught:
        upload(mario, data, name)
    assert caught.value.code == code
    assert list(CVVersion.objects.values_list("pk", flat=True)) == [previous.pk]
    assert stored_files() == [Path(previous.file.path)]
    previous.refresh_from_db()
    assert previous.state == CVVersion.State.AUTO_CHECKED


def test_a_200_mb_upload_is_refused_without_being_read(mario):
    class Unreadable:
        def read(self, *_args):
            raise AssertionError("the body of an oversized upload must not be read")

        def seek(self, *_args):
            raise AssertionError("the body of an oversized upload must not be read")

    huge = UploadedFile(file=cast(IO[bytes], Unreadable()), name="cv.pdf", size=200 * 1024 * 1024)
    with pytest.raises(DomainError) as caught:
        cv_upload(actor=mario, profile=mario.candidate_profile, upload=huge)
    assert caught.value.code == "cv.too_large"
    assert not CVVersion.objects.exists()


def test_a_stream_longer_than_it_claims_is_cut_at_the_limit(mario, settings):
    settings.CV_MAX_BYTES = 2048
    lying = cv_samples.upload(cv_samples.europass_candidate_xml(extra_text="x" * 5000))
    lying.size = 100
    with pytest.raises(DomainError) as caught:
        cv_upload(actor=mario, profile=mario.candidate_profile, upload=lying)
    assert caught.value.code == "cv.too_large"


def test_impossible_dates_are_stored_with_report_errors_the_candidate_can_fix(mario):
    version = upload(mario, cv_samples.europass_candidate_xml(job_end="2019-02-30"))
    assert [e["code"] for e in version.report["errors"]] == ["cv.date_invalid"]


def test_only_the_candidate_uploads_to_their_profile(mario):
    stranger = factories.user()
    with pytest.raises(Forbidden):
        cv_upload(
            actor=stranger,
            profile=mario.candidate_profile,
            upload=cv_samples.upload(cv_samples.europass_candidate_xml()),
        )


# --- who may see a CV -------------------------------------------------------------------------


@pytest.fixture
def cv(mario):
    return upload(mario, cv_samples.europass_candidate_xml())


def download(user, version: CVVersion) -> tuple[Any, bytes]:
    """The response and, for a file, its bytes (the file closed again)."""
    response: Any = client_for(user).get(f"/candidates/cv/{version.pk}/file/")
    if response.status_code != 200:
        return response, b""
    return response, streamed_body(response)


def recruiter_of(employer):
    return factories.member(employer.organisation, Membership.Role.RECRUITER)


def test_recruiter_of_an_employer_without_a_share_gets_404_and_no_log(cv):
    recruiter = recruiter_of(factories.employer())
    assert download(recruiter, cv)[0].status_code == 404
    assert not CVAccess.objects.exists()


def test_a_missing_cv_and_a_hidden_cv_answer_the_same(cv):
    recruiter = recruiter_of(factories.employer())
    hidden = client_for(recruiter).get(f"/candidates/cv/{cv.pk}/file/")
    missing = client_for(recruiter).get(f"/candidates/cv/{cv.pk + 1000}/file/")
    assert hidden.status_code == missing.status_code == 404
    for response in (hidden, missing):
        assert b"This CV does not exist or is not shared with you." in response.content


def test_shared_employer_recruiter_downloads_with_safe_headers_and_is_logged(mario, cv):
    employer = factories.employer()
    recruiter = recruiter_of(employer)
    cv_share(actor=mario, profile=mario.candidate_profile, employer=employer)
    response, body = download(recruiter, cv)
    assert response.status_code == 200
    assert body == cv_samples.europass_candidate_xml()
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == "application/xml"
    access = CVAccess.objects.get()
    assert (access.user, access.version, access.via) == (recruiter, cv, CVAccess.Via.DOWNLOAD)


def test_withdrawing_the_share_stops_access_at_once(mario, cv):
    employer = factories.employer()
    recruiter = recruiter_of(employer)
    cv_share(actor=mario, profile=mario.candidate_profile, employer=employer)
    cv_unshare(actor=mario, profile=mario.candidate_profile, employer=employer)
    assert download(recruiter, cv)[0].status_code == 404
    share = CVShare.objects.get()
    assert share.withdrawn_at is not None
    # Sharing again opens a new consent row; the withdrawn one stays as proof.
    cv_share(actor=mario, profile=mario.candidate_profile, employer=employer)
    assert CVShare.objects.count() == 2
    assert download(recruiter, cv)[0].status_code == 200


def test_a_share_with_one_employer_does_not_open_the_cv_to_another(mario, cv):
    cv_share(actor=mario, profile=mario.candidate_profile, employer=factories.employer())
    other_recruiter = recruiter_of(factories.employer())
    with pytest.raises(NotFound):
        access_cv_version(actor=other_recruiter, version_id=cv.pk)


def test_sharing_twice_keeps_one_open_share(mario):
    employer = factories.employer()
    first = cv_share(actor=mario, profile=mario.candidate_profile, employer=employer)
    again = cv_share(actor=mario, profile=mario.candidate_profile, employer=employer)
    assert first.pk == again.pk


def test_the_candidate_and_cpi_staff_see_it_and_every_access_is_logged(mario, cv):
    cpi = factories.organisation(Organisation.Kind.CPI)
    operator = factories.member(cpi, Membership.Role.CPI_OPERATOR)
    for viewer in (mario, operator, operator):
        assert download(viewer, cv)[0].status_code == 200
    assert list(CVAccess.objects.order_by("at").values_list("user", flat=True)) == [
        mario.pk,
        operator.pk,
        operator.pk,
    ]


def test_anonymous_visitors_are_sent_to_sign_in(cv):
    from django.test import Client

    response = Client().get(f"/candidates/cv/{cv.pk}/file/")
    assert response.status_code == 302
    assert not CVAccess.objects.exists()


# --- the operator's review ----------------------------------------------------------------------


@pytest.fixture
def operator():
    return factories.member(
        factories.organisation(Organisation.Kind.CPI), Membership.Role.CPI_OPERATOR
    )


def test_operator_validates_with_identity_and_qualification_checks(cv, operator):
    reviewed = cv_review(
        actor=operator,
        version=cv,
        outcome=CVVersion.State.VALIDATED,
        identity_method=CVVersion.IdentityMethod.VIDEO_DOCUMENT,
        qualification_checks=[{"item": "education.0", "checked": True}],
        note="Diploma seen.",
    )
    assert reviewed.state == CVVersion.State.VALIDATED
    assert reviewed.reviewed_by == operator
    assert reviewed.qualification_checks == [{"item": "education.0", "checked": True}]
    entry = AuditEntry.objects.get(action="candidates.cv.reviewed")
    assert entry.actor == operator
    assert entry.data["outcome"] == "validated"


def test_identity_first_then_validation(cv, operator):
    cv_review(
        actor=operator,
        version=cv,
        outcome=CVVersion.State.IDENTITY_VERIFIED,
        identity_method=CVVersion.IdentityMethod.SPID,
    )
    validated = cv_review(actor=operator, version=cv, outcome=CVVersion.State.VALIDATED)
    assert validated.identity_method == CVVersion.IdentityMethod.SPID


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"outcome": "validated"}, "cv.identity_required"),
        ({"outcome": "approved"}, "cv.review_outcome_invalid"),
        ({"outcome": "validated", "identity_method": "guess"}, "cv.identity_method_invalid"),
        (
            {
                "outcome": "needs_changes",
                "qualification_checks": [{"item": "education.7", "checked": True}],
            },
            "cv.qualification_unknown",
        ),
    ],
)
def test_review_refusals(cv, operator, kwargs, code):
    with pytest.raises(DomainError) as caught:
        cv_review(actor=operator, version=cv, **kwargs)
    assert caught.value.code == code
    cv.refresh_from_db()
    assert cv.state == CVVersion.State.AUTO_CHECKED


def test_a_cv_with_report_errors_cannot_be_validated(mario, operator):
    version = upload(mario, cv_samples.europass_candidate_xml(email="bad@"))
    with pytest.raises(DomainError) as caught:
        cv_review(actor=operator, version=version, outcome="validated", identity_method="cie")
    assert caught.value.code == "cv.has_errors"


def test_a_new_upload_returns_to_auto_checked_and_the_old_one_cannot_be_reviewed(
    mario, cv, operator
):
    cv_review(actor=operator, version=cv, outcome="validated", identity_method="spid")
    newer = upload(mario, cv_samples.skills_passport_xml())
    assert newer.state == CVVersion.State.AUTO_CHECKED
    cv.refresh_from_db()
    assert cv.state == CVVersion.State.VALIDATED
    with pytest.raises(DomainError) as caught:
        cv_review(actor=operator, version=cv, outcome="rejected")
    assert caught.value.code == "cv.review_closed"


def test_only_cpi_staff_review(mario, cv):
    recruiter = recruiter_of(factories.employer())
    for actor in (mario, recruiter):
        with pytest.raises(Forbidden):
            cv_review(actor=actor, version=cv, outcome="rejected")


def test_production_can_keep_cvs_in_a_private_s3_bucket_with_no_links(monkeypatch):
    from importlib import reload

    from django.core.files.storage import StorageHandler

    from candidates.storage import PrivateS3Storage
    from fairplatform.settings import base

    monkeypatch.setenv("CV_S3_BUCKET", "cv-private")
    monkeypatch.setenv("CV_S3_ENDPOINT_URL", "https://objects.example.it")
    try:
        configured = reload(base).STORAGES
    finally:
        monkeypatch.delenv("CV_S3_BUCKET")
        reload(base)
    storage = StorageHandler(configured)["cv"]
    assert isinstance(storage, PrivateS3Storage)
    assert (storage.bucket_name, storage.endpoint_url) == (
        "cv-private",
        "https://objects.example.it",
    )
    assert storage.default_acl == "private"
    with pytest.raises(NotImplementedError):
        storage.url("cv/1/x.pdf")
