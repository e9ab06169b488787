"""What is wrong with a vacancy record an import refused, worded in the active language when
shown.

A problem is stored as its code and the values its sentence needs, never as a sentence: the
organiser reading a run's report in Italian sees it in Italian. The part of a code before the
dot is the reason reports group by ("bad_occupation"); the part after it picks the sentence.
"""

from typing import Any, TypedDict

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


class Problem(TypedDict):
    code: str
    params: dict[str, Any]


TEXTS: dict[str, StrOrPromise] = {
    "missing_ref": _("No reference at the source."),
    "missing_version": _("No row version."),
    "unknown_status": _("Unknown status %(value)s."),
    "missing_title": _("No title."),
    "no_positions": _("Positions must be at least 1, not %(value)s."),
    "too_many_positions": _("Positions must be at most %(limit)s, not %(value)s."),
    "missing_publication": _("No publication date."),
    "missing_change_time": _("No time of the last change at the source."),
    "bad_publication": _("Published at %(value)s, outside years 1–9999 in UTC."),
    "bad_date": _("%(field)s: %(value)s is outside years 1–9999."),
    "expiry_before_publication": _(
        "Expires on %(expiry)s before its publication on %(published)s."
    ),
    "too_long": _("%(field)s: longer than %(limit)s characters."),
    "bad_comune.istat": _("Malformed ISTAT comune code %(value)s."),
    "bad_comune.belfiore": _("Malformed cadastral code %(value)s."),
    "bad_nuts3": _("Malformed NUTS 3 code %(value)s."),
    "bad_occupation.cp2011": _("Malformed CP2011 code %(value)s."),
    "bad_occupation.isco08": _("Malformed ISCO-08 code %(value)s."),
    "bad_occupation.esco": _("Not an ESCO occupation URI: %(value)s."),
    "missing_occupation": _("No occupation code."),
    "unknown_contract": _("Unknown contract type %(value)s."),
    "unknown_contract.source_code": _("Unknown contract code %(value)s."),
    "unknown_contract.offering_type": _("Unknown PositionOfferingTypeCode %(value)s."),
    "unknown_working_time": _("Unknown working time %(value)s."),
    "unknown_working_time.source_code": _("Unknown working time code %(value)s."),
    "unknown_education": _("EQF level %(value)s is not 1–8."),
    "unknown_education.source_code": _("Unknown education code %(value)s."),
    "unknown_comune": _("Comune %(value)s is not in ISTAT's list of comuni."),
    "comune_mismatch": _(
        "The ISTAT code %(istat)s names %(istat_name)s, the cadastral code %(belfiore)s names "
        "%(belfiore_name)s."
    ),
    "unknown_classification_version": _("Unknown ATECO version %(value)s."),
    "unknown_ateco": _("Unknown ATECO %(version)s code %(value)s."),
    "bad_language.code": _("Not an ISO 639-1 language: %(value)s."),
    "bad_language.level": _("Not a CEFR level: %(value)s."),
    "bad_licence": _("Unknown driving-licence categories %(value)s."),
    "bad_skill.uri": _("Not an ESCO skill URI: %(value)s."),
    "bad_skill.label": _("The name of skill %(value)s is too long."),
    "duplicate_ref.same_version": _(
        "Another row has the same reference and version %(winner)s, with other content."
    ),
    "duplicate_ref.superseded": _(
        "Version %(version)s is superseded by version %(winner)s of the same reference."
    ),
    "malformed_document": _("The document could not be read: %(error)s"),
    "unreadable": _("Unexpected %(error)s"),
}


def problem(code: str, **params: Any) -> Problem:
    if code not in TEXTS:
        raise KeyError(f"No text for the vacancy problem {code!r}.")
    return {"code": code, "params": params}


def reason_of(code: str) -> str:
    return code.partition(".")[0]


def describe(problems: list[Problem]) -> str:
    """The problems as sentences in the active language. One recorded before problems had
    codes (or whose code is gone) shows the text it was stored with."""
    sentences = []
    for item in problems:
        text, params = TEXTS.get(item["code"]), item["params"]
        if text is None:
            sentences.append(str(params.get("text", item["code"])))
        elif "field" in params:
            sentences.append(str(text) % {**params, "field": field_label(params["field"])})
        else:
            sentences.append(str(text) % params if params else str(text))
    return " ".join(sentences)


def field_label(name: str) -> str:
    """A vacancy field by its name in the active language ("employer_name" → "Employer name")."""
    vacancy = apps.get_model("employers", "Vacancy")
    try:
        return capfirst(str(vacancy._meta.get_field(name).verbose_name)) or name
    except FieldDoesNotExist:
        return name
