"""The match score: an explainable distance between a candidate and a vacancy (issue #6, part 5).

Pure: no database, no Django models. The vacancy side is `Needs` (built once per vacancy), the
candidate side is `Features` (precomputed per candidate, stored in
`candidates.CandidateMatchFeatures`). `score()` is the tight loop used to rank thousands of
candidates; `explain()` gives the per-criterion breakdown with plain-language "what is missing"
lines, for the few rows a page shows. Both use the same `_parts`, so the number and its
explanation never disagree.

Method (docs/architecture.md, "Match score"): six criteria, each worth 0..1, weighted; a criterion
counts only when the vacancy states that requirement, and the score is
`round(100 * sum(weight * value) / sum(weight of the criteria that count))`. A vacancy that states
nothing scores 100 for everyone.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fairplatform.cefr import CEFR_LEVELS

NATIVE_RANK: Final = 7  # above C2
# CEFR rank: A1 = 1 … C2 = 6, native = 7; 0 = unknown.
CEFR_RANK: Final = {level: index + 1 for index, level in enumerate(CEFR_LEVELS)} | {
    "NATIVE": NATIVE_RANK
}

OCCUPATION, SKILLS, LANGUAGES, EDUCATION, PLACE, LICENCES = (
    "occupation",
    "skills",
    "languages",
    "education",
    "place",
    "licences",
)
WEIGHTS: Final[dict[str, int]] = {
    OCCUPATION: 35,
    SKILLS: 15,
    LANGUAGES: 15,
    EDUCATION: 15,
    PLACE: 15,
    LICENCES: 5,
}
CRITERIA: Final = tuple(WEIGHTS)
LABELS: Final[dict[str, Promise]] = {
    OCCUPATION: _("Occupation"),
    SKILLS: _("Skills"),
    LANGUAGES: _("Languages"),
    EDUCATION: _("Education"),
    PLACE: _("Place"),
    LICENCES: _("Driving licences"),
}
# Same ISCO-08 unit (4 digits), minor group (3), sub-major group (2), major group (1).
OCCUPATION_LADDER: Final = (1.0, 0.75, 0.5, 0.25)
# Each CEFR level below what is asked costs a third; each EQF level below a quarter.
LANGUAGE_STEP: Final = 1 / 3
EDUCATION_STEP: Final = 0.25
# Same province (NUTS 3), region (NUTS 2), country, abroad; unknown place scores 0.
PLACE_LADDER: Final = (1.0, 0.75, 0.5, 0.25)
# Willing to move (EURES mobility): a place anywhere counts at least as the same region.
RELOCATE_FLOOR: Final = 0.75

# EU driving-licence categories (Directive 2006/126/EC) each one implies holding.
LICENCE_IMPLIES: Final[dict[str, frozenset[str]]] = {
    "A2": frozenset({"A1", "AM"}),
    "A": frozenset({"A2", "A1", "AM"}),
    "B": frozenset({"AM"}),
    "BE": frozenset({"B", "AM"}),
    "C1": frozenset({"B", "AM"}),
    "C1E": frozenset({"C1", "BE", "B", "AM"}),
    "C": frozenset({"C1", "B", "AM"}),
    "CE": frozenset({"C", "C1", "C1E", "BE", "B", "AM"}),
    "D1": frozenset({"B", "AM"}),
    "D1E": frozenset({"D1", "BE", "B", "AM"}),
    "D": frozenset({"D1", "B", "AM"}),
    "DE": frozenset({"D", "D1", "D1E", "BE", "B", "AM"}),
}


def cefr_rank(level: str) -> int:
    return CEFR_RANK.get(level.strip().upper(), 0)


def licences_held(categories: Iterable[str]) -> frozenset[str]:
    held: set[str] = set()
    for category in categories:
        code = category.strip().upper()
        if code:
            held.add(code)
            held |= LICENCE_IMPLIES.get(code, frozenset())
    return frozenset(held)


@dataclass(frozen=True, slots=True)
class Needs:
    """What a vacancy asks for. Languages: ISO 639-1 → (read, write, speak) CEFR ranks, 0 where
    the vacancy does not say. Skills: ESCO URIs, with their names where known (for the
    explanation only)."""

    isco: str = ""
    skills: frozenset[str] = frozenset()
    languages: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)
    eqf: int | None = None
    nuts3: str = ""
    licences: frozenset[str] = frozenset()
    skill_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def total_weight(self) -> int:
        return sum(WEIGHTS[name] for name in self.criteria)

    @property
    def criteria(self) -> tuple[str, ...]:
        stated = {
            OCCUPATION: bool(self.isco),
            SKILLS: bool(self.skills),
            LANGUAGES: bool(self.languages),
            EDUCATION: self.eqf is not None,
            PLACE: bool(self.nuts3),
            LICENCES: bool(self.licences),
        }
        return tuple(name for name in CRITERIA if stated[name])


@dataclass(frozen=True, slots=True)
class Features:
    """What we know of a candidate, precomputed. Languages: ISO 639-1 → (read, write, speak)
    CEFR ranks; `nuts` is the most precise NUTS code known (province, else region, else
    country); `licences` already include the categories each one implies."""

    isco: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()
    languages: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)
    eqf: int | None = None
    nuts: str = ""
    relocate: bool = False
    licences: frozenset[str] = frozenset()


def vacancy_needs(
    *,
    isco: str,
    languages: Sequence[Mapping[str, str]],
    eqf: int | None,
    nuts3: str,
    licences: Iterable[str],
    skills: Iterable[Mapping[str, str]] = (),
) -> Needs:
    """From a vacancy's stored values (`Vacancy.languages`: [{"iso639_1", "read", "write",
    "speak"}]; `Vacancy.skills`: [{"uri", "label"}], where a skill without a URI cannot be
    compared with a CV and does not count)."""
    labels = {
        str(skill.get("uri", "")): str(skill.get("label", ""))
        for skill in skills
        if skill.get("uri")
    }
    wanted: dict[str, tuple[int, int, int]] = {}
    for item in languages:
        code = str(item.get("iso639_1", "")).lower()
        if len(code) != 2:
            continue
        ranks = tuple(cefr_rank(str(item.get(skill, ""))) for skill in ("read", "write", "speak"))
        previous = wanted.get(code, (0, 0, 0))
        wanted[code] = (
            max(previous[0], ranks[0]),
            max(previous[1], ranks[1]),
            max(previous[2], ranks[2]),
        )
    return Needs(
        isco=isco if len(isco) == 4 and isco.isascii() and isco.isdigit() else "",
        skills=frozenset(labels),
        skill_labels=labels,
        languages=wanted,
        eqf=eqf,
        nuts3=nuts3.upper(),
        licences=frozenset(code.strip().upper() for code in licences if code.strip()),
    )


# --- the criteria, each value 0..1 --------------------------------------------------------------


def occupation_value(needs: Needs, features: Features) -> float:
    best = 0.0
    for code in features.isco:
        for depth, value in zip((4, 3, 2, 1), OCCUPATION_LADDER, strict=True):
            if value <= best:
                break
            if code[:depth] == needs.isco[:depth] and len(code) >= depth:
                best = value
                break
    return best


def skills_value(needs: Needs, features: Features) -> float:
    return len(needs.skills & features.skills) / len(needs.skills)


def language_gap(wanted: tuple[int, int, int], held: tuple[int, int, int] | None) -> int | None:
    """Levels below the most demanding of read/write/speak; None if the language is missing."""
    if held is None or not any(held):
        return None
    gaps = [want - have for want, have in zip(wanted, held, strict=True) if want]
    return max(0, max(gaps, default=0))


def languages_value(needs: Needs, features: Features) -> float:
    total = 0.0
    for code, wanted in needs.languages.items():
        gap = language_gap(wanted, features.languages.get(code))
        if gap is not None:
            total += max(0.0, 1.0 - gap * LANGUAGE_STEP)
    return total / len(needs.languages)


def education_value(needs: Needs, features: Features) -> float:
    if features.eqf is None or needs.eqf is None:
        return 0.0
    return max(0.0, 1.0 - max(0, needs.eqf - features.eqf) * EDUCATION_STEP)


def place_step(needs: Needs, features: Features) -> int | None:
    """0 same province, 1 same region, 2 same country, 3 abroad; None when unknown."""
    home = features.nuts.upper()
    if not home:
        return None
    if len(home) >= 5 and home[:5] == needs.nuts3[:5]:
        return 0
    if len(home) >= 4 and home[:4] == needs.nuts3[:4]:
        return 1
    if home[:2] == needs.nuts3[:2]:
        return 2
    return 3


def place_value(needs: Needs, features: Features) -> float:
    step = place_step(needs, features)
    value = 0.0 if step is None else PLACE_LADDER[step]
    return max(value, RELOCATE_FLOOR) if features.relocate else value


def licences_value(needs: Needs, features: Features) -> float:
    return len(needs.licences & features.licences) / len(needs.licences)


VALUES: Final = {
    OCCUPATION: occupation_value,
    SKILLS: skills_value,
    LANGUAGES: languages_value,
    EDUCATION: education_value,
    PLACE: place_value,
    LICENCES: licences_value,
}


def _parts(needs: Needs, features: Features) -> list[tuple[str, float]]:
    return [(name, VALUES[name](needs, features)) for name in needs.criteria]


def score(needs: Needs, features: Features) -> int:
    """From 0 to 100."""
    total = needs.total_weight
    if not total:
        return 100
    return round(
        100 * sum(WEIGHTS[name] * value for name, value in _parts(needs, features)) / total
    )


def rank(needs: Needs, candidates: Iterable[tuple[int, Features]]) -> list[tuple[int, int]]:
    """(score, id) for every candidate, best first, ties by id. The loop pages rank in."""
    criteria = [(WEIGHTS[name], VALUES[name]) for name in needs.criteria]
    total = sum(weight for weight, _value in criteria)
    if not total:
        return sorted(((100, key) for key, _features in candidates), key=lambda row: row[1])
    scored = [
        (
            round(100 * sum(weight * value(needs, features) for weight, value in criteria) / total),
            key,
        )
        for key, features in candidates
    ]
    scored.sort(key=lambda row: (-row[0], row[1]))
    return scored


# --- the explanation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    criterion: str
    label: str
    weight: int
    value: float  # 0..1
    missing: list[str]

    @property
    def points(self) -> float:
        return self.weight * self.value

    @property
    def percent(self) -> int:
        return round(100 * self.value)


@dataclass(frozen=True)
class Explanation:
    score: int
    parts: list[Part]

    @property
    def missing(self) -> list[str]:
        return [line for part in self.parts for line in part.missing]


def explain(
    needs: Needs,
    features: Features,
    *,
    language_names: Mapping[str, str] | None = None,
    for_recruiter: bool = False,
) -> Explanation:
    """The score with one row per criterion that counts and what is missing, in words that read
    right to the candidate and to the recruiter alike ("the CV"); only where the candidate can
    act (say where they live) does the wording differ."""
    reader = _Reader(language_names or {}, for_recruiter)
    parts = [
        Part(
            criterion=name,
            label=str(LABELS[name]),
            weight=WEIGHTS[name],
            value=value,
            missing=_missing(name, value, needs, features, reader),
        )
        for name, value in _parts(needs, features)
    ]
    return Explanation(score=score(needs, features), parts=parts)


def _level(rank_: int) -> str:
    if rank_ >= NATIVE_RANK:
        return str(_("native"))
    return CEFR_LEVELS[rank_ - 1] if rank_ > 0 else "–"


@dataclass(frozen=True)
class _Reader:
    """What the words of an explanation depend on besides the numbers."""

    language_names: Mapping[str, str]
    for_recruiter: bool


def _missing(
    name: str, value: float, needs: Needs, features: Features, reader: _Reader
) -> list[str]:
    if value >= 1.0:
        return []
    return _MISSING[name](value, needs, features, reader)


def _missing_occupation(
    value: float, _needs: Needs, features: Features, _reader: _Reader
) -> list[str]:
    if not features.isco:
        return [str(_("The CV does not say which occupations the jobs were in."))]
    if value == 0:
        return [str(_("The work experience is in a different field of work."))]
    return [str(_("The work experience is in a related occupation, not this one."))]


def _missing_skills(_value: float, needs: Needs, features: Features, _reader: _Reader) -> list[str]:
    missing = needs.skills - features.skills
    named = sorted(label for uri in missing if (label := needs.skill_labels.get(uri)))
    unnamed = len(missing) - len(named)
    lines = []
    if named:
        lines.append(str(_("Skills not on the CV: %(skills)s.")) % {"skills": ", ".join(named)})
    if unnamed and named:
        lines.append(
            ngettext(
                "%(count)d other skill asked is not on the CV.",
                "%(count)d other skills asked are not on the CV.",
                unnamed,
            )
            % {"count": unnamed}
        )
    elif unnamed:
        lines.append(
            ngettext(
                "%(count)d of the skills asked is not on the CV.",
                "%(count)d of the skills asked are not on the CV.",
                unnamed,
            )
            % {"count": unnamed}
        )
    return lines


def _missing_languages(
    _value: float, needs: Needs, features: Features, reader: _Reader
) -> list[str]:
    lines = []
    for code, wanted in needs.languages.items():
        language = reader.language_names.get(code, code.upper())
        held = features.languages.get(code)
        gap = language_gap(wanted, held)
        if gap is None or held is None:
            lines.append(
                str(_("%(language)s: %(level)s needed, not on the CV."))
                % {"language": language, "level": _level(max(wanted))}
            )
        elif gap > 0:
            # The skill furthest below, so both levels named are the gap's own.
            want, have = max(
                ((w, h) for w, h in zip(wanted, held, strict=True) if w),
                key=lambda levels: levels[0] - levels[1],
            )
            lines.append(
                ngettext(
                    "%(language)s: %(level)s needed, the CV says %(have)s (%(gap)d level below).",
                    "%(language)s: %(level)s needed, the CV says %(have)s (%(gap)d levels below).",
                    gap,
                )
                % {
                    "language": language,
                    "level": _level(want),
                    "have": _level(have),
                    "gap": gap,
                }
            )
    return lines


def _missing_education(
    _value: float, needs: Needs, features: Features, _reader: _Reader
) -> list[str]:
    if features.eqf is None:
        return [str(_("The CV does not show an education level (EQF)."))]
    gap = (needs.eqf or 0) - features.eqf
    return [
        ngettext(
            "Education: EQF level %(level)d needed, the CV says %(have)d (%(gap)d level below).",
            "Education: EQF level %(level)d needed, the CV says %(have)d (%(gap)d levels below).",
            gap,
        )
        % {"level": needs.eqf, "have": features.eqf, "gap": gap}
    ]


def _missing_place(_value: float, needs: Needs, features: Features, reader: _Reader) -> list[str]:
    step = place_step(needs, features)
    if step is None:
        unknown = (
            _("Where the candidate lives is not known.")
            if reader.for_recruiter
            else _("Tell us where you live to see how far this job is.")
        )
        lines = [str(unknown)]
    else:
        far = (
            _("The job is in another province of the same region."),
            _("The job is in another region."),
            _("The job is in another country."),
        )
        lines = [str(far[step - 1])]
    if features.relocate:
        lines.append(str(_("Willing to move for work.")))
    return lines


def _missing_licences(
    _value: float, needs: Needs, features: Features, _reader: _Reader
) -> list[str]:
    lacking = ", ".join(sorted(needs.licences - features.licences))
    return [str(_("Driving licence needed: %(categories)s.")) % {"categories": lacking}]


_MISSING: Final = {
    OCCUPATION: _missing_occupation,
    SKILLS: _missing_skills,
    LANGUAGES: _missing_languages,
    EDUCATION: _missing_education,
    PLACE: _missing_place,
    LICENCES: _missing_licences,
}
