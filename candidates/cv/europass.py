"""Europass XML, both generations, into StructuredCV.

Elements are matched by local name below the flavour's root: producers differ in which
namespace prefix (hr:, oa:, eures:) they put on the same element, and we only read.
"""

import xml.etree.ElementTree as ET  # types only; parse_xml uses defusedxml

from django.utils.translation import gettext_lazy as _

from candidates.cv.document import (
    Education,
    Flavour,
    LanguageSkill,
    Period,
    StructuredCV,
    WorkExperience,
)
from employers.validators import ESCO_SKILL
from fairplatform.errors import DomainError
from fairplatform.safexml import (
    all_text,
    child,
    children,
    descendants,
    local_name,
    namespace,
    parse_xml,
    text_at,
)

EUROPASS_NS = "http://www.europass.eu/1.0"
SKILLS_PASSPORT_NS = "http://europass.cedefop.europa.eu/Europass"

# Europass2 CompetencyDimension type codes → our CEFR dimensions.
CEF_DIMENSIONS = {
    "CEF-Understanding-Listening": "listening",
    "CEF-Understanding-Reading": "reading",
    "CEF-Speaking-Interaction": "spoken_interaction",
    "CEF-Speaking-Production": "spoken_production",
    "CEF-Writing-Production": "writing",
}
SKILLS_PASSPORT_DIMENSIONS = {
    "Listening": "listening",
    "Reading": "reading",
    "SpokenInteraction": "spoken_interaction",
    "SpokenProduction": "spoken_production",
    "Writing": "writing",
}


def unsafe_xml() -> DomainError:
    return DomainError(
        "cv.unsafe_xml",
        _(
            "This XML file contains constructs we do not accept for safety (entities, a DTD or "
            "extreme nesting). Export the CV again from the Europass website."
        ),
    )


def corrupt_xml() -> DomainError:
    return DomainError(
        "cv.corrupt",
        _(
            "This XML file is damaged and cannot be read. Export the CV again and upload the new file."
        ),
    )


def flavour_of(root: ET.Element) -> Flavour | None:
    qname = (namespace(root), local_name(root))
    if qname == (EUROPASS_NS, "Candidate"):
        return Flavour.EUROPASS_CANDIDATE
    if qname == (SKILLS_PASSPORT_NS, "SkillsPassport"):
        return Flavour.SKILLS_PASSPORT
    return None


def parse_europass(data: bytes) -> tuple[StructuredCV, str]:
    """The structured CV and its plain text, or a DomainError saying why not."""
    root = parse_xml(data, refuse_unsafe=unsafe_xml, refuse_corrupt=corrupt_xml)
    flavour = flavour_of(root)
    if flavour is Flavour.EUROPASS_CANDIDATE:
        return _candidate(root), all_text(root)
    if flavour is Flavour.SKILLS_PASSPORT:
        return _skills_passport(root), all_text(root)
    raise DomainError(
        "cv.unsupported_type",
        _(
            "This XML file is not a Europass CV. Upload the XML or PDF you saved from the "
            "Europass website, or a PDF or Word (DOCX) file."
        ),
    )


def isco_code(value: str) -> str:
    """An ISCO-08 unit group (four digits) or nothing: codes of other lists are not guessed."""
    digits = value.strip()
    return digits if len(digits) == 4 and digits.isascii() and digits.isdigit() else ""


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"true", "1"}


def _formatted_date(element: ET.Element | None) -> str:
    return text_at(element, "FormattedDateTime") or text_at(element, "DateText")


def _candidate_period(element: ET.Element | None, ongoing_tag: str) -> Period:
    return Period(
        start=_formatted_date(child(element, "StartDate")),
        end=_formatted_date(child(element, "EndDate")),
        ongoing=_truthy(text_at(element, ongoing_tag)),
    )


def _candidate(root: ET.Element) -> StructuredCV:
    person = child(root, "CandidatePerson")
    # BR-COM-02: one CandidateProfile per language; the first one is the candidate's own.
    profile = child(root, "CandidateProfile")
    cv = StructuredCV(
        flavour=Flavour.EUROPASS_CANDIDATE,
        first_name=text_at(person, "PersonName", "GivenName"),
        surname=text_at(person, "PersonName", "FamilyName"),
        birth_date=text_at(person, "BirthDate"),
        mother_tongues=[t for e in children(person, "PrimaryLanguageCode") if (t := _text(e))],
    )
    for communication in children(person, "Communication"):
        channel = text_at(communication, "ChannelCode").lower()
        if channel == "email":
            cv.emails.append(text_at(communication, "URI"))
        elif channel in {"telephone", "mobiletelephone"}:
            dialling = text_at(communication, "CountryDialing")
            number = text_at(communication, "DialNumber")
            cv.phones.append(f"+{dialling.lstrip('+')} {number}" if dialling else number)
        address = child(communication, "Address")
        if address is not None and not cv.city:
            cv.city = text_at(address, "CityName")
            cv.country = text_at(address, "CountryCode")
    for employer in descendants(child(profile, "EmploymentHistory"), "EmployerHistory"):
        name = text_at(employer, "OrganizationName")
        for position in children(employer, "PositionHistory"):
            cv.work.append(
                WorkExperience(
                    position=text_at(position, "PositionTitle"),
                    employer=name,
                    city=text_at(position, "City"),
                    country=text_at(position, "Country"),
                    period=_candidate_period(
                        child(position, "EmploymentPeriod"), "CurrentIndicator"
                    ),
                    description=text_at(position, "Description"),
                    occupation_isco=isco_code(text_at(position, "JobCategory", "CategoryCode")),
                )
            )
    for attendance in descendants(
        child(profile, "EducationHistory"), "EducationOrganizationAttendance"
    ):
        cv.education.append(
            Education(
                title=text_at(attendance, "EducationDegree", "DegreeName")
                or text_at(attendance, "ProgramName"),
                organisation=text_at(attendance, "OrganizationName"),
                eqf_level=text_at(attendance, "EducationLevelCode"),
                period=_candidate_period(child(attendance, "AttendancePeriod"), "Ongoing"),
            )
        )
    _read_competencies(child(profile, "PersonQualifications"), cv)
    cv.driving_licences = [
        t for e in descendants(child(profile, "Licenses"), "LicenseTypeCode") if (t := _text(e))
    ]
    preferences = child(profile, "CandidatePositionPreferences")
    cv.desired_occupation = text_at(preferences, "PositionTitle")
    return cv


