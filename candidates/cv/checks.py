"""The automatic checks of standards.md §2.2 (items 5 to 8): a report of errors, warnings and the
fields we extracted. Issues are stored as codes with parameters and worded when shown, so the
candidate reads them in their own language and the wording can improve without a migration."""

import itertools
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.phones import phone_to_e164
from candidates.cv.document import Flavour, Period, StructuredCV
from employers.validators import validate_codice_fiscale
from fairplatform.cefr import CEFR_LEVELS

MIN_WORKING_AGE = 14
EQF_LEVELS = {str(level) for level in range(1, 9)}
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T\d{2}:\d{2}:\d{2})?$")


@dataclass(frozen=True)
class IssueText:
    message: str | Promise
    fix: str | Promise


ISSUES: dict[str, IssueText] = {
    "cv.name_missing": IssueText(
        _("Your first name or surname is missing."),
        _("Fill in your name and surname in the personal information section."),
    ),
    "cv.contact_missing": IssueText(
        _("We found no email address and no mobile number."),
        _("Add at least an email address or a mobile number so employers can contact you."),
    ),
    "cv.email_invalid": IssueText(
        _("The email address “%(value)s” is not valid."),
        _("Check it: it looks like name@example.com, without spaces."),
    ),
    "cv.phone_invalid": IssueText(
        _("The phone number “%(value)s” does not exist."),
        _("Check the digits; write foreign numbers with their country code, e.g. +49 …"),
    ),
    "cv.history_missing": IssueText(
        _("There is no work experience and no education."),
        _("Add at least one job or one school, course or degree."),
    ),
    "cv.date_invalid": IssueText(
        _("The date “%(value)s” in %(where)s is not a real date."),
        _("Write dates as year, year and month, or full date, e.g. 2019, 2019-03 or 2019-03-15."),
    ),
    "cv.birth_date_invalid": IssueText(
        _("Your date of birth “%(value)s” is not a real date."),
        _("Write it as year-month-day, e.g. 1990-05-31."),
    ),
    "cv.birth_date_future": IssueText(
        _("Your date of birth “%(value)s” is in the future."),
        _("Write it as year-month-day, e.g. 1990-05-31."),
    ),
    "cv.period_reversed": IssueText(
        _("In %(where)s the end (%(end)s) comes before the start (%(start)s)."),
        _("Swap or correct the two dates."),
    ),
    "cv.date_in_future": IssueText(
        _("In %(where)s the end date %(end)s is in the future."),
        _("If you are still there, tick “ongoing” and leave the end date empty."),
    ),
    "cv.before_working_age": IssueText(
        _("%(where)s starts before you were %(age)d years old."),
        _("Check the start date and your date of birth."),
    ),
    "cv.language_code_invalid": IssueText(
        _("“%(value)s” is not a language we recognise."),
        _("Choose the language from the list in the Europass editor."),
    ),
    "cv.cefr_level_invalid": IssueText(
        _("The level “%(value)s” for %(language)s is not a European language level."),
        _("Use one of A1, A2, B1, B2, C1 or C2 for each skill."),
    ),
    "cv.fiscal_code_invalid": IssueText(
        _("The codice fiscale %(value)s is not valid: its check letter does not match."),
        _("Copy it from your health card (tessera sanitaria)."),
    ),
    "cv.eqf_level_invalid": IssueText(
        _("The education level “%(value)s” in %(where)s is not an EQF level."),
        _("Choose a level from 1 to 8 from the list in the Europass editor."),
    ),
    "cv.jobs_overlap": IssueText(
        _("%(first)s and %(second)s overlap in time."),
        _("That is fine if you held both jobs at once; otherwise correct the dates."),
    ),
    "cv.occupation_missing": IssueText(
        _("You have not said which job you are looking for."),
        _("Add a desired job or occupation: employment offices use it to match you."),
    ),
    "cv.language_levels_missing": IssueText(
        _("%(language)s has no levels."),
        _("Give a level from A1 to C2 for listening, reading, speaking and writing."),
    ),
    "cv.unstructured": IssueText(
        _("We could not read the sections of this file automatically."),
        _(
            "An operator will read it. For a faster check, upload the XML or PDF you saved "
            "from the Europass website."
        ),
    ),
    "cv.name_mismatch": IssueText(
        _("The name in the CV (%(cv_name)s) differs from your account (%(account_name)s)."),
        _("If this is your CV, an operator will confirm your identity; nothing else to do."),
    ),
}


