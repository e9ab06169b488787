"""Candidates choose how interview messages reach them; reminders follow the choice."""

import pytest
from django.test import Client

from accounts.models import Membership
from accounts.services import candidate_register
from fairplatform.models import AuditEntry
from rooms.models import Notification
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def register(*, email: str | None, phone: str | None):
    return candidate_register(
        full_name="Anna Esposito",
        password=factories.PASSWORD,
        email=email,
        phone=phone,
        preferred_language="it",
        share_with_employers=True,
    )


def channels_of(booking) -> set[str]:
    return set(Notification.objects.filter(booking=booking).values_list("channel", flat=True))


def test_messages_go_the_way_the_candidate_chose_on_the_cv_page():
    anna = register(email="anna@example.org", phone="+393331112233")
    assert channels_of(factories.booking(anna)) == {
        "sms"
    }  # registering with a mobile number chooses SMS

    client = client_for(anna)
    assert "How we reach you" in client.get("/candidates/cv/").content.decode()
    response = client.post("/candidates/contact/", {"preferred_channel": "email"})

    assert response.status_code == 302
    assert channels_of(factories.booking(anna, hours_into_the_fair=3)) == {"email"}
    assert AuditEntry.objects.filter(action="candidates.contact.set").count() == 1


def test_people_without_a_candidate_profile_get_every_channel_they_have():
    staff_member = factories.user(email="sara@example.org", phone="+393334445566")
    assert channels_of(factories.booking(staff_member)) == {"sms", "email"}


@pytest.mark.parametrize(
    ("channel", "message"),
    [
        ("sms", "Your account has no mobile number"),
        ("fax", "Select a valid choice"),
    ],
)
def test_a_channel_without_an_address_or_unknown_is_refused_with_400(channel, message):
    anna = register(email="anna@example.org", phone=None)
    response = client_for(anna).post("/candidates/contact/", {"preferred_channel": channel})
    assert response.status_code == 400
    assert message in response.content.decode()
    anna.candidate_profile.refresh_from_db()
    assert anna.candidate_profile.preferred_channel == "email"


def test_only_signed_in_candidates_set_a_contact_channel():
    choice = {"preferred_channel": "email"}
    assert Client().post("/candidates/contact/", choice).status_code == 302
    operator = factories.member(factories.organisation(), Membership.Role.CPI_OPERATOR)
    assert client_for(operator).post("/candidates/contact/", choice).status_code == 404
