"""Canonical vacancy records: what every connector hands to the sync, validated and hashed.

A connector maps its format's fields to a `RawVacancy` (codes still as the source wrote them);
`normalise` checks every code and returns either a `VacancyRecord` ready to store or a
`Rejection` listing every reason, so one bad record never stops a batch.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import CharField
from django.utils import timezone
from django.utils.html import strip_tags

from employers.comuni import ComuneIndex, Place
from employers.models import SectorSection, Vacancy
from employers.rejection_texts import Problem, describe, problem, reason_of
from employers.validators import ESCO_SKILL, SKILL_LABEL_MAX_LENGTH
from fairplatform.cefr import CEFR_LEVELS

# Directive 2006/126/EC categories (EURES CL14).
EU_LICENCES = frozenset(
    "AM A1 A2 A B1 B BE C1 C1E C CE D1 D1E D DE".split()  # noqa: SIM905 - reads as the list
)
ATECO_CLASSIFICATIONS = {
    "2007": SectorSection.Classification.NACE_REV2_ATECO_2007,
    "2025": SectorSection.Classification.NACE_REV2_1_ATECO_2025,
}
NACE_VERSION = {"2007": "NACE Rev. 2", "2025": "NACE Rev. 2.1"}
# ASCII digits only: \d alone takes any script's decimal digits ("٣"), which the model's check
# constraint and the codes' registers refuse.
ATECO_CODE = re.compile(r"^(\d{2})\.\d{2}(\.\d{1,2})?$", re.ASCII)
CP2011_CODE = re.compile(r"^\d(\.\d{1,2}){0,5}$", re.ASCII)
ISCO08_CODE = re.compile(r"^\d{4}$", re.ASCII)
ISTAT_COMUNE = re.compile(r"^\d{6}$", re.ASCII)
BELFIORE = re.compile(r"^[A-Z]\d{3}$", re.ASCII)
NUTS3 = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}$")
ISO_639_1 = re.compile(r"^[a-z]{2}$")
ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"
# Django builds `.values` afresh on every access; these run once per record.
STATUSES = frozenset({Vacancy.Status.PUBLISHED.value, Vacancy.Status.CLOSED.value})
CONTRACT_TYPES = frozenset(Vacancy.ContractType.values)
WORKING_TIMES = frozenset(Vacancy.WorkingTime.values)
# The model's own limits: a value the database would refuse rejects its record, where it would
# fail its batch (and every later run, which reads the same row again).
MAX_LENGTHS = {
    field.attname: field.max_length
    for field in Vacancy._meta.concrete_fields
    if isinstance(field, CharField) and field.max_length
}
MAX_POSITIONS = BaseDatabaseOperations.integer_field_ranges[
    Vacancy._meta.get_field("positions").get_internal_type()
][1]
# PostgreSQL stores later and earlier times, which Python cannot read back as a datetime in UTC.
READABLE_TIMES = (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))


@dataclass(frozen=True)
class Rejection:
    source_ref: str
    problems: list[Problem]
    payload: dict[str, Any] | None

    @property
    def reason(self) -> str:
        return reason_of(self.problems[0]["code"])

    @property
    def message(self) -> str:
        return describe(self.problems)


@dataclass(frozen=True)
class Tombstone:
    """The source withdrew or deleted the vacancy; `version` is None for hard deletes, which
    carry their time instead."""

    source_ref: str
    version: int | None
    deleted_at: datetime | None = None


@dataclass(frozen=True)
class VacancyRecord:
    source_ref: str
    version: int
    updated_at: datetime | None
    fields: dict[str, Any]
    raw: dict[str, Any]
    content_hash: str


@dataclass
class RawVacancy:
    """One source record with its codes as given; connectors fill what their format has."""

    source_ref: str
    version: int | None
    updated_at: datetime | None
    status: str  # canonical: published | closed
    raw: dict[str, Any]
    title: str = ""
    description: str = ""
    positions: int | None = None
    employer_name: str = ""
    employer_tax_code: str = ""
    employer_visible: bool = True
    comune_istat: str = ""
    comune_belfiore: str = ""
    nuts3: str = ""
    place: str = ""
    ateco_code: str = ""
    ateco_version: str = ""
    cp2011_code: str = ""
    isco08_code: str = ""
    esco_uri: str = ""
    contract_type: str = ""
    working_time: str = ""
    education_eqf: int | None = None
    languages: list[dict[str, Any]] = field(default_factory=list)
    licences: list[str] = field(default_factory=list)
    # [{"uri": ESCO skill URI, "label": its name or ""}]
    skills: list[dict[str, str]] = field(default_factory=list)
    published_at: datetime | None = None
    expires_on: date | None = None
    cpi_code: str = ""
    external_ids: dict[str, str] = field(default_factory=dict)
    # Found while decoding the source's own code tables.
    decode_problems: list[Problem] = field(default_factory=list)


class SectorIndex:
    """ATECO division → section, per classification version; loaded once per run. It carries
    the run's comuni lookup too (`comuni`), the other reference table `normalise` reads."""

    def __init__(self) -> None:
        self._sections: dict[str, list[SectorSection]] = {}
        for section in SectorSection.objects.all():
            self._sections.setdefault(section.classification, []).append(section)
        self.comuni = ComuneIndex()

    def section(self, classification: str, division: int) -> SectorSection | None:
        for section in self._sections.get(classification, []):
            if section.division_from <= division <= section.division_to:
                return section
        return None


