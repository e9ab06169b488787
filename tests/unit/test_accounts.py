import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from accounts.forms import CandidateSignupForm
from accounts.models import User
from candidates.models import ConsentRecord
from fairplatform.settings import base as base_settings
from tests import factories

pytestmark = pytest.mark.django_db


def signup(client, **fields):
    data = {
        "full_name": "Giulia Esposito",
        "phone": "",
        "email": "",
        "password": "una-password-lunga-7",
        "accept_terms": "on",
    }
    data.update(fields)
    return client.post(reverse("accounts:signup"), data)


def test_candidate_signs_up_with_a_mobile_number_only_and_signs_in_with_it(client):
    response = signup(client, phone="333 765 4321")
    assert response.status_code == 302
    user = User.objects.get()
    assert user.phone == "+393337654321"
    assert user.email is None
    assert user.candidate_profile.preferred_channel == "sms"
    purposes = {c.purpose: c.granted for c in ConsentRecord.objects.all()}
    assert purposes == {"terms": True, "share_with_employers": False}

    assert authenticate(username="+39 333 7654321", password="una-password-lunga-7") == user
    assert authenticate(username="3337654321", password="wrong-password-1") is None


def test_a_sign_up_racing_another_with_the_same_email_is_refused_with_a_message(
    client, monkeypatch
):
    factories.user(email="gemma@example.org")
    # What the racing request saw: no such account yet when its form was checked.
    monkeypatch.setattr(CandidateSignupForm, "clean_email", lambda form: "gemma@example.org")
    response = signup(client, email="gemma@example.org", phone="")
    assert response.status_code == 400
    assert "An account with this email or mobile number exists." in response.content.decode()
    assert User.objects.filter(email__iexact="gemma@example.org").count() == 1


def test_sign_in_page_accepts_email_in_any_case(client):
    user = factories.user(email="mario.rossi@example.org")
    response = client.post(
        reverse("accounts:login"),
        {"username": "Mario.Rossi@Example.org", "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, b"Give your mobile number or your email"),
        ({"phone": "12"}, b"This phone number does not exist"),
        ({"phone": "call me"}, b"Enter a phone number such as"),
        ({"email": "taken@example.org"}, b"An account with this email exists"),
        ({"email": "new@example.org", "password": "12345678"}, b"entirely numeric"),
        ({"email": "new@example.org", "accept_terms": ""}, b"This field is required"),
    ],
    ids=["no-contact", "bad-phone", "not-a-phone", "taken-email", "weak-password", "no-consent"],
)
def test_bad_sign_up_is_refused_with_a_message_and_saves_nothing(client, fields, message):
    factories.user(email="taken@example.org")
    response = signup(client, **fields)
    assert response.status_code == 400
    assert message in response.content
    assert User.objects.count() == 1


def test_pages_speak_italian_by_default_and_english_under_en(client, settings):
    # Tests read messages in English; the product's default is Italian.
    settings.LANGUAGE_CODE = base_settings.LANGUAGE_CODE
    italian = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    english = client.get("/en/")
    assert b"Prossime fiere del lavoro" in italian.content
    assert b"Upcoming job fairs" in english.content


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/password/reset/",
        "/accounts/password/reset/sent/",
        "/accounts/password/reset/MQ/set-password/",
        "/accounts/password/reset/done/",
    ],
)
def test_password_reset_pages_are_ours_not_the_admins(client, url):
    # The admin ships registration/ templates of the same names: ours must win.
    response = client.get(url)
    assert response.status_code == 200
    assert "frontend/base.html" in [t.name for t in response.templates]