@dataclass
class Issue:
    code: str
    where: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    extracted: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def describe(issue: dict[str, Any]) -> dict[str, str]:
    """A stored issue worded in the active language: its message and how to fix it."""
    text = ISSUES[issue["code"]]
    params = issue.get("params", {})
    return {
        "code": issue["code"],
        "where": issue.get("where", ""),
        "message": str(text.message) % params if params else str(text.message),
        "fix": str(text.fix),
    }


def check_cv(cv: StructuredCV, *, account_name: str, today: date) -> Report:
    report = Report()
    if cv.flavour is Flavour.UNSTRUCTURED:
        report.warnings.append(Issue("cv.unstructured"))
    else:
        _check_required(cv, report)
        _check_dates(cv, report, today)
        _check_languages(cv, report)
        _check_identity(cv, report, account_name)
    _check_contacts(cv, report)
    for code in cv.fiscal_codes:
        try:
            validate_codice_fiscale(code)
        except ValidationError:
            report.errors.append(Issue("cv.fiscal_code_invalid", "fiscal_code", {"value": code}))
    report.extracted = _extracted(cv)
    return report


def _check_required(cv: StructuredCV, report: Report) -> None:
    if not cv.first_name or not cv.surname:
        report.errors.append(Issue("cv.name_missing", "name"))
    if not cv.work and not cv.education:
        report.errors.append(Issue("cv.history_missing", "work"))
    if not cv.desired_occupation:
        report.warnings.append(Issue("cv.occupation_missing", "desired_occupation"))
    for index, item in enumerate(cv.education):
        if item.eqf_level and item.eqf_level not in EQF_LEVELS:
            report.errors.append(
                Issue(
                    "cv.eqf_level_invalid",
                    f"education.{index}",
                    {"value": item.eqf_level, "where": item.title or _where("education", index)},
                )
            )


def _check_contacts(cv: StructuredCV, report: Report) -> None:
    if not cv.emails and not cv.phones:
        missing = Issue("cv.contact_missing", "contacts")
        (report.warnings if cv.flavour is Flavour.UNSTRUCTURED else report.errors).append(missing)
    for email in cv.emails:
        try:
            validate_email(email)
        except ValidationError:
            report.errors.append(Issue("cv.email_invalid", "emails", {"value": email}))
    for phone in cv.phones:
        try:
            phone_to_e164(phone)
        except ValidationError:
            report.errors.append(Issue("cv.phone_invalid", "phones", {"value": phone}))


def _where(section: str, index: int) -> str:
    """Where an issue is, when the entry has no title of its own: "work #2"."""
    return f"{section} #{index + 1}"


def parse_partial_date(value: str) -> tuple[int, ...] | None:
    """(year,), (year, month) or (year, month, day) if it is a real date, else None."""
    match = DATE_RE.match(value.strip())
    if not match:
        return None
    parts = tuple(int(part) for part in match.groups() if part is not None)
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return None
    return parts


def _earliest(parts: tuple[int, ...]) -> date:
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def _check_dates(cv: StructuredCV, report: Report, today: date) -> None:
    birth = parse_partial_date(cv.birth_date) if cv.birth_date else None
    if cv.birth_date and birth is None:
        report.errors.append(Issue("cv.birth_date_invalid", "birth_date", {"value": cv.birth_date}))
    elif birth is not None and _earliest(birth) > today:
        # Nothing else is measured from it (a working age past year 9999 is no date at all).
        report.errors.append(Issue("cv.birth_date_future", "birth_date", {"value": cv.birth_date}))
        birth = None
    sections: list[tuple[str, str, Period]] = [
        (f"work.{i}", job.position or job.employer or _where("work", i), job.period)
        for i, job in enumerate(cv.work)
    ] + [
        (f"education.{i}", school.title or _where("education", i), school.period)
        for i, school in enumerate(cv.education)
    ]
    job_spans: list[tuple[str, date, date]] = []
    for field_name, where, period in sections:
        start = _checked_date(period.start, field_name, where, report)
        end = _checked_date(period.end, field_name, where, report)
        if start and end:
            common = min(len(start), len(end))
            if end[:common] < start[:common]:
                report.errors.append(
                    Issue(
                        "cv.period_reversed",
                        field_name,
                        {"where": where, "start": period.start, "end": period.end},
                    )
                )
        if end and not period.ongoing and _earliest(end) > today:
            report.errors.append(
                Issue("cv.date_in_future", field_name, {"where": where, "end": period.end})
            )
        if start and birth and field_name.startswith("work."):
            # The month of the birthday: day 1 also keeps a 29 February birth a valid date.
            adult = _earliest(birth).replace(year=birth[0] + MIN_WORKING_AGE, day=1)
            if _earliest(start) < adult:
                report.errors.append(
                    Issue(
                        "cv.before_working_age",
                        field_name,
                        {"where": where, "age": MIN_WORKING_AGE},
                    )
                )
        if start and field_name.startswith("work."):
            finish = today if period.ongoing or not end else _earliest(end)
            job_spans.append((where, _earliest(start), finish))
    job_spans.sort(key=lambda span: span[1])
    for (first, _start, first_end), (second, second_start, _end) in itertools.pairwise(job_spans):
        if second_start < first_end:
            report.warnings.append(
                Issue("cv.jobs_overlap", "work", {"first": first, "second": second})
            )