def normalise(raw: RawVacancy, sectors: SectorIndex) -> VacancyRecord | Rejection:
    problems = list(raw.decode_problems)
    source_ref = raw.source_ref.strip()
    title = " ".join(raw.title.split())
    _check_record(raw, source_ref, title, problems)
    sector = _sector(raw, sectors, problems)
    _check_codes(raw, problems)
    comune = _comune(raw, sectors.comuni, problems)
    languages = _languages(raw.languages, problems)
    licences = _licences(raw.licences, problems)
    skills = _skills(raw.skills, problems)

    fields: dict[str, Any] = {
        "status": raw.status,
        "title": title,
        "description": _text(raw.description),
        "positions": raw.positions,
        "employer_name": raw.employer_name.strip(),
        "employer_tax_code": raw.employer_tax_code.strip().upper(),
        "employer_visible": raw.employer_visible,
        "place": raw.place.strip(),
        "comune_istat": raw.comune_istat,
        "comune_belfiore": raw.comune_belfiore,
        "nuts3": raw.nuts3,
        "sector_id": sector.pk if sector else None,
        "sector_ateco": raw.ateco_code,
        "sector_nace": raw.ateco_code[:5],
        "occupation_cp2011": raw.cp2011_code,
        "occupation_isco": raw.isco08_code,
        "occupation_esco_uri": raw.esco_uri,
        "contract_type": raw.contract_type,
        "working_time": raw.working_time,
        "education_eqf": raw.education_eqf,
        "languages": languages,
        "licences": licences,
        "published_at": raw.published_at,
        "expires_on": raw.expires_on,
        "cpi_code": raw.cpi_code,
        "external_ids": raw.external_ids,
        "code_versions": _code_versions(raw),
    }
    # On the values as they would be stored (trimmed, upper-cased), with every other reason.
    _check_lengths(source_ref, fields, problems)
    # A missing version is among the problems; stated again for the type checker.
    if problems or raw.version is None:
        return Rejection(source_ref, problems, raw.raw)
    # Only a source that states skills sets them: one that never does (the CPI view) leaves
    # those entered on the platform alone, and records without skills keep the hash they had
    # before vacancies had skills, so replays of stored versions stay no-ops.
    if skills:
        fields["skills"] = skills
    hashed = content_hash(fields)
    if comune is not None:
        # From our comuni table, not from the source: filled after hashing, so loading the
        # table changes no hash (replays stay no-ops; load_comuni fills stored vacancies).
        fields["place"] = fields["place"] or comune.name
        if not raw.nuts3:
            fields["nuts3"] = comune.nuts3
            fields["code_versions"]["nuts3"] = "NUTS 2021"
    return VacancyRecord(
        source_ref=source_ref,
        version=raw.version,
        updated_at=raw.updated_at,
        fields=fields,
        raw=raw.raw,
        content_hash=hashed,
    )


