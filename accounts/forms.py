from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, User
from accounts.phones import phone_to_e164


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Email or mobile number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": _(
            "The email or mobile number and password do not match. Check them and try again."
        ),
        "inactive": _("This account is disabled. Contact your CPI help desk."),
    }


class CandidateSignupForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        required=False,
        help_text=_("We send interview reminders here. Either this or your email is needed."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 8 characters, not only digits."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    accept_terms = forms.BooleanField(
        label=_("I have read the privacy notice and accept the terms of use."), required=True
    )
    share_with_employers = forms.BooleanField(
        label=_("Employers at the fairs I join may see my profile."), required=False
    )

    def clean_phone(self) -> str | None:
        raw = str(self.cleaned_data["phone"]).strip()
        if not raw:
            return None
        phone = phone_to_e164(raw)
        if User.objects.filter(phone=phone).exists():
            raise ValidationError(_("An account with this mobile number exists. Sign in instead."))
        return phone

    def clean_email(self) -> str | None:
        email = str(self.cleaned_data["email"]).strip().lower()
        if not email:
            return None
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("An account with this email exists. Sign in instead."))
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not cleaned.get("phone") and not cleaned.get("email"):
            raise ValidationError(_("Give your mobile number or your email, so you can sign in."))
        password = cleaned.get("password")
        if password:
            probe = User(full_name=cleaned.get("full_name", ""), email=cleaned.get("email"))
            try:
                password_validation.validate_password(password, probe)
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class StaffAccountForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
