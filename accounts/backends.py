from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts.models import User
from accounts.phones import looks_like_phone, phone_to_e164


def user_by_identifier(identifier: str) -> User | None:
    """The active user whose email or mobile number this is."""
    identifier = identifier.strip()
    if looks_like_phone(identifier):
        try:
            return User.objects.filter(phone=phone_to_e164(identifier), is_active=True).first()
        except ValidationError:
            return None
    return User.objects.filter(email__iexact=identifier, is_active=True).first()


class EmailOrPhoneBackend(ModelBackend):
    """Password sign-in by email or mobile number. An OIDC backend (SPID/CIE) sits beside it."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = user_by_identifier(username)
        if user is None:
            # Same cost as a real check, so response time does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
