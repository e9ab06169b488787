"""A stored CV version shaped for a page: the same view for the candidate ("what employers will
see") and the CPI operator, worded in the active language."""

import gettext
from functools import cache
from typing import Any

import pycountry
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from candidates.cv.checks import describe, language_code
from candidates.models import CVVersion

CEFR_DIMENSIONS = {
    "listening": gettext_lazy("listening"),
    "reading": gettext_lazy("reading"),
    "spoken_interaction": gettext_lazy("spoken interaction"),
    "spoken_production": gettext_lazy("spoken production"),
    "writing": gettext_lazy("writing"),
}


@cache
def _language_names(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso639-3", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def language_label(raw: str) -> str:
    """ "en" → "English" / "Inglese"; what the candidate wrote when it is not a language."""
    code = language_code(raw)
    found = pycountry.languages.get(alpha_2=code) if code else None
    if found is None:
        return raw
    return _language_names(get_language() or "it").gettext(found.name)


def period_text(period: dict[str, Any]) -> str:
    start, end = period.get("start", ""), period.get("end", "")
    if period.get("ongoing") or (start and not end):
        return _("%(start)s – today") % {"start": start or "?"}
    if start or end:
        return f"{start or '?'} – {end or '?'}"
    return ""


def cv_summary(version: CVVersion) -> dict[str, Any]:
    cv = version.structured
    extracted = version.report.get("extracted", {})
    checks = {c["item"]: c["checked"] for c in version.qualification_checks}
    qualifications: list[dict[str, Any]] = [
        {
            "item": f"work.{i}",
            "label": " · ".join(filter(None, [job.get("position"), job.get("employer")]))
            or _("Job %(n)d") % {"n": i + 1},
        }
        for i, job in enumerate(cv.get("work", []))
    ]
    qualifications += [
        {
            "item": f"education.{i}",
            "label": " · ".join(filter(None, [school.get("title"), school.get("organisation")]))
            or _("Education %(n)d") % {"n": i + 1},
        }
        for i, school in enumerate(cv.get("education", []))
    ]
    qualifications += [
        {"item": f"driving_licence.{code}", "label": _("Driving licence %(code)s") % {"code": code}}
        for code in cv.get("driving_licences", [])
    ]
    for item in qualifications:
        item["checked"] = checks.get(item["item"])
    return {
        "errors": [describe(issue) for issue in version.report.get("errors", [])],
        "warnings": [describe(issue) for issue in version.report.get("warnings", [])],
        "name": extracted.get("name") or f"{cv.get('first_name', '')} {cv.get('surname', '')}",
        "birth_date": cv.get("birth_date", ""),
        "emails": cv.get("emails", []),
        "phones": extracted.get("phones") or cv.get("phones", []),
        "place": ", ".join(filter(None, [cv.get("city"), (cv.get("country") or "").upper()])),
        "desired_occupation": cv.get("desired_occupation", ""),
        "work": [{**job, "when": period_text(job.get("period", {}))} for job in cv.get("work", [])],
        "education": [
            {**school, "when": period_text(school.get("period", {}))}
            for school in cv.get("education", [])
        ],
        "mother_tongues": [language_label(code) for code in cv.get("mother_tongues", [])],
        "foreign_languages": [
            {
                "name": language_label(skill.get("code", "")),
                "levels": [
                    {"dimension": CEFR_DIMENSIONS[key], "level": skill.get(key, "")}
                    for key in CEFR_DIMENSIONS
                    if skill.get(key)
                ],
            }
            for skill in cv.get("foreign_languages", [])
        ],
        "driving_licences": cv.get("driving_licences", []),
        "digital_skills": cv.get("digital_skills", []),
        "qualifications": qualifications,
        "unstructured": cv.get("flavour") == "unstructured",
    }