def _checked_date(
    value: str, field_name: str, where: str, report: Report
) -> tuple[int, ...] | None:
    if not value:
        return None
    parsed = parse_partial_date(value)
    if parsed is None:
        report.errors.append(Issue("cv.date_invalid", field_name, {"value": value, "where": where}))
    return parsed


def language_code(value: str) -> str | None:
    """ISO 639-1 code for an ISO 639-1 or 639-2/3 code, or None if there is no such language."""
    value = value.strip().lower()
    if len(value) == 2:
        language = pycountry.languages.get(alpha_2=value)
    elif len(value) == 3:
        language = pycountry.languages.get(alpha_3=value) or pycountry.languages.get(
            bibliographic=value
        )
    else:
        return None
    if language is None:
        return None
    return str(getattr(language, "alpha_2", language.alpha_3))


def _check_languages(cv: StructuredCV, report: Report) -> None:
    for index, code in enumerate(cv.mother_tongues):
        if language_code(code) is None:
            report.errors.append(
                Issue("cv.language_code_invalid", f"mother_tongues.{index}", {"value": code})
            )
    for index, skill in enumerate(cv.foreign_languages):
        field_name = f"foreign_languages.{index}"
        if language_code(skill.code) is None:
            report.errors.append(
                Issue("cv.language_code_invalid", field_name, {"value": skill.code})
            )
        levels = skill.levels()
        if not any(levels.values()):
            report.warnings.append(
                Issue("cv.language_levels_missing", field_name, {"language": skill.code})
            )
        for level in levels.values():
            if level and level.upper() not in CEFR_LEVELS:
                report.errors.append(
                    Issue(
                        "cv.cefr_level_invalid",
                        field_name,
                        {"value": level, "language": skill.code},
                    )
                )


def _check_identity(cv: StructuredCV, report: Report, account_name: str) -> None:
    """§2.2.8: a different name is flagged for the operator, never refused."""
    account_words = {word.casefold() for word in account_name.split()}
    cv_words = {word.casefold() for word in f"{cv.first_name} {cv.surname}".split()}
    if account_words and cv_words and not cv_words <= account_words:
        report.warnings.append(
            Issue(
                "cv.name_mismatch",
                "name",
                {"cv_name": f"{cv.first_name} {cv.surname}", "account_name": account_name},
            )
        )


def _extracted(cv: StructuredCV) -> dict[str, Any]:
    """The facts an operator or recruiter scans first, normalised where we could."""
    phones = []
    for phone in cv.phones:
        try:
            phones.append(phone_to_e164(phone))
        except ValidationError:
            continue
    languages = [
        {"code": code, "level": "native"}
        for raw in cv.mother_tongues
        if (code := language_code(raw))
    ]
    for skill in cv.foreign_languages:
        code = language_code(skill.code)
        levels = [
            level.upper() for level in skill.levels().values() if level.upper() in CEFR_LEVELS
        ]
        if code and levels:
            languages.append({"code": code, "level": min(levels)})
    eqf = [int(school.eqf_level) for school in cv.education if school.eqf_level in EQF_LEVELS]
    return {
        "name": f"{cv.first_name} {cv.surname}".strip(),
        "birth_date": cv.birth_date,
        "emails": cv.emails,
        "phones": phones,
        "fiscal_codes": cv.fiscal_codes,
        "desired_occupation": cv.desired_occupation,
        "jobs": len(cv.work),
        "education": len(cv.education),
        "highest_eqf_level": max(eqf, default=None),
        "languages": languages,
        "driving_licences": cv.driving_licences,
    }
