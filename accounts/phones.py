"""Mobile numbers are stored in E.164; people type them the way they are used to."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_REGION = "IT"


def phone_to_e164(raw: str) -> str:
    """Return the number in E.164 or raise ValidationError with a message a person can act on."""
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Enter a phone number such as 333 123 4567 or +39 333 123 4567."), code="invalid"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("This phone number does not exist. Check the digits."), code="invalid"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_e164(value: str) -> None:
    if phone_to_e164(value) != value:
        raise ValidationError(_("Store phone numbers in E.164 form, e.g. +393331234567."))


def looks_like_phone(identifier: str) -> bool:
    return "@" not in identifier and any(ch.isdigit() for ch in identifier)
