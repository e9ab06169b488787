"""A candidate's match features (employers/matching.py), computed from the current CV and the
profile and stored in `CandidateMatchFeatures`. Refreshed by the services that change their
inputs (CV upload and deletion, the place form); `match_features_ensure` fills in profiles that
have none (new accounts), so ranking never misses anyone."""

from collections.abc import Iterable, Mapping
from typing import Any

from candidates.cv.checks import EQF_LEVELS, language_code
from candidates.models import CandidateMatchFeatures, CandidateProfile
from employers.matching import CEFR_RANK, NATIVE_RANK, Features, cefr_rank, licences_held

# CV dimensions behind each of the vacancy's read / write / speak.
_READ = ("reading", "listening")
_WRITE = ("writing",)
_SPEAK = ("spoken_interaction", "spoken_production")


def _dimension(levels: Mapping[str, Any], names: Iterable[str]) -> int:
    ranks = [cefr_rank(str(levels.get(name, ""))) for name in names]
    known = [rank for rank in ranks if rank]
    return min(known) if known else 0


def feature_values(
    profile: CandidateProfile, structured: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The stored row's values (JSON-ready)."""
    cv = structured or {}
    languages: dict[str, list[int]] = {}

    def hold(code: str | None, ranks: list[int]) -> None:
        if not code or not any(ranks):
            return
        previous = languages.get(code, [0, 0, 0])
        languages[code] = [max(a, b) for a, b in zip(previous, ranks, strict=True)]

    for item in profile.languages or []:
        level = str(item.get("level", "")).upper()
        rank = NATIVE_RANK if level == "NATIVE" else CEFR_RANK.get(level, 0)
        hold(str(item.get("code", "")).lower(), [rank] * 3)
    for raw in cv.get("mother_tongues", []):
        hold(language_code(str(raw)), [NATIVE_RANK] * 3)
    for skill in cv.get("foreign_languages", []):
        hold(
            language_code(str(skill.get("code", ""))),
            [_dimension(skill, _READ), _dimension(skill, _WRITE), _dimension(skill, _SPEAK)],
        )
    isco = sorted(
        {
            code
            for job in cv.get("work", [])
            if len(code := str(job.get("occupation_isco", ""))) == 4
            and code.isascii()
            and code.isdigit()
        }
    )
    eqf = [
        int(level)
        for school in cv.get("education", [])
        if (level := str(school.get("eqf_level", ""))) in EQF_LEVELS
    ]
    return {
        "isco": isco,
        "skills": sorted({str(uri) for uri in cv.get("esco_skills", [])}),
        "languages": languages,
        "eqf": max(eqf, default=None),
        "nuts": profile.nuts.upper(),
        "relocate": profile.willing_to_relocate,
        "licences": sorted(licences_held(str(c) for c in cv.get("driving_licences", []))),
    }


def _current_structured(profile: CandidateProfile) -> dict[str, Any] | None:
    version = profile.cv_versions.order_by("-number").only("structured").first()
    return version.structured if version else None


def match_features_refresh(*, profile: CandidateProfile) -> CandidateMatchFeatures:
    values = feature_values(profile, _current_structured(profile))
    row, _created = CandidateMatchFeatures.objects.update_or_create(
        profile=profile, defaults=values
    )
    return row


def match_features_ensure() -> int:
    """Create the rows profiles lack; returns how many (usually none: one cheap query)."""
    missing = list(CandidateProfile.objects.filter(match_features__isnull=True))
    for profile in missing:
        match_features_refresh(profile=profile)
    return len(missing)


def features_from_row(row: tuple[Any, ...]) -> Features:
    """From the columns in the order of `FEATURE_COLUMNS`."""
    isco, skills, languages, eqf, nuts, relocate, licences = row
    return Features(
        isco=frozenset(isco),
        skills=frozenset(skills),
        languages={code: (r[0], r[1], r[2]) for code, r in languages.items()},
        eqf=eqf,
        nuts=nuts,
        relocate=relocate,
        licences=frozenset(licences),
    )


FEATURE_COLUMNS = ("isco", "skills", "languages", "eqf", "nuts", "relocate", "licences")