def _read_competencies(qualifications: ET.Element | None, cv: StructuredCV) -> None:
    """Languages with their CEFR levels, ESCO skills (by URI) and other competencies."""
    for competency in descendants(qualifications, "PersonCompetency"):
        code = text_at(competency, "CompetencyID")
        if text_at(competency, "TaxonomyID").lower() == "language":
            skill = LanguageSkill(code=code)
            for dimension in descendants(competency, "CompetencyDimension"):
                field = CEF_DIMENSIONS.get(text_at(dimension, "CompetencyDimensionTypeCode"))
                if field:
                    setattr(skill, field, text_at(dimension, "Score", "ScoreText"))
            cv.foreign_languages.append(skill)
        elif code.startswith(ESCO_SKILL):
            cv.esco_skills.append(code)
        elif code:
            cv.digital_skills.append(code)


def _text(element: ET.Element) -> str:
    return (element.text or "").strip()


def _skills_passport_date(element: ET.Element | None) -> str:
    """v3 dates are attributes: year="2019" month="--03" day="---15" (XSD gYear/gMonth/gDay)."""
    if element is None:
        return ""
    year = element.get("year", "").strip()
    month = element.get("month", "").lstrip("-").strip()
    day = element.get("day", "").lstrip("-").strip()
    return "-".join(part for part in (year, month, day) if part) if year else ""


def _skills_passport_period(element: ET.Element | None) -> Period:
    return Period(
        start=_skills_passport_date(child(element, "From")),
        end=_skills_passport_date(child(element, "To")),
        ongoing=_truthy(text_at(element, "Current")),
    )


def _skills_passport(root: ET.Element) -> StructuredCV:
    learner = child(root, "LearnerInfo")
    identification = child(learner, "Identification")
    contact = child(identification, "ContactInfo")
    address = child(child(contact, "Address"), "Contact")
    skills = child(learner, "Skills")
    linguistic = child(skills, "Linguistic")
    cv = StructuredCV(
        flavour=Flavour.SKILLS_PASSPORT,
        first_name=text_at(identification, "PersonName", "FirstName"),
        surname=text_at(identification, "PersonName", "Surname"),
        birth_date=_skills_passport_date(child(child(identification, "Demographics"), "Birthdate")),
        emails=[t for e in children(contact, "Email") if (t := text_at(e, "Contact"))],
        phones=[t for e in descendants(contact, "Telephone") if (t := text_at(e, "Contact"))],
        city=text_at(address, "Municipality"),
        country=text_at(address, "Country", "Code"),
        desired_occupation=text_at(learner, "Headline", "Description", "Label"),
        mother_tongues=[
            t
            for e in descendants(linguistic, "MotherTongue")
            if (t := text_at(e, "Description", "Code"))
        ],
        digital_skills=[
            t for e in children(skills, "Computer") if (t := text_at(e, "Description"))
        ],
        driving_licences=[t for e in descendants(skills, "Licence") if (t := _text(e))],
    )
    for experience in descendants(learner, "WorkExperience"):
        employer = child(experience, "Employer")
        employer_address = child(child(child(employer, "ContactInfo"), "Address"), "Contact")
        cv.work.append(
            WorkExperience(
                position=text_at(experience, "Position", "Label"),
                employer=text_at(employer, "Name"),
                city=text_at(employer_address, "Municipality"),
                country=text_at(employer_address, "Country", "Code"),
                period=_skills_passport_period(child(experience, "Period")),
                description=text_at(experience, "Activities"),
                occupation_isco=isco_code(text_at(experience, "Position", "Code")),
            )
        )
    for education in descendants(learner, "Education"):
        cv.education.append(
            Education(
                title=text_at(education, "Title"),
                organisation=text_at(education, "Organisation", "Name"),
                eqf_level=text_at(education, "Level", "Code"),
                period=_skills_passport_period(child(education, "Period")),
            )
        )
    for language in descendants(linguistic, "ForeignLanguage"):
        skill = LanguageSkill(code=text_at(language, "Description", "Code"))
        proficiency = child(language, "ProficiencyLevel")
        for tag, field in SKILLS_PASSPORT_DIMENSIONS.items():
            setattr(skill, field, text_at(proficiency, tag))
        cv.foreign_languages.append(skill)
    return cv
