"""schema.org JobPosting (JSON-LD) for public vacancy pages (standards.md §1.4)."""

import json
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from employers.models import Vacancy
from employers.nuts import iso_country

# Google's employmentType values; working time first, then what the contract adds.
WORKING_TIME: dict[str, str] = {
    Vacancy.WorkingTime.FULL: "FULL_TIME",
    Vacancy.WorkingTime.PART: "PART_TIME",
}
CONTRACT: dict[str, str] = {
    Vacancy.ContractType.FIXED_TERM: "TEMPORARY",
    Vacancy.ContractType.TEMPORARY_AGENCY: "TEMPORARY",
    Vacancy.ContractType.SEASONAL: "TEMPORARY",
    Vacancy.ContractType.INTERNSHIP: "INTERN",
}
# The concept scheme of ESCO's skills pillar.
ESCO_SKILLS = "http://data.europa.eu/esco/concept-scheme/skills"
# What json_script escapes, so the text cannot close the <script> element.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def job_posting(vacancy: Vacancy, *, url: str) -> dict[str, Any]:
    posted = vacancy.published_at or vacancy.created_at
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "title": vacancy.title,
        "description": vacancy.description,
        "url": url,
        "identifier": {
            "@type": "PropertyValue",
            "name": vacancy.get_source_display(),
            "value": vacancy.source_ref or str(vacancy.pk),
        },
        "datePosted": posted.date().isoformat(),
        "hiringOrganization": _organisation(vacancy),
        "jobLocation": {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                # A vacancy abroad (a EURES one) is in the country of its NUTS code.
                "addressCountry": iso_country(vacancy.nuts3) or "IT",
                **({"addressLocality": vacancy.place} if vacancy.place else {}),
                **({"addressRegion": vacancy.nuts3} if vacancy.nuts3 else {}),
            },
        },
        "totalJobOpenings": vacancy.positions,
        "industry": vacancy.sector_nace or vacancy.sector.label_en,
    }
    if vacancy.expires_on is not None:
        # The last day of publication ends at midnight, Rome time.
        zone = ZoneInfo(settings.TIME_ZONE)
        data["validThrough"] = datetime.combine(vacancy.expires_on, time.max, zone).isoformat(
            timespec="seconds"
        )
    if types := _employment_types(vacancy):
        data["employmentType"] = types
    if vacancy.occupation_isco:
        data["occupationalCategory"] = {
            "@type": "CategoryCode",
            "codeValue": vacancy.occupation_isco,
            "inCodeSet": "ISCO-08",
        }
    if vacancy.education_eqf is not None:
        data["educationRequirements"] = {
            "@type": "EducationalOccupationalCredential",
            "credentialCategory": f"EQF level {vacancy.education_eqf}",
        }
    if skills := _skills(vacancy):
        data["skills"] = skills
    return data


def job_posting_script(vacancy: Vacancy, *, url: str) -> SafeString:
    text = json.dumps(job_posting(vacancy, url=url), ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped above


def _organisation(vacancy: Vacancy) -> dict[str, Any]:
    name = vacancy.shown_employer_name
    if not name:  # an anonymous vacancy: the CPI is the contact
        return {"@type": "Organization", "name": vacancy.cpi_code or "Centro per l'impiego"}
    organisation: dict[str, Any] = {"@type": "Organization", "name": name}
    if vacancy.employer is not None and vacancy.employer.website:
        organisation["sameAs"] = vacancy.employer.website
    return organisation


def _employment_types(vacancy: Vacancy) -> list[str]:
    types = []
    if working := WORKING_TIME.get(vacancy.working_time):
        types.append(working)
    if contract := CONTRACT.get(vacancy.contract_type):
        types.append(contract)
    return types


def _skills(vacancy: Vacancy) -> list[dict[str, str] | str]:
    """ESCO skills as DefinedTerms (their URI is their address), other skills and the languages
    asked as text."""
    skills: list[dict[str, str] | str] = []
    for skill in vacancy.skills:
        if skill.get("uri"):
            term = {"@type": "DefinedTerm", "url": skill["uri"], "inDefinedTermSet": ESCO_SKILLS}
            skills.append(term | ({"name": skill["label"]} if skill.get("label") else {}))
        else:
            skills.append(skill.get("label", ""))
    skills.extend(_language(item) for item in vacancy.languages)
    return skills


def _language(item: dict[str, Any]) -> str:
    levels = [item.get(skill) for skill in ("read", "write", "speak")]
    best = max((level for level in levels if level), default="")
    return f"{item['iso639_1']} {best}".strip()
