"""The automatic checks of standards.md §2.2 on structured CVs."""

from datetime import date

import pytest
from django.utils import translation

from candidates.cv.checks import check_cv, describe, parse_partial_date
from candidates.cv.reader import read_cv
from tests import cv_samples

TODAY = date(2026, 6, 1)


def report_for(xml: bytes, account_name: str = "Mario Rossi"):
    return check_cv(read_cv(xml).cv, account_name=account_name, today=TODAY)


def codes(issues) -> list[str]:
    return [issue.code for issue in issues]


def test_a_complete_europass_cv_has_no_errors_and_its_fields_are_extracted():
    report = report_for(cv_samples.europass_candidate_xml())
    assert report.errors == []
    assert report.warnings == []
    extracted = report.extracted
    assert extracted["name"] == "Mario Rossi"
    assert extracted["phones"] == ["+393331234567"]
    assert extracted["highest_eqf_level"] == 6
    assert {"code": "it", "level": "native"} in extracted["languages"]
    assert {"code": "en", "level": "B1"} in extracted["languages"]
    assert extracted["driving_licences"] == ["B"]


def test_the_legacy_generation_passes_the_same_checks():
    assert report_for(cv_samples.skills_passport_xml()).errors == []


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"first_name": ""}, "cv.name_missing"),
        ({"email": "mario@@example"}, "cv.email_invalid"),
        ({"phone": "12"}, "cv.phone_invalid"),
        ({"job_end": "2019-02-30"}, "cv.date_invalid"),
        ({"job_start": "2019-13"}, "cv.date_invalid"),
        ({"job_start": "2020-01", "job_end": "2019-06"}, "cv.period_reversed"),
        ({"job_end": "2031-01"}, "cv.date_in_future"),
        ({"job_start": "1999-01"}, "cv.before_working_age"),
        ({"birth_date": "1990-02-31"}, "cv.birth_date_invalid"),
        ({"birth_date": "9990-05-01"}, "cv.birth_date_future"),
        ({"english_levels": ("B2", "B2", "B7", "B1", "B2")}, "cv.cefr_level_invalid"),
        ({"eqf_level": "9"}, "cv.eqf_level_invalid"),
        ({"extra_text": "CF RSSMRA90E31F839X"}, "cv.fiscal_code_invalid"),
    ],
)
def test_each_problem_is_an_error_with_its_code(overrides, code):
    report = report_for(cv_samples.europass_candidate_xml(**overrides))
    assert code in codes(report.errors)


@pytest.mark.parametrize(("job_start", "too_young"), [("2014-01", True), ("2014-02", False)])
def test_working_age_counts_from_a_29_february_birth(job_start, too_young):
    report = report_for(
        cv_samples.europass_candidate_xml(birth_date="2000-02-29", job_start=job_start)
    )
    assert ("cv.before_working_age" in codes(report.errors)) is too_young


def test_a_valid_codice_fiscale_passes():
    report = report_for(cv_samples.europass_candidate_xml(extra_text="CF RSSMRA90E31F839J"))
    assert report.errors == []
    assert report.extracted["fiscal_codes"] == ["RSSMRA90E31F839J"]


def test_no_contact_at_all_is_an_error():
    xml = cv_samples.europass_candidate_xml().replace(
        b"<ChannelCode>Email</ChannelCode>", b"<ChannelCode>Fax</ChannelCode>"
    )
    xml = xml.replace(b"<ChannelCode>Telephone</ChannelCode>", b"<ChannelCode>Fax</ChannelCode>")
    assert "cv.contact_missing" in codes(report_for(xml).errors)


def test_an_unknown_language_code_is_an_error():
    xml = cv_samples.skills_passport_xml().replace(b"<Code>fr</Code>", b"<Code>xq</Code>")
    assert "cv.language_code_invalid" in codes(report_for(xml).errors)


def test_a_different_name_is_flagged_for_the_operator_never_refused():
    report = report_for(cv_samples.europass_candidate_xml(), account_name="Giovanni Esposito")
    assert "cv.name_mismatch" in codes(report.warnings)
    assert report.errors == []


def test_overlapping_jobs_are_only_a_warning():
    xml = cv_samples.europass_candidate_xml()
    history = xml[xml.index(b"<EmployerHistory>") : xml.index(b"</EmploymentHistory>")]
    doubled = xml.replace(history, history + history.replace(b"2015-03", b"2017-01"))
    report = report_for(doubled)
    assert "cv.jobs_overlap" in codes(report.warnings)
    assert report.errors == []


def test_a_plain_pdf_is_flagged_for_reading_by_an_operator():
    parsed = read_cv(cv_samples.plain_pdf(["Curriculum", "mario@example.org"]))
    report = check_cv(parsed.cv, account_name="Mario Rossi", today=TODAY)
    assert codes(report.warnings) == ["cv.unstructured"]
    assert report.errors == []


def test_ongoing_jobs_may_end_in_the_future():
    xml = cv_samples.europass_candidate_xml(job_end="2031-01").replace(
        b"<hr:CurrentIndicator>false", b"<hr:CurrentIndicator>true"
    )
    assert "cv.date_in_future" not in codes(report_for(xml).errors)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019", (2019,)),
        ("2019-03", (2019, 3)),
        ("2019-03-15", (2019, 3, 15)),
        ("2019-03-15T10:00:00", (2019, 3, 15)),
        ("2019-02-29", None),
        ("15/03/2019", None),
        ("", None),
    ],
)
def test_partial_dates(value, expected):
    assert parse_partial_date(value) == expected


def test_stored_issues_are_worded_in_the_reader_s_language():
    issue = report_for(cv_samples.europass_candidate_xml(email="bad@")).as_json()["errors"][0]
    with translation.override("en"):
        worded = describe(issue)
    assert worded["code"] == "cv.email_invalid"
    assert "bad@" in worded["message"]
    assert worded["fix"]
