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


# ESCO skills and knowledge concepts all live under this address.
ESCO_SKILL = "http://data.europa.eu/esco/skill/"
SKILL_LABEL_MAX_LENGTH = 200
MAX_SKILLS = 50


def validate_skills(value: object) -> None:
    """`Vacancy.skills`: [{"uri": an ESCO skill URI or "", "label": its name or ""}], each with
    at least one of the two, no URI twice."""
    if not isinstance(value, list):
        raise ValidationError(
            _("Each skill needs a name or an ESCO address."), code="invalid_skill"
        )
    if len(value) > MAX_SKILLS:
        raise ValidationError(
            _("Give at most %(count)d skills.") % {"count": MAX_SKILLS}, code="too_many_skills"
        )
    problems = []
    seen: set[str] = set()
    for item in value:
        uri = item.get("uri", "") if isinstance(item, dict) else None
        label = item.get("label", "") if isinstance(item, dict) else None
        if not isinstance(uri, str) or not isinstance(label, str) or not (uri or label):
            problems.append(_("Each skill needs a name or an ESCO address."))
        elif uri and (not uri.startswith(ESCO_SKILL) or any(c.isspace() for c in uri)):
            problems.append(
                _("“%(uri)s” is not an ESCO skill address (they start with %(prefix)s).")
                % {"uri": uri, "prefix": ESCO_SKILL}
            )
        elif uri in seen:
            problems.append(_("“%(uri)s” is listed twice.") % {"uri": uri})
        elif len(label) > SKILL_LABEL_MAX_LENGTH:
            problems.append(
                _("A skill's name has at most %(count)d characters.")
                % {"count": SKILL_LABEL_MAX_LENGTH}
            )
        if isinstance(uri, str) and uri:
            seen.add(uri)
    if problems:
        raise ValidationError(problems, code="invalid_skill")
