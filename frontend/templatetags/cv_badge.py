from typing import Any

from django import template

from accounts.models import User
from candidates.selectors import cv_validation_dates

register = template.Library()


@register.inclusion_tag("frontend/_cv_badge.html")
def cv_badge(
    user: User, validations: dict[int, Any] | None = None, show_missing: bool = False
) -> dict[str, Any]:
    """ "Validated by CPI on <date>" when the person's current CV version is validated.

    Pages listing many people pass `validations`, the result of one `cv_validation_dates` call
    for all of them; alone, the tag asks for this one person.
    """
    if validations is None:
        validations = cv_validation_dates(user_ids=[user.pk])
    return {"validated_at": validations.get(user.pk), "show_missing": show_missing}