# What json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False) builds on each call.
_HASH_ENCODER = json.JSONEncoder(sort_keys=True, default=str, ensure_ascii=False)
# The only fields `default=str` would turn into text: done beforehand, the same JSON comes out
# without a call back into Python per value (the hash was a fifth of an import's time).
_DATED_FIELDS = ("published_at", "expires_on")


def content_hash(fields: dict[str, Any]) -> str:
    dated = {name: str(fields[name]) for name in _DATED_FIELDS if fields[name] is not None}
    return hashlib.sha256(_HASH_ENCODER.encode({**fields, **dated}).encode()).hexdigest()


def _text(html: str) -> str:
    # strip_tags returns a string without "<" as it is; most descriptions are plain text.
    return (strip_tags(html) if "<" in html else html).strip()


def _check(problems: list[Problem], value: str, pattern: re.Pattern[str], code: str) -> None:
    if value and not pattern.match(value):
        problems.append(problem(code, value=repr(value)))


def _check_record(raw: RawVacancy, source_ref: str, title: str, problems: list[Problem]) -> None:
    if not source_ref:
        problems.append(problem("missing_ref"))
    if raw.version is None:
        problems.append(problem("missing_version"))
    if raw.status not in STATUSES:
        problems.append(problem("unknown_status", value=repr(raw.status)))
    if not title:
        problems.append(problem("missing_title"))
    if raw.positions is None or raw.positions < 1:
        problems.append(problem("no_positions", value=str(raw.positions)))
    elif raw.positions > MAX_POSITIONS:
        problems.append(problem("too_many_positions", limit=MAX_POSITIONS, value=raw.positions))
    if raw.published_at is None:
        problems.append(problem("missing_publication"))
        return
    try:
        # Its day in Italy, as expiry days are; a time that is a day in no year 1 to 9999 (there,
        # or in UTC) is refused.
        published_on = timezone.localdate(raw.published_at)
    except (OverflowError, ValueError):
        published_on = None
    if published_on is None or not READABLE_TIMES[0] <= raw.published_at <= READABLE_TIMES[1]:
        problems.append(problem("bad_publication", value=str(raw.published_at)))
    elif raw.expires_on is not None and raw.expires_on < published_on:
        problems.append(
            problem(
                "expiry_before_publication",
                expiry=str(raw.expires_on),
                published=str(published_on),
            )
        )


def _check_lengths(source_ref: str, fields: dict[str, Any], problems: list[Problem]) -> None:
    for name, value in [("source_ref", source_ref), *fields.items()]:
        limit = MAX_LENGTHS.get(name)
        if limit is not None and len(value) > limit:
            problems.append(problem("too_long", field=name, limit=limit))


def _check_codes(raw: RawVacancy, problems: list[Problem]) -> None:
    _check(problems, raw.comune_istat, ISTAT_COMUNE, "bad_comune.istat")
    _check(problems, raw.comune_belfiore, BELFIORE, "bad_comune.belfiore")
    _check(problems, raw.nuts3, NUTS3, "bad_nuts3")
    _check(problems, raw.cp2011_code, CP2011_CODE, "bad_occupation.cp2011")
    _check(problems, raw.isco08_code, ISCO08_CODE, "bad_occupation.isco08")
    if raw.esco_uri and not raw.esco_uri.startswith(ESCO_OCCUPATION):
        problems.append(problem("bad_occupation.esco", value=repr(raw.esco_uri)))
    if not (raw.cp2011_code or raw.isco08_code or raw.esco_uri):
        problems.append(problem("missing_occupation"))
    if raw.contract_type and raw.contract_type not in CONTRACT_TYPES:
        problems.append(problem("unknown_contract", value=repr(raw.contract_type)))
    if raw.working_time and raw.working_time not in WORKING_TIMES:
        problems.append(problem("unknown_working_time", value=repr(raw.working_time)))
    if raw.education_eqf is not None and not 1 <= raw.education_eqf <= 8:
        problems.append(problem("unknown_education", value=raw.education_eqf))


