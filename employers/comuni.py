"""The comuni table: ISTAT's "Elenco comuni italiani" file read into `Comune` rows
(`manage.py load_comuni`), and the lookup the vacancy import uses, loaded once per run.

ISTAT publishes the list as a semicolon-separated CSV in Windows-1252, one row per comune, with
a header whose wording has changed over the years (case, line breaks inside quoted names, NUTS
2024 columns added in 2025): columns are found by their header with case and spacing ignored.
Nothing here goes to the network: the operator downloads the file and hands it over.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from employers.models import Comune, Vacancy
from employers.rejection_texts import Problem, problem

ISTAT_CODE: Final = re.compile(r"^\d{6}$")
BELFIORE_CODE: Final = re.compile(r"^[A-Z]\d{3}$")
ITALIAN_NUTS3: Final = re.compile(r"^IT[A-Z0-9]{3}$")
PROVINCE_ABBREVIATION: Final = re.compile(r"^[A-Z]{2}$")


def _header_key(text: str) -> str:
    return " ".join(text.split()).lower()


# Comune field → the header ISTAT gives it (compared by `_header_key`); None: optional.
COLUMNS: Final[dict[str, tuple[str, bool]]] = {
    "istat_code": ("Codice Comune formato alfanumerico", True),
    "name": ("Denominazione in italiano", True),
    "name_other": ("Denominazione altra lingua", False),
    "belfiore_code": ("Codice Catastale del comune", True),
    "province_abbreviation": ("Sigla automobilistica", True),
    "region_code": ("Codice Regione", False),
    "region_name": ("Denominazione Regione", True),
    "province_code": (
        "Codice dell'Unità territoriale sovracomunale (valida a fini statistici)",
        False,
    ),
    "province_name": (
        "Denominazione dell'Unità territoriale sovracomunale (valida a fini statistici)",
        False,
    ),
    "nuts3": ("Codice NUTS3 2021", True),
}
FIELDS: Final = tuple(COLUMNS)


class ComuniFileError(Exception):
    """The file as a whole cannot be read: nothing was loaded."""


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # In the table but not in this file: kept for the vacancies naming them, no longer offered.
    retired: int = 0
    # Stored vacancies whose blank place or NUTS 3 the table filled.
    vacancies_filled: int = 0
    errors: list[str] = field(default_factory=list)


def decode(content: bytes, encoding: str = "auto") -> str:
    """The file's text: ISTAT's Windows-1252, or UTF-8 when the file is valid UTF-8 (a copy
    saved by a spreadsheet); `encoding` forces one."""
    if encoding != "auto":
        try:
            return content.decode(encoding)
        except (LookupError, UnicodeDecodeError) as error:
            raise ComuniFileError(f"The file cannot be read as {encoding}: {error}.") from error
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def read_rows(text: str) -> Iterator[tuple[int, dict[str, str] | str]]:
    """(line number, the comune's fields) per row, or (line number, what is wrong with it)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    try:
        header = next(reader)
    except StopIteration:
        raise ComuniFileError("The file is empty.") from None
    positions = {_header_key(name): index for index, name in enumerate(header)}
    columns: dict[str, int] = {}
    missing = []
    for name, (title, required) in COLUMNS.items():
        index = positions.get(_header_key(title))
        if index is not None:
            columns[name] = index
        elif required:
            missing.append(title)
    if missing:
        raise ComuniFileError(
            "Not ISTAT's list of comuni: no column "
            + ", ".join(f"“{title}”" for title in missing)
            + " in the first line."
        )
    seen: set[str] = set()
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            yield line, f"{len(values)} fields where the header has {len(header)}."
            continue
        row = {name: values[index].strip() for name, index in columns.items()}
        for name in FIELDS:
            row.setdefault(name, "")
        if problem := _problem(row, seen):
            yield line, problem
            continue
        seen.add(row["istat_code"])
        yield line, row


def _problem(row: dict[str, str], seen: set[str]) -> str:
    checks = (
        (ISTAT_CODE, "istat_code", "ISTAT code"),
        (BELFIORE_CODE, "belfiore_code", "cadastral code"),
        (PROVINCE_ABBREVIATION, "province_abbreviation", "province abbreviation"),
        (ITALIAN_NUTS3, "nuts3", "NUTS 3 code"),
    )
    for pattern, name, what in checks:
        if not pattern.match(row[name]):
            return f"Malformed {what} {row[name]!r}."
    if not row["name"]:
        return f"Comune {row['istat_code']} has no name."
    if not row["region_name"]:
        return f"Comune {row['istat_code']} has no region."
    if row["istat_code"] in seen:
        return f"Comune {row['istat_code']} is listed twice; the first line is kept."
    return ""


@transaction.atomic
def comuni_load(content: bytes, *, encoding: str = "auto") -> LoadReport:
    """Upsert every well-formed row by its ISTAT code, report each bad line and go on; comuni
    the file no longer lists stay (vacancies may name them) but are marked not current. Then
    fill the blank place and NUTS 3 of stored vacancies from their comune codes."""
    report = LoadReport()
    stored = {comune.istat_code: comune for comune in Comune.objects.all()}
    listed: set[str] = set()
    created: list[Comune] = []
    changed: list[Comune] = []
    for line, row in read_rows(decode(content, encoding)):
        if isinstance(row, str):
            report.errors.append(f"Line {line}: {row}")
            continue
        listed.add(row["istat_code"])
        comune = stored.get(row["istat_code"])
        if comune is None:
            created.append(Comune(**row, current=True))
            continue
        values = {**row, "current": True}
        if all(getattr(comune, name) == value for name, value in values.items()):
            report.unchanged += 1
            continue
        for name, value in values.items():
            setattr(comune, name, value)
        changed.append(comune)
    Comune.objects.bulk_create(created, batch_size=1000)
    Comune.objects.bulk_update(changed, [*FIELDS, "current"], batch_size=1000)
    report.created, report.updated = len(created), len(changed)
    # A line that failed before its ISTAT code could be read may name a listed comune: retire
    # nothing then, rather than hide a comune that is still there.
    if listed and not report.errors:
        gone = [code for code, comune in stored.items() if code not in listed and comune.current]
        report.retired = Comune.objects.filter(istat_code__in=gone).update(current=False)
    report.vacancies_filled = vacancies_fill_places()
    return report


def comuni_upsert(rows: list[dict[str, str]]) -> None:
    """Rows with the `FIELDS` of a comune, created or updated by ISTAT code (the demo's few)."""
    for row in rows:
        Comune.objects.update_or_create(
            istat_code=row["istat_code"], defaults={**row, "current": True}
        )


@dataclass(frozen=True)
class Place:
    name: str
    nuts3: str


class ComuneIndex:
    """ISTAT and cadastral codes → place name and NUTS 3, read once per import run (about
    8,000 comuni: a few hundred kilobytes). Empty until the operator loads ISTAT's file."""

    def __init__(self) -> None:
        self.by_istat: dict[str, Place] = {}
        self.by_belfiore: dict[str, Place] = {}
        # A comune that changes province gets a new ISTAT code and keeps its cadastral one, so
        # one cadastral code can stand beside several ISTAT codes, old and current.
        self.belfiore_of_istat: dict[str, str] = {}
        rows = Comune.objects.order_by("current", "istat_code").values_list(
            "istat_code", "belfiore_code", "name", "name_other", "nuts3"
        )
        for istat, belfiore, name, other, nuts3 in rows:
            place = Place(f"{name}/{other}" if other else name, nuts3)
            self.by_istat[istat] = place
            self.by_belfiore[belfiore] = place  # current comuni come last and win
            self.belfiore_of_istat[istat] = belfiore

    @property
    def loaded(self) -> bool:
        return bool(self.by_istat)

    def find(self, istat: str, belfiore: str) -> tuple[Place | None, list[Problem]]:
        """The comune these codes name, and what is wrong with them: a well-formed code the
        table does not know, or two codes naming different comuni. Nothing while the table is
        empty: the operator has not loaded it."""
        if not self.loaded:
            return None, []
        found: list[Place] = []
        problems = []
        for code, table, pattern in (
            (istat, self.by_istat, ISTAT_CODE),
            (belfiore, self.by_belfiore, BELFIORE_CODE),
        ):
            if not code or not pattern.match(code):
                continue
            place = table.get(code)
            if place is None:
                problems.append(problem("unknown_comune", value=repr(code)))
            else:
                found.append(place)
        if len(found) < 2:
            return (found[0] if found else None), problems
        if self.belfiore_of_istat[istat] != belfiore:
            problems.append(
                problem(
                    "comune_mismatch",
                    istat=istat,
                    istat_name=found[0].name,
                    belfiore=belfiore,
                    belfiore_name=found[1].name,
                )
            )
            return found[0], problems
        # The same comune; an old ISTAT code names it as it was, the cadastral code as it is.
        return found[1], problems


def vacancies_fill_places() -> int:
    """Stored vacancies with a comune code and a blank place or NUTS 3 get them from the table
    (imported before it was loaded). Their content hash is left alone: it covers what the
    source sent, and the import fills these fields after hashing too."""
    index = ComuneIndex()
    if not index.loaded:
        return 0
    blank = Vacancy.objects.filter(Q(place="") | Q(nuts3=""))
    candidates = blank.exclude(comune_istat="", comune_belfiore="").only(
        "pk", "place", "nuts3", "comune_istat", "comune_belfiore", "code_versions"
    )
    now = timezone.now()
    filled: list[Vacancy] = []
    for vacancy in candidates.iterator(chunk_size=2000):
        place, _problems = index.find(vacancy.comune_istat, vacancy.comune_belfiore)
        if place is None:
            continue
        if not vacancy.nuts3:
            vacancy.nuts3 = place.nuts3
            vacancy.code_versions = {**vacancy.code_versions, "nuts3": "NUTS 2021"}
        vacancy.place = vacancy.place or place.name
        vacancy.updated_at = now
        filled.append(vacancy)
    Vacancy.objects.bulk_update(
        filled, ["place", "nuts3", "code_versions", "updated_at"], batch_size=1000
    )
    return len(filled)
