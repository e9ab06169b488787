"""Vacancy files: ClicLavoro `Vacancy` XML and EURES HR-Open `PositionOpening` XML.

A file has no change stream: it is one batch, and it cannot say what the source no longer
publishes, so a full reconciliation is refused. A file that is not well-formed XML fails the
run; a document inside it that is wrong is rejected on its own.
"""

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time
from typing import Any
from xml.etree.ElementTree import Element, tostring
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from employers.connectors.base import Batch, Item, Position, unreadable
from employers.models import Vacancy
from employers.rejection_texts import problem
from employers.vacancy_records import RawVacancy, Rejection, SectorIndex, normalise
from employers.validators import ESCO_SKILL
from fairplatform.errors import DomainError
from fairplatform.safexml import parse_xml

CLIC = "{http://servizi.lavoro.gov.it/vacancy}"
HR = "{http://www.hr-xml.org/3}"
OA = "{http://www.openapplications.org/oagis/9}"
# ATECO 2025 is in force from 1 April 2025; ClicLavoro's `settore` does not say which version.
ATECO_2025_FROM = date(2025, 4, 1)
# EURES CL37 → our contract types; the others (OnCall, SelfEmployed, …) are not employment.
OFFERING_TYPES = {
    "DirectHire": Vacancy.ContractType.PERMANENT,
    "Temporary": Vacancy.ContractType.FIXED_TERM,
    "TemporaryToHire": Vacancy.ContractType.FIXED_TERM,
    "ContractToHire": Vacancy.ContractType.FIXED_TERM,
    "Contract": Vacancy.ContractType.FIXED_TERM,
    "Internship": Vacancy.ContractType.INTERNSHIP,
    "Apprenticeship": Vacancy.ContractType.APPRENTICESHIP,
    "Seasonal": Vacancy.ContractType.SEASONAL,
}
SCHEDULE_TYPES = {
    "FullTime": Vacancy.WorkingTime.FULL,
    "PartTime": Vacancy.WorkingTime.PART,
    "FlexTime": Vacancy.WorkingTime.FLEX,
    "Any": "",
}
CEF_DIMENSIONS = {"Reading": "read", "Writing": "write", "Speaking": "speak"}
CEF_SKILLS = ("read", "write", "speak")


FILE_SOURCES = [Vacancy.Source.CLICLAVORO, Vacancy.Source.EURES]
# A ClicLavoro vacancy has about 40 elements, an HR-Open position about 60: room for more than
# a file of VACANCY_FILE_MAX_BYTES holds, while bounding the memory a hostile file can take.
MAX_FILE_ELEMENTS = 1_000_000
# The earlier codes of a ClicLavoro rectification chain, space-separated, on the vacancy.
EARLIER_CODES = "clic_codiciprecedenti"


class FileNotSupported(DomainError):
    pass