def _comune(raw: RawVacancy, comuni: ComuneIndex, problems: list[Problem]) -> Place | None:
    """The comune the record's ISTAT or cadastral code names. A code the table lacks, or two
    codes naming different comuni, reject the record only once the table is loaded: an empty
    table means the operator has not."""
    comune, found = comuni.find(raw.comune_istat, raw.comune_belfiore)
    problems.extend(found)
    return comune


def _sector(raw: RawVacancy, sectors: SectorIndex, problems: list[Problem]) -> SectorSection | None:
    classification = ATECO_CLASSIFICATIONS.get(raw.ateco_version)
    if classification is None:
        problems.append(problem("unknown_classification_version", value=repr(raw.ateco_version)))
        return None
    match = ATECO_CODE.match(raw.ateco_code)
    section = sectors.section(classification, int(match.group(1))) if match else None
    if section is None:
        problems.append(
            problem("unknown_ateco", version=raw.ateco_version, value=repr(raw.ateco_code))
        )
    return section


def _languages(items: list[dict[str, Any]], problems: list[Problem]) -> list[dict[str, Any]]:
    languages = []
    for item in items:
        if not isinstance(item, dict) or not ISO_639_1.match(str(item.get("iso639_1", ""))):
            problems.append(problem("bad_language.code", value=repr(item)))
            continue
        levels = {skill: item.get(skill) for skill in ("read", "write", "speak")}
        if any(level is not None and level not in CEFR_LEVELS for level in levels.values()):
            problems.append(problem("bad_language.level", value=repr(item)))
            continue
        languages.append({"iso639_1": item["iso639_1"], **levels})
    return sorted(languages, key=lambda language: language["iso639_1"])


def _licences(items: list[Any], problems: list[Problem]) -> list[str]:
    # A JSON list from the source may hold anything: only text can be a category.
    licences = sorted({code for code in items if isinstance(code, str)})
    unknown = [code for code in licences if code not in EU_LICENCES]
    unknown += [code for code in items if not isinstance(code, str)]
    if unknown:
        problems.append(problem("bad_licence", value=repr(unknown)))
    return licences


def _skills(items: list[dict[str, str]], problems: list[Problem]) -> list[dict[str, str]]:
    skills: dict[str, dict[str, str]] = {}
    for item in items:
        uri, label = item.get("uri", "").strip(), " ".join(item.get("label", "").split())
        if not uri.startswith(ESCO_SKILL) or any(c.isspace() for c in uri):
            problems.append(problem("bad_skill.uri", value=repr(uri)))
        elif len(label) > SKILL_LABEL_MAX_LENGTH:
            problems.append(problem("bad_skill.label", value=repr(uri)))
        else:
            skills[uri] = {"uri": uri, "label": label or skills.get(uri, {}).get("label", "")}
    return sorted(skills.values(), key=lambda skill: skill["uri"])


def _code_versions(raw: RawVacancy) -> dict[str, str]:
    versions = {
        "sector_ateco": f"ATECO {raw.ateco_version}",
        "sector_nace": NACE_VERSION.get(raw.ateco_version, ""),
        "occupation_cp2011": "CP2011" if raw.cp2011_code else "",
        "occupation_isco": "ISCO-08" if raw.isco08_code else "",
        "occupation_esco_uri": "ESCO" if raw.esco_uri else "",
        "education_eqf": "EQF 2017" if raw.education_eqf is not None else "",
        "comune_istat": "ISTAT comuni" if raw.comune_istat else "",
        "nuts3": "NUTS 2021" if raw.nuts3 else "",
    }
    return {key: value for key, value in versions.items() if value}
