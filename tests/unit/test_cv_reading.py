"""Reading CV files: kinds sniffed from content, both Europass generations, PDF, DOCX, and the
hostile files, each refused with its own code. Plus a bounded fuzz of the XML and PDF readers."""

import contextlib
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from candidates.cv.document import Flavour
from candidates.cv.reader import Kind, read_cv
from fairplatform.errors import DomainError
from tests import cv_samples


def refusal(data: bytes) -> str:
    with pytest.raises(DomainError) as caught:
        read_cv(data)
    assert str(caught.value.message)
    return caught.value.code


def test_europass_candidate_xml_is_read_into_structure():
    parsed = read_cv(cv_samples.europass_candidate_xml())
    cv = parsed.cv
    assert parsed.kind == Kind.EUROPASS_XML
    assert cv.flavour == Flavour.EUROPASS_CANDIDATE
    assert (cv.first_name, cv.surname, cv.birth_date) == ("Mario", "Rossi", "1990-05-31")
    assert cv.emails == ["mario.rossi@example.org"]
    assert cv.phones == ["+39 333 123 4567"]
    assert cv.work[0].employer == "Acme Software srl"
    assert (cv.work[0].period.start, cv.work[0].period.end) == ("2015-03", "2019-12")
    assert cv.education[0].eqf_level == "6"
    assert cv.mother_tongues == ["it"]
    english = cv.foreign_languages[0]
    assert (english.code, english.listening, english.spoken_interaction) == ("en", "B2", "B1")
    assert cv.digital_skills == ["Python"]
    assert cv.esco_skills == [cv_samples.ESCO_PYTHON]
    assert cv.driving_licences == ["B"]
    assert cv.desired_occupation == "Sviluppatore software"
    assert "Acme Software" in parsed.text


def test_skills_passport_v3_xml_is_read_into_the_same_structure():
    parsed = read_cv(cv_samples.skills_passport_xml())
    cv = parsed.cv
    assert cv.flavour == Flavour.SKILLS_PASSPORT
    assert (cv.first_name, cv.surname, cv.birth_date) == ("Mario", "Rossi", "1990-05-31")
    assert cv.work[0].period.start == "2015-03"
    assert cv.foreign_languages[0].code == "fr"
    assert cv.foreign_languages[0].listening == "C1"
    assert cv.mother_tongues == ["it"]
    assert cv.driving_licences == ["B"]
    assert cv.education[0].eqf_level == "6"


def test_europass_pdf_is_read_through_its_embedded_xml():
    parsed = read_cv(cv_samples.europass_pdf(cv_samples.skills_passport_xml(first_name="Anna")))
    assert parsed.kind == Kind.EUROPASS_PDF
    assert parsed.cv.first_name == "Anna"


def test_plain_pdf_gives_its_text_and_contacts():
    parsed = read_cv(
        cv_samples.plain_pdf(
            ["Giulia Bianchi", "giulia@example.org - tel. 333 765 4321", "CF RSSMRA90E31F839J"]
        )
    )
    assert parsed.kind == Kind.PDF
    assert parsed.cv.flavour == Flavour.UNSTRUCTURED
    assert "Giulia Bianchi" in parsed.text
    assert parsed.cv.emails == ["giulia@example.org"]
    assert parsed.cv.phones == ["+393337654321"]
    assert parsed.cv.fiscal_codes == ["RSSMRA90E31F839J"]


def test_docx_text_is_read():
    parsed = read_cv(cv_samples.docx(["Luca Verdi", "luca.verdi@example.org"]))
    assert parsed.kind == Kind.DOCX
    assert parsed.text == "Luca Verdi\nluca.verdi@example.org"
    assert parsed.cv.emails == ["luca.verdi@example.org"]