def file_too_large() -> DomainError:
    return DomainError(
        "vacancies.file_too_large",
        _("The file is larger than %(mb)d MB: split it into smaller files.")
        % {"mb": settings.VACANCY_FILE_MAX_BYTES // (1024 * 1024)},
    )


def unsafe_file() -> DomainError:
    return DomainError(
        "vacancies.unsafe_xml",
        _(
            "This file contains XML we do not accept for safety (a DTD, entities, or more nesting "
            "or elements than a vacancy file needs). Ask its sender for a plain export."
        ),
    )


def corrupt_file() -> DomainError:
    return DomainError(
        "vacancies.corrupt",
        _("This file is not well-formed XML and cannot be read. Export it again and import it."),
    )


class XmlFileConnector:
    def __init__(self, *, source: str, content: bytes) -> None:
        parsers: dict[str, tuple[str, Callable[[Element], RawVacancy]]] = {
            Vacancy.Source.CLICLAVORO: (f"{CLIC}Vacancy", cliclavoro_vacancy),
            Vacancy.Source.EURES: (f"{HR}PositionOpening", hr_open_position),
        }
        if source not in parsers:
            raise FileNotSupported(
                "vacancies.file_format", _("No file format for %(source)r.") % {"source": source}
            )
        self.source = Vacancy.Source(source)
        self.incremental = False
        self.content = content
        self.tag, self.parse = parsers[source]
        # codiceofferta → (source_ref, earlier codes), within this file
        self._chains: dict[str, tuple[str, frozenset[str]]] = {}

    def changes(self, start: Position | None) -> Iterator[Batch]:
        """A file that is too large, not XML or unsafe fails the run here, before any write."""
        if len(self.content) > settings.VACANCY_FILE_MAX_BYTES:
            raise file_too_large()
        root = parse_xml(
            self.content,
            refuse_unsafe=unsafe_file,
            refuse_corrupt=corrupt_file,
            max_elements=MAX_FILE_ELEMENTS,
        )
        documents = [root] if root.tag == self.tag else list(root.iter(self.tag))
        if not documents:
            raise DomainError(
                "vacancies.no_documents",
                _("This file has no %(element)s element: check the format chosen for it.")
                % {"element": self.tag.rsplit("}", 1)[-1]},
            )
        sectors = SectorIndex()
        yield Batch([self._item(document, sectors) for document in documents], None)

    def deletions(self, since: datetime | None) -> Iterator[Batch]:
        return iter(())

    def active_refs(self) -> Iterable[str]:
        raise FileNotSupported(
            "vacancies.file_full", _("A file cannot tell which vacancies were removed.")
        )

    def close(self) -> None:
        pass

    def _item(self, document: Element, sectors: SectorIndex) -> Item:
        try:
            raw = self.parse(document)
        except Exception as exc:
            payload = {"xml": tostring(document, encoding="unicode")}
            if isinstance(exc, ValueError | TypeError):  # a date or number the format refuses
                return Rejection("", [problem("malformed_document", error=str(exc))], payload)
            return unreadable("", payload, exc)
        if self.source == Vacancy.Source.CLICLAVORO:
            self._key_on_chain_root(raw)  # reads the database: outside the guards
        try:
            return normalise(raw, sectors)
        except Exception as exc:
            return unreadable(raw.source_ref, raw.raw, exc)

    def _key_on_chain_root(self, raw: RawVacancy) -> None:
        """Without the intermediary's key, every rectification has a new `codiceofferta` that
        names the one it replaces: the vacancy is keyed on the first of the chain, and keeps
        every earlier code (`clic_codiciprecedenti`), so a file sent again, however old, finds
        it by its own code."""
        code = raw.external_ids.get("clic_codiceofferta", "")
        previous = raw.external_ids.get("clic_codiceoffertaprecedente", "")
        if not previous or raw.source_ref != code:
            return
        root, earlier = (
            self._chains.get(previous)
            or self._stored_chain(code)
            or self._stored_chain(previous)
            or (previous, frozenset())
        )
        earlier |= {previous}
        raw.source_ref = root
        raw.external_ids[EARLIER_CODES] = " ".join(sorted(earlier))
        self._chains[code] = (root, earlier)

    def _stored_chain(self, code: str) -> tuple[str, frozenset[str]] | None:
        """The stored vacancy whose current or earlier code this is: its key and earlier codes."""
        candidates = Vacancy.objects.filter(
            Q(external_ids__clic_codiceofferta=code)
            | Q(**{f"external_ids__{EARLIER_CODES}__icontains": code}),
            source=self.source,
        ).values_list("source_ref", "external_ids")
        for source_ref, external_ids in candidates:
            earlier = frozenset(external_ids.get(EARLIER_CODES, "").split())
            if code == external_ids.get("clic_codiceofferta") or code in earlier:
                return source_ref, earlier
        return None


def cliclavoro_vacancy(vacancy: Element) -> RawVacancy:
    """One ClicLavoro `Vacancy` (standards.md §1.1)."""

    def text(path: str) -> str:
        return _text(vacancy, path, CLIC)

    published = _datetime(text("Richiesta/DurataRichiesta/datapubblicazione"))
    ref = text("DatiSistema/codiceoffertaintermediario") or text("DatiSistema/codiceofferta")
    place = text("Richiesta/CondizioniOfferte/idcomune")
    raw = RawVacancy(
        source_ref=ref,
        version=int(published.timestamp()) if published else None,
        updated_at=published,
        status=Vacancy.Status.CLOSED
        if text("DatiSistema/motivochiusura")
        else Vacancy.Status.PUBLISHED,
        raw={"xml": tostring(vacancy, encoding="unicode")},
        title=text("Richiesta/ProfiloRichiesto/descrprofessione"),
        description=text("Richiesta/ProfiloRichiesto/descrizionericerca"),
        positions=_int(text("Richiesta/ProfiloRichiesto/numerolavoratori")),
        employer_name=text("DatoreLavoro/DatiAnagrafici/denominazione"),
        employer_tax_code=text("DatoreLavoro/DatiAnagrafici/codicefiscale"),
        employer_visible=text("DatiSistema/visibilita") != "NO",
        comune_belfiore="" if place == "0000" else place,
        ateco_code=text("DatoreLavoro/DatiAnagrafici/settore"),
        ateco_version="2025" if published and published.date() >= ATECO_2025_FROM else "2007",
        cp2011_code=text("Richiesta/ProfiloRichiesto/idprofessione"),
        published_at=published,
        expires_on=_date(text("Richiesta/DurataRichiesta/datascadenza")),
        cpi_code=text("DatiSistema/intermediario"),
        external_ids={
            key: value
            for key, value in {
                "clic_codiceofferta": text("DatiSistema/codiceofferta"),
                "clic_codiceoffertaprecedente": text("DatiSistema/codiceoffertaprecedente"),
            }.items()
            if value
        },
    )
    # Contract, working time, education and language codes are the Ministry's own tables,
    # which we do not hold yet: they stay in the raw payload rather than being guessed.
    return raw


def hr_open_position(position: Element) -> RawVacancy:
    """One EURES HR-Open 3 `PositionOpening` (standards.md §1.3)."""
    found = position.find(f"{HR}PositionProfile")
    if found is None:
        raise ValueError("No PositionProfile.")
    profile: Element = found

    def text(path: str, within: Element = profile) -> str:
        return _text(within, path, HR)

    published = _datetime(profile.get("validFrom", ""))
    occupation = {
        code.get("listName", ""): (code.text or "").strip()
        for code in profile.iter(f"{HR}JobCategoryCode")
    }
    address = profile.find(f"{HR}PositionLocation/{HR}Address")
    raw = RawVacancy(
        source_ref=text("DocumentID", position),
        version=int(published.timestamp()) if published else None,
        updated_at=published,
        status=Vacancy.Status.PUBLISHED
        if text("PositionOpeningStatusCode", position) == "Active"
        else Vacancy.Status.CLOSED,
        raw={"xml": tostring(position, encoding="unicode")},
        title=text("PositionTitle"),
        description=text("PositionFormattedDescription/Content"),
        positions=_int(text("PositionOpenQuantity")),
        employer_name=text("PositionOrganization/OrganizationIdentifiers/OrganizationName"),
        employer_tax_code=text("PositionOrganization/OrganizationIdentifiers/OrganizationLegalID"),
        place=_text(address, "CityName", OA) if address is not None else "",
        nuts3=_text(address, "CountrySubDivisionCode", OA) if address is not None else "",
        # EURES CL31 is NACE Rev. 2, which ATECO 2007 extends.
        ateco_code=text("PositionOrganization/IndustryCode"),
        ateco_version="2007",
        isco08_code=occupation.get("ISCO2008", ""),
        esco_uri=occupation.get("ESCO_Occupations", ""),
        published_at=published,
        expires_on=_date(text("ApplicationCloseDate")),
        licences=[(code.text or "").strip() for code in profile.iter(f"{HR}LicenseTypeCode")],
        languages=_hr_languages(profile),
        skills=_hr_skills(profile),
    )
    offering = text("PositionOfferingTypeCode")
    if offering:
        if offering in OFFERING_TYPES:
            raw.contract_type = OFFERING_TYPES[offering]
        else:
            raw.decode_problems.append(
                problem("unknown_contract.offering_type", value=repr(offering))
            )
    raw.working_time = SCHEDULE_TYPES.get(text("PositionScheduleTypeCode"), "")
    for level in profile.iter(f"{HR}EducationLevelCode"):
        if level.get("listName") == "EQF":
            raw.education_eqf = _int((level.text or "").strip())
    return raw


def _hr_languages(profile: Element) -> list[dict[str, Any]]:
    """CEFR per skill: a dimension's own score, the higher of two (interaction, production),
    or else the overall level."""
    languages = []
    for competency in profile.iter(f"{HR}PositionCompetency"):
        if _text(competency, "TaxonomyID", HR) != "language":
            continue
        overall = _text(competency, "RequiredProficiencyLevel/ScoreText", HR) or None
        scores: dict[str, list[str]] = {}
        for dimension in competency.iter(f"{HR}CompetencyDimension"):
            kind = _text(dimension, "CompetencyDimensionTypeCode", HR)
            score = _text(dimension, "Score/ScoreText", HR)
            for word, skill in CEF_DIMENSIONS.items():
                if word in kind and score:
                    scores.setdefault(skill, []).append(score)
        levels = {skill: max(scores.get(skill, []), default=overall) for skill in CEF_SKILLS}
        languages.append({"iso639_1": _text(competency, "CompetencyID", HR).lower(), **levels})
    return languages


def _hr_skills(profile: Element) -> list[dict[str, str]]:
    """ESCO skills: a competency whose taxonomy names ESCO, or whose id is an ESCO skill URI
    whatever its taxonomy says; `CompetencyName` is the label when the file gives one."""
    skills = []
    for competency in profile.iter(f"{HR}PositionCompetency"):
        uri = _text(competency, "CompetencyID", HR)
        taxonomy = _text(competency, "TaxonomyID", HR)
        if "esco" in taxonomy.lower() or uri.startswith(ESCO_SKILL):
            skills.append({"uri": uri, "label": _text(competency, "CompetencyName", HR)})
    return skills


def _text(element: Element, path: str, namespace: str) -> str:
    qualified = "/".join(f"{namespace}{step}" for step in path.split("/"))
    found = element.find(qualified)
    return "" if found is None or found.text is None else found.text.strip()


def _int(value: str) -> int | None:
    digits = value.strip().removeprefix("-")
    return int(value) if digits.isascii() and digits.isdigit() and len(digits) < 20 else None


def _date(value: str) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _datetime(value: str) -> datetime | None:
    if not value:
        return None
    if len(value) == 10:  # a date alone: the start of that day in Italy
        return datetime.combine(date.fromisoformat(value), time.min, ZoneInfo(settings.TIME_ZONE))
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
