"""The match score (employers/matching.py): each criterion, the breakdown and its words, and
that more of what is asked never lowers the score."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candidates.match_features import feature_values
from candidates.models import CandidateProfile
from employers.matching import (
    WEIGHTS,
    Features,
    Needs,
    explain,
    licences_held,
    rank,
    score,
    vacancy_needs,
)

ENGLISH_B2 = [{"iso639_1": "en", "read": "B2", "write": "B1", "speak": "B2"}]


def needs(**fields: object) -> Needs:
    values: dict[str, object] = {
        "isco": "",
        "languages": [],
        "eqf": None,
        "nuts3": "",
        "licences": [],
    }
    values.update(fields)
    return vacancy_needs(**values)  # type: ignore[arg-type]


def test_weights_add_up_to_a_hundred():
    assert sum(WEIGHTS.values()) == 100


def test_a_vacancy_asking_nothing_scores_everyone_100():
    assert score(needs(), Features()) == 100
    assert explain(needs(), Features()).parts == []


@pytest.mark.parametrize(
    ("held", "expected"),
    [("2512", 100), ("2519", 75), ("2521", 50), ("2611", 25), ("7112", 0)],
)
def test_occupation_follows_the_isco_hierarchy(held, expected):
    assert score(needs(isco="2512"), Features(isco=frozenset({held}))) == expected


def test_occupation_takes_the_best_job_and_is_zero_without_codes():
    wanted = needs(isco="2512")
    assert score(wanted, Features(isco=frozenset({"7112", "2519"}))) == 75
    result = explain(wanted, Features())
    assert result.score == 0
    assert result.missing == ["The CV does not say which occupations the jobs were in."]


def test_languages_meet_or_fall_short_by_levels():
    wanted = needs(languages=ENGLISH_B2)
    assert score(wanted, Features(languages={"en": (5, 4, 5)})) == 100
    # Speaking B1 against B2: one level below, a third off.
    result = explain(wanted, Features(languages={"en": (4, 4, 3)}))
    assert result.score == 67
    assert result.missing == ["EN: B2 needed, the CV says B1 (1 level below)."]
    assert score(wanted, Features(languages={"en": (1, 1, 1)})) == 0
    # Reading C1 asked, B2 held; speaking B1 asked, A1 held: the levels named are speaking's.
    reading_c1 = needs(languages=[{"iso639_1": "en", "read": "C1", "speak": "B1"}])
    assert explain(reading_c1, Features(languages={"en": (4, 0, 1)})).missing == [
        "EN: B1 needed, the CV says A1 (2 levels below)."
    ]
    missing = explain(wanted, Features(), language_names={"en": "English"}).missing
    assert missing == ["English: B2 needed, not on the CV."]


def test_native_speakers_meet_any_level():
    wanted = needs(languages=[{"iso639_1": "it", "read": "C2", "write": "C2", "speak": "C2"}])
    assert score(wanted, Features(languages={"it": (7, 7, 7)})) == 100


def test_education_by_eqf_level():
    wanted = needs(eqf=6)
    assert score(wanted, Features(eqf=7)) == 100
    assert score(wanted, Features(eqf=5)) == 75
    assert score(wanted, Features(eqf=2)) == 0
    assert explain(wanted, Features(eqf=4)).missing == [
        "Education: EQF level 6 needed, the CV says 4 (2 levels below)."
    ]
    assert explain(wanted, Features()).missing == ["The CV does not show an education level (EQF)."]


def test_cv_codes_in_other_digits_are_left_out_of_the_features():
    cv = {
        "work": [{"occupation_isco": "²⁵¹²"}, {"occupation_isco": "2512"}],
        "education": [{"eqf_level": "²"}, {"eqf_level": "6"}],
    }
    values = feature_values(CandidateProfile(), cv)
    assert values["isco"] == ["2512"]
    assert values["eqf"] == 6
    assert vacancy_needs(isco="²⁵¹²", languages=[], eqf=None, nuts3="", licences=[]).isco == ""


@pytest.mark.parametrize(
    ("home", "expected"),
    [("ITF33", 100), ("ITF35", 75), ("ITF3", 75), ("ITC45", 50), ("DE212", 25), ("", 0)],
)
def test_place_ladder(home, expected):
    assert score(needs(nuts3="ITF33"), Features(nuts=home)) == expected


def test_willing_to_move_counts_as_the_same_region():
    wanted = needs(nuts3="ITF33")
    assert score(wanted, Features(nuts="DE212", relocate=True)) == 75
    assert score(wanted, Features(nuts="ITF33", relocate=True)) == 100


def test_the_place_lines_say_where_the_job_is_and_who_can_act():
    wanted = needs(nuts3="ITF33")
    mover = Features(nuts="ITF35", relocate=True)
    assert explain(wanted, mover).missing == [
        "The job is in another province of the same region.",
        "Willing to move for work.",
    ]
    unknown = Features(relocate=True)
    assert explain(wanted, unknown).missing == [
        "Tell us where you live to see how far this job is.",
        "Willing to move for work.",
    ]
    assert explain(wanted, Features(), for_recruiter=True).missing == [
        "Where the candidate lives is not known."
    ]


def test_licences_with_the_categories_they_imply():
    wanted = needs(licences=["C", "B"])
    assert score(wanted, Features(licences=licences_held(["CE"]))) == 100
    result = explain(wanted, Features(licences=licences_held(["B"])))
    assert result.score == 50
    assert result.missing == ["Driving licence needed: C."]


def test_the_breakdown_weighs_only_what_the_vacancy_asks():
    wanted = needs(isco="2512", eqf=6, nuts3="ITF33", languages=ENGLISH_B2, licences=["B"])
    person = Features(
        isco=frozenset({"2512"}),
        eqf=5,
        nuts="ITF35",
        languages={"en": (5, 4, 5)},
        licences=frozenset(),
    )
    result = explain(wanted, person)
    assert [p.criterion for p in result.parts] == [
        "occupation",
        "languages",
        "education",
        "place",
        "licences",
    ]
    total = sum(p.weight for p in result.parts)
    assert total == 85  # skills are not asked
    assert result.score == round(100 * sum(p.points for p in result.parts) / total) == 85
    assert len(result.missing) == 3


def test_rank_is_best_first_and_agrees_with_score():
    wanted = needs(isco="2512", nuts3="ITF33")
    people = [
        (1, Features(isco=frozenset({"7112"}), nuts="ITF33")),
        (2, Features(isco=frozenset({"2512"}), nuts="ITF33")),
        (3, Features(isco=frozenset({"2519"}), nuts="ITC45")),
    ]
    ranked = rank(wanted, people)
    assert ranked == [
        (score(wanted, f), key)
        for key, f in sorted(people, key=lambda p: (-score(wanted, p[1]), p[0]))
    ]
    assert [key for _s, key in ranked] == [2, 3, 1]


levels = st.integers(min_value=0, max_value=7)
features = st.builds(
    Features,
    isco=st.frozensets(st.sampled_from(["2512", "2519", "2521", "7112"]), max_size=2),
    languages=st.dictionaries(
        st.sampled_from(["en", "de"]), st.tuples(levels, levels, levels), max_size=2
    ),
    eqf=st.none() | st.integers(min_value=1, max_value=8),
    nuts=st.sampled_from(["", "ITF33", "ITF35", "ITC45", "DE212"]),
    relocate=st.booleans(),
    licences=st.frozensets(st.sampled_from(["B", "C", "CE"]), max_size=2),
)
WANTED = needs(
    isco="2512",
    languages=[*ENGLISH_B2, {"iso639_1": "de", "read": "A2", "write": "", "speak": "A2"}],
    eqf=6,
    nuts3="ITF33",
    licences=["C"],
)


@given(person=features, extra_level=st.integers(min_value=1, max_value=3))
def test_more_of_what_is_asked_never_lowers_the_score(person, extra_level):
    better = Features(
        isco=person.isco | {"2512"},
        languages={
            **person.languages,
            "en": tuple(
                min(7, level + extra_level) for level in person.languages.get("en", (0, 0, 0))
            ),
        },
        eqf=min(8, (person.eqf or 0) + extra_level),
        nuts=person.nuts,
        relocate=True,
        licences=person.licences | {"C"},
    )
    assert score(WANTED, better) >= score(WANTED, person)
    assert 0 <= score(WANTED, person) <= 100


PYTHON = "http://data.europa.eu/esco/skill/example-python"
SQL = "http://data.europa.eu/esco/skill/example-sql"
GIT = "http://data.europa.eu/esco/skill/example-git"


def test_skills_count_by_esco_uri_and_the_missing_ones_are_named():
    wanted = needs(
        skills=[
            {"uri": PYTHON, "label": "use Python"},
            {"uri": SQL, "label": "SQL"},
            {"uri": GIT, "label": ""},
            {"uri": "", "label": "Lavoro in team"},  # no URI: shown, never compared
        ]
    )
    assert wanted.skills == frozenset({PYTHON, SQL, GIT})

    result = explain(wanted, Features(skills=frozenset({PYTHON})))

    assert result.score == 33
    assert [(p.criterion, p.percent) for p in result.parts] == [("skills", 33)]
    assert result.missing == [
        "Skills not on the CV: SQL.",
        "1 other skill asked is not on the CV.",
    ]
    assert explain(wanted, Features(skills=frozenset({PYTHON, SQL, GIT}))).missing == []


def test_missing_skills_without_names_are_counted():
    wanted = needs(skills=[{"uri": GIT, "label": ""}, {"uri": SQL, "label": ""}])
    assert explain(wanted, Features()).missing == ["2 of the skills asked are not on the CV."]


def test_skills_without_esco_uris_leave_the_criterion_out():
    assert explain(needs(skills=[{"uri": "", "label": "Lavoro in team"}]), Features()).parts == []
