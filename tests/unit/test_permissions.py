"""Who may do what, over HTTP (the WebSocket side is in tests/channels)."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership
from accounts.permissions import Perm, can
from rooms.models import Booth
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_booths() -> tuple[Booth, Booth]:
    fair = factories.fair()
    return (
        factories.booth(fair_=fair, employer_=factories.employer("Alfa Software")),
        factories.booth(fair_=fair, employer_=factories.employer("Beta Digital")),
    )


def test_recruiter_edits_own_booth_but_not_another_employers(two_booths):
    booth_a, booth_b = two_booths
    recruiter_a = factories.member(booth_a.employer.organisation, Membership.Role.RECRUITER)
    client = client_for(recruiter_a)

    assert client.get(reverse("staff:booth_edit", args=[booth_a.pk])).status_code == 200
    refused = client.post(reverse("staff:booth_edit", args=[booth_b.pk]), {"headline": "Hijacked"})

    # The same answer as for a booth that does not exist: ids cannot be probed.
    missing = client.post(reverse("staff:booth_edit", args=[booth_b.pk + 100]), {"headline": "x"})
    assert refused.status_code == missing.status_code == 404
    for response in (refused, missing):
        assert b"does not exist or is not yours" in response.content
    booth_b.refresh_from_db()
    assert booth_b.headline == ""
    assert can(recruiter_a, Perm.BOOTH_EDIT, booth_a)
    assert not can(recruiter_a, Perm.BOOTH_EDIT, booth_b)


def test_candidate_cannot_reach_the_staff_area(candidate):
    client = client_for(candidate)
    for name in ("staff:dashboard", "staff:fair_create", "staff:employer_create"):
        response = client.get(reverse(name))
        assert response.status_code == 403, name
        assert b"not allowed" in response.content


def test_anonymous_visitor_is_sent_to_sign_in():
    response = Client().get(reverse("staff:dashboard"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_organiser_of_another_office_cannot_manage_the_fair(organiser):
    other_fair = factories.fair()
    client = client_for(organiser)
    assert client.get(reverse("staff:fair", args=[other_fair.pk])).status_code == 404
    response = client.post(reverse("staff:fair_publish", args=[other_fair.pk]))
    assert response.status_code == 404
    other_fair.refresh_from_db()
    assert other_fair.status == "published"


def test_draft_fair_is_hidden_from_the_public_but_not_from_its_organiser(organiser, cpi):
    draft = factories.fair(organiser=cpi, status="draft")
    assert Client().get(reverse("frontend:fair", args=[draft.pk])).status_code == 404
    assert client_for(organiser).get(reverse("frontend:fair", args=[draft.pk])).status_code == 200


def test_deactivated_staff_lose_their_roles(two_booths):
    booth, _other = two_booths
    recruiter = factories.member(booth.employer.organisation, Membership.Role.RECRUITER)
    assert can(recruiter, Perm.BOOTH_EDIT, booth)
    recruiter.is_active = False
    assert not can(recruiter, Perm.BOOTH_EDIT, booth)
    assert not can(recruiter, Perm.STAFF_AREA_ENTER)


def test_inactive_superuser_gets_nothing():
    admin = factories.user()
    admin.is_superuser = True
    admin.is_active = False
    admin.save()
    assert not can(admin, Perm.STAFF_AREA_ENTER)


def test_admin_lists_every_domain_model_for_a_superuser():
    admin = factories.user()
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client = client_for(admin)
    for path in (
        "/admin/rooms/fair/",
        "/admin/rooms/booth/",
        "/admin/rooms/interviewsession/",
        "/admin/rooms/queueentry/",
        "/admin/employers/employer/",
        "/admin/employers/vacancy/",
        "/admin/candidates/candidateprofile/",
        "/admin/candidates/cvversion/",
        "/admin/candidates/cvaccess/",
        "/admin/candidates/cvshare/",
        "/admin/accounts/organisation/",
        "/admin/fairplatform/auditentry/",
    ):
        assert client.get(path).status_code == 200, path


def test_only_staff_of_a_public_employment_service_may_review_cvs():
    cpi_operator = factories.member(factories.organisation(), "cpi_operator")
    eures_organiser = factories.member(factories.organisation("eures"), "organiser")
    private = factories.organisation("private_operator")
    private_organiser = factories.member(private, "organiser")
    assert can(cpi_operator, Perm.CV_REVIEW)
    assert can(eures_organiser, Perm.CV_REVIEW)
    assert not can(private_organiser, Perm.CV_REVIEW)


def test_a_private_operators_organiser_has_no_regional_powers():
    private_organiser = factories.member(factories.organisation("private_operator"), "organiser")
    eures_organiser = factories.member(factories.organisation("eures"), "organiser")
    employer = factories.employer()
    vacancy = factories.vacancy(employer)
    for perm, obj in [
        (Perm.STAFF_ACCOUNT_CREATE, employer.organisation),  # and so a role at any employer
        (Perm.EMPLOYER_CREATE, None),
        (Perm.VACANCY_IMPORT, None),
        (Perm.VACANCY_PRESELECT, vacancy),
        (Perm.VACANCY_EDIT, vacancy),
    ]:
        assert can(eures_organiser, perm, obj), perm
        assert not can(private_organiser, perm, obj), perm
    client = client_for(private_organiser)
    page = reverse("staff:staff_account_new", args=[employer.organisation.pk])
    assert client.get(page).status_code == 404