def test_pdf_with_an_empty_user_password_is_read():
    parsed = read_cv(cv_samples.plain_pdf(["Mario Rossi"], password=""))
    assert "Mario Rossi" in parsed.text


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "cv.empty"),
        (b"  \n ", "cv.empty"),
        (cv_samples.plain_pdf(["Mario"], password="secret"), "cv.encrypted"),
        (b"%PDF-1.7\n" + b"\x00garbage" * 100, "cv.corrupt"),
        (cv_samples.plain_pdf(["Mario"])[:300], "cv.corrupt"),
        (cv_samples.plain_zip(), "cv.unsupported_type"),
        (cv_samples.zip_bomb_docx(), "cv.unsafe_archive"),
        (cv_samples.corrupt_deflate_docx(), "cv.corrupt"),
        (cv_samples.billion_laughs(), "cv.unsafe_xml"),
        (cv_samples.external_entity(), "cv.unsafe_xml"),
        (cv_samples.deeply_nested_xml(), "cv.unsafe_xml"),
        (b"<Candidate xmlns='http://www.europass.eu/1.0'><oops></Candidate>", "cv.corrupt"),
        (b"<html><body>My CV</body></html>", "cv.unsupported_type"),
        (cv_samples.huge_png(), "cv.unsupported_type"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "cv.unsupported_type"),
        (b"MZ\x90\x00 an executable", "cv.unsupported_type"),
    ],
    ids=[
        "empty",
        "blank",
        "encrypted-pdf",
        "garbage-pdf",
        "truncated-pdf",
        "zip-not-docx",
        "zip-bomb-docx",
        "corrupt-deflate-docx",
        "billion-laughs",
        "external-entity",
        "deep-nesting",
        "malformed-xml",
        "not-europass-xml",
        "30000x30000-png",
        "old-word-doc",
        "executable",
    ],
)
def test_hostile_and_wrong_files_are_refused_with_their_own_code(data, code):
    assert refusal(data) == code


def test_a_picture_is_told_apart_from_other_unsupported_files():
    with pytest.raises(DomainError) as caught:
        read_cv(cv_samples.huge_png())
    assert "picture" in str(caught.value.message)


def test_the_external_entity_is_never_resolved():
    with pytest.raises(DomainError) as caught:
        read_cv(cv_samples.external_entity())
    assert "root:" not in str(caught.value.message)


def test_an_oversized_file_is_refused(settings):
    settings.CV_MAX_BYTES = 1024
    assert refusal(cv_samples.europass_candidate_xml(extra_text="x" * 2000)) == "cv.too_large"


def test_a_pdf_is_read_only_up_to_the_page_limit(settings):
    settings.CV_MAX_PDF_PAGES = 1
    writer_pdf = cv_samples.plain_pdf(["first page"])
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(writer_pdf))
    writer.append(PdfReader(io.BytesIO(cv_samples.plain_pdf(["second page"]))))
    out = io.BytesIO()
    writer.write(out)
    parsed = read_cv(out.getvalue())
    assert "first page" in parsed.text
    assert "second page" not in parsed.text


FUZZ = settings(
    max_examples=60,
    deadline=2000,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def _only_refusals(data: bytes) -> None:
    """Whatever the bytes, the reader answers with a result or a DomainError, nothing else."""
    with contextlib.suppress(DomainError):
        read_cv(data)


@FUZZ
@given(
    prefix=st.sampled_from(
        [
            b"",
            b'<?xml version="1.0"?>',
            b'<Candidate xmlns="http://www.europass.eu/1.0">',
            b'<SkillsPassport xmlns="http://europass.cedefop.europa.eu/Europass">',
        ]
    ),
    body=st.binary(max_size=2000),
)
def test_fuzz_xml_reader_never_crashes(prefix, body):
    _only_refusals(prefix + body)


SAMPLE_XML = cv_samples.europass_candidate_xml()
SAMPLE_PDF = cv_samples.europass_pdf(cv_samples.skills_passport_xml())


@FUZZ
@given(
    source=st.sampled_from([SAMPLE_XML, SAMPLE_PDF]),
    position=st.integers(min_value=0),
    chunk=st.binary(min_size=1, max_size=64),
    cut=st.booleans(),
)
def test_fuzz_mutated_europass_files_never_crash(source, position, chunk, cut):
    at = position % len(source)
    mutated = source[:at] + chunk + (b"" if cut else source[at + len(chunk) :])
    _only_refusals(mutated)
