from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale, iva


def validate_partita_iva(value: str) -> None:
    try:
        iva.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _(
                "This is not a valid Italian VAT number (partita IVA): 11 digits with a check digit."
            ),
            code="invalid_vat",
        ) from exc


def validate_codice_fiscale(value: str) -> None:
    """A company's codice fiscale is 11 digits (like a partita IVA); a person's has 16 characters."""
    try:
        if len(value) == 11:
            iva.validate(value)
        else:
            codicefiscale.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("This is not a valid codice fiscale."), code="invalid_codice_fiscale"
        ) from exc
