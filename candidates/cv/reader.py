"""From bytes to a ParsedCV: the kind is sniffed from content (never the file name), and every
reader is bounded in bytes, pages, entries and nesting. Any refusal is a DomainError."""

import io
import re
import zipfile
import zlib
from enum import StrEnum

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader

from accounts.phones import DEFAULT_REGION
from candidates.cv.document import Flavour, ParsedCV, StructuredCV
from candidates.cv.europass import parse_europass
from fairplatform.errors import DomainError
from fairplatform.safexml import local_name, parse_xml

MAX_TEXT_CHARS = 200_000
MAX_DOCX_ENTRIES = 2_000
MAX_DOCX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_DOCX_RATIO = 100
# Word nests tables inside tables; its documents run deeper than a Europass file ever does.
DOCX_MAX_DEPTH = 256
WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A person's codice fiscale; digits may be replaced by letters (omocodia).
FISCAL_CODE_RE = re.compile(
    r"\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPR-T][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b"
)


class Kind(StrEnum):
    EUROPASS_XML = "europass_xml"
    EUROPASS_PDF = "europass_pdf"
    PDF = "pdf"
    DOCX = "docx"


CONTENT_TYPES = {
    Kind.EUROPASS_XML: "application/xml",
    Kind.EUROPASS_PDF: "application/pdf",
    Kind.PDF: "application/pdf",
    Kind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
EXTENSIONS = {
    Kind.EUROPASS_XML: "xml",
    Kind.EUROPASS_PDF: "pdf",
    Kind.PDF: "pdf",
    Kind.DOCX: "docx",
}


def unsupported(message: str) -> DomainError:
    return DomainError("cv.unsupported_type", message)


def corrupt(what: str) -> DomainError:
    return DomainError(
        "cv.corrupt",
        _(
            "This %(what)s file is damaged and cannot be read. Save it again and upload the new file."
        )
        % {"what": what},
    )


UNSUPPORTED_HINT = _("Upload your CV as a PDF, a Word (DOCX) file or a Europass XML file.")


def read_cv(data: bytes) -> ParsedCV:
    if not data.strip():
        raise DomainError("cv.empty", _("The file is empty. Choose your CV file again."))
    if len(data) > settings.CV_MAX_BYTES:
        raise too_large()
    head = data[:1024]
    if b"%PDF-" in head:
        return _read_pdf(data)
    if head.startswith(b"PK\x03\x04"):
        return _read_docx(data)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _europass(Kind.EUROPASS_XML, data)
    raise unsupported(_describe_unsupported(head))


def too_large() -> DomainError:
    return DomainError(
        "cv.too_large",
        _("The file is too large: at most %(mb)d MB. Save it without pictures or as a PDF.")
        % {"mb": settings.CV_MAX_BYTES // (1024 * 1024)},
    )


def _europass(kind: Kind, data: bytes) -> ParsedCV:
    structured, text = parse_europass(data)
    text = text[:MAX_TEXT_CHARS]
    structured.fiscal_codes = fiscal_codes_in(text)
    return ParsedCV(kind=kind, cv=structured, text=text)


def _describe_unsupported(head: bytes) -> str:
    pictures = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF")
    if head.startswith(pictures):
        return str(
            _(
                "This file is a picture, not a CV document. A photo of your CV cannot be read: "
                "upload it as a PDF, a Word (DOCX) file or a Europass XML file."
            )
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return str(
            _("Old Word files (.doc) are not accepted. Open the file and save it as DOCX or PDF.")
        )
    return str(UNSUPPORTED_HINT)


def _read_pdf(data: bytes) -> ParsedCV:
    # pypdf raises a wide, undocumented range of exceptions on hostile input: any of them
    # means the same thing to the candidate.
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DomainError(
                "cv.encrypted",
                _(
                    "This PDF is protected by a password, so we cannot read it. Save or print it "
                    "again without a password and upload the new file."
                ),
            )
        embedded = _europass_attachment(reader)
        if embedded is not None:
            return _europass(Kind.EUROPASS_PDF, embedded)
        text = _pdf_text(reader)
    except DomainError:
        raise
    except Exception as exc:
        raise corrupt("PDF") from exc
    return ParsedCV(kind=Kind.PDF, cv=structured_from_text(text), text=text)


def _europass_attachment(reader: PdfReader) -> bytes | None:
    """The first embedded .xml file (europa.eu names it attachment.xml), if any."""
    for name, contents in reader.attachments.items():
        if name.lower().endswith(".xml") and contents:
            if len(contents[0]) > settings.CV_MAX_BYTES:
                raise too_large()
            return contents[0]
    return None


def _pdf_text(reader: PdfReader) -> str:
    parts: list[str] = []
    size = 0
    for page in reader.pages[: settings.CV_MAX_PDF_PAGES]:
        part = page.extract_text() or ""
        parts.append(part)
        size += len(part)
        if size >= MAX_TEXT_CHARS:
            break
    # PostgreSQL text cannot hold NUL, which PDF text extraction can produce.
    return "\n".join(parts).replace("\x00", "")[:MAX_TEXT_CHARS]


def unsafe_word() -> DomainError:
    return DomainError(
        "cv.unsafe_archive",
        _("This Word file is built in a way we do not accept for safety. Save it as PDF."),
    )


def _read_docx(data: bytes) -> ParsedCV:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise corrupt("ZIP") from exc
    names = {entry.filename for entry in entries}
    if "word/document.xml" not in names:
        raise unsupported(
            str(
                _("This file is a ZIP archive, not a CV document. %(hint)s")
                % {"hint": UNSUPPORTED_HINT}
            )
        )
    total = sum(entry.file_size for entry in entries)
    if (
        len(entries) > MAX_DOCX_ENTRIES
        or total > MAX_DOCX_UNCOMPRESSED
        or any(e.file_size > MAX_DOCX_RATIO * max(e.compress_size, 1) for e in entries)
    ):
        raise unsafe_word()
    try:
        with archive.open("word/document.xml") as member:
            body = member.read(MAX_DOCX_UNCOMPRESSED + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, RuntimeError, EOFError) as exc:
        raise corrupt("Word") from exc
    root = parse_xml(
        body,
        refuse_unsafe=unsafe_word,
        refuse_corrupt=lambda: corrupt("Word"),
        max_depth=DOCX_MAX_DEPTH,
    )
    paragraphs = []
    for paragraph in root.iter(f"{{{WORD_NS}}}p"):
        words = "".join(t.text or "" for t in paragraph.iter() if local_name(t) == "t")
        if words.strip():
            paragraphs.append(words.strip())
    text = "\n".join(paragraphs)[:MAX_TEXT_CHARS]
    return ParsedCV(kind=Kind.DOCX, cv=structured_from_text(text), text=text)


def structured_from_text(text: str) -> StructuredCV:
    """What a plain document gives away reliably: contacts and a codice fiscale."""
    phones = [
        phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        for match in phonenumbers.PhoneNumberMatcher(text[:20_000], DEFAULT_REGION)
    ]
    return StructuredCV(
        flavour=Flavour.UNSTRUCTURED,
        emails=list(dict.fromkeys(EMAIL_RE.findall(text)))[:5],
        phones=list(dict.fromkeys(phones))[:5],
        fiscal_codes=fiscal_codes_in(text),
    )


def fiscal_codes_in(text: str) -> list[str]:
    return list(dict.fromkeys(FISCAL_CODE_RE.findall(text.upper())))[:3]
