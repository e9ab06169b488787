"""CV files built by the tests themselves: both Europass XML generations, a Europass PDF with
the XML inside, a plain PDF, a DOCX, and the hostile files the upload must refuse."""

import io
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

PERSON = {
    "first_name": "Mario",
    "surname": "Rossi",
    "email": "mario.rossi@example.org",
    "phone": "333 123 4567",
    "birth_date": "1990-05-31",
}


# An ESCO skill on the sample Europass CV (a made-up concept id under ESCO's skill address).
ESCO_PYTHON = "http://data.europa.eu/esco/skill/example-python"


def europass_candidate_xml(
    *,
    first_name: str = PERSON["first_name"],
    surname: str = PERSON["surname"],
    email: str = PERSON["email"],
    phone: str = PERSON["phone"],
    birth_date: str = PERSON["birth_date"],
    job_start: str = "2015-03",
    job_end: str = "2019-12",
    school_start: str = "2009-09",
    school_end: str = "2014-07",
    eqf_level: str = "6",
    english_levels: tuple[str, str, str, str, str] = ("B2", "B2", "B1", "B1", "B2"),
    extra_text: str = "",
) -> bytes:
    """A Europass2 "Candidate" document as the europa.eu editor exports it (2020+)."""
    dimensions = zip(
        [
            "CEF-Understanding-Listening",
            "CEF-Understanding-Reading",
            "CEF-Speaking-Interaction",
            "CEF-Speaking-Production",
            "CEF-Writing-Production",
        ],
        english_levels,
        strict=True,
    )
    levels = "".join(
        f"<eures:CompetencyDimension><hr:CompetencyDimensionTypeCode>{code}"
        f"</hr:CompetencyDimensionTypeCode><eures:Score><hr:ScoreText>{level}</hr:ScoreText>"
        "</eures:Score></eures:CompetencyDimension>"
        for code, level in dimensions
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Candidate xmlns="http://www.europass.eu/1.0" xmlns:oa="http://www.openapplications.org/oagis/9"
    xmlns:eures="http://www.europass_eures.eu/1.0" xmlns:hr="http://www.hr-xml.org/3">
  <hr:DocumentID schemeID="Test-0001" schemeName="DocumentIdentifier" schemeAgencyName="EUROPASS"
      schemeVersionID="4.0">7b0c3f9e-2f56-4c57-9d2e-0e4c54c1b0a1</hr:DocumentID>
  <CandidatePerson>
    <PersonName><oa:GivenName>{escape(first_name)}</oa:GivenName><hr:FamilyName>{escape(surname)}</hr:FamilyName></PersonName>
    <Communication><ChannelCode>Email</ChannelCode><oa:URI>{escape(email)}</oa:URI></Communication>
    <Communication><ChannelCode>Telephone</ChannelCode><UseCode>mobile</UseCode>
      <CountryDialing>39</CountryDialing><oa:DialNumber>{escape(phone)}</oa:DialNumber></Communication>
    <Communication><Address type="home"><oa:CityName>Napoli</oa:CityName><CountryCode>it</CountryCode></Address></Communication>
    <hr:BirthDate>{birth_date}</hr:BirthDate>
    <PrimaryLanguageCode name="language">it</PrimaryLanguageCode>
  </CandidatePerson>
  <CandidateProfile languageCode="it">
    <EmploymentHistory>
      <EmployerHistory>
        <hr:OrganizationName>Acme Software srl</hr:OrganizationName>
        <PositionHistory>
          <PositionTitle typeCode="FREETEXT">Sviluppatore Python</PositionTitle>
          <eures:EmploymentPeriod>
            <eures:StartDate><hr:FormattedDateTime>{job_start}</hr:FormattedDateTime></eures:StartDate>
            <eures:EndDate><hr:FormattedDateTime>{job_end}</hr:FormattedDateTime></eures:EndDate>
            <hr:CurrentIndicator>false</hr:CurrentIndicator>
          </eures:EmploymentPeriod>
          <oa:Description>Backend Django. {escape(extra_text)}</oa:Description>
          <City>Napoli</City><Country>it</Country>
        </PositionHistory>
      </EmployerHistory>
    </EmploymentHistory>
    <EducationHistory>
      <EducationOrganizationAttendance>
        <hr:OrganizationName>Università Federico II</hr:OrganizationName>
        <EducationLevelCode>{eqf_level}</EducationLevelCode>
        <AttendancePeriod>
          <StartDate><hr:FormattedDateTime>{school_start}</hr:FormattedDateTime></StartDate>
          <EndDate><hr:FormattedDateTime>{school_end}</hr:FormattedDateTime></EndDate>
          <Ongoing>false</Ongoing>
        </AttendancePeriod>
        <hr:EducationDegree><hr:DegreeName>Laurea in Informatica</hr:DegreeName></hr:EducationDegree>
      </EducationOrganizationAttendance>
    </EducationHistory>
    <Licenses><License><hr:LicenseTypeCode>B</hr:LicenseTypeCode></License></Licenses>
    <PersonQualifications>
      <PersonCompetency><CompetencyID>en</CompetencyID><hr:TaxonomyID>language</hr:TaxonomyID>{levels}</PersonCompetency>
      <PersonCompetency><CompetencyID>Python</CompetencyID><hr:TaxonomyID>other</hr:TaxonomyID></PersonCompetency>
      <PersonCompetency><CompetencyID>{ESCO_PYTHON}</CompetencyID><hr:TaxonomyID>skill</hr:TaxonomyID></PersonCompetency>
    </PersonQualifications>
    <CandidatePositionPreferences><PositionTitle>Sviluppatore software</PositionTitle></CandidatePositionPreferences>
  </CandidateProfile>
</Candidate>
""".encode()


def skills_passport_xml(
    *,
    first_name: str = PERSON["first_name"],
    surname: str = PERSON["surname"],
    email: str = PERSON["email"],
    phone: str = "+39 333 123 4567",
    job_from: tuple[str, str] = ("2015", "--03"),
    job_to: tuple[str, str] = ("2019", "--12"),
) -> bytes:
    """A legacy SkillsPassport v3 document (Europass editor, 2013 to 2020)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<SkillsPassport xmlns="http://europass.cedefop.europa.eu/Europass" locale="it">
  <DocumentInfo><DocumentType>ECV</DocumentType><XSDVersion>V3.3</XSDVersion></DocumentInfo>
  <LearnerInfo>
    <Identification>
      <PersonName><FirstName>{escape(first_name)}</FirstName><Surname>{escape(surname)}</Surname></PersonName>
      <ContactInfo>
        <Address><Contact><Municipality>Napoli</Municipality><Country><Code>IT</Code></Country></Contact></Address>
        <Email><Contact>{escape(email)}</Contact></Email>
        <TelephoneList><Telephone><Contact>{escape(phone)}</Contact><Use><Code>mobile</Code></Use></Telephone></TelephoneList>
      </ContactInfo>
      <Demographics><Birthdate year="1990" month="--05" day="---31"/></Demographics>
    </Identification>
    <Headline><Type><Code>preferred_job</Code></Type><Description><Label>Sviluppatore software</Label></Description></Headline>
    <WorkExperienceList>
      <WorkExperience>
        <Period><From year="{job_from[0]}" month="{job_from[1]}"/><To year="{job_to[0]}" month="{job_to[1]}"/></Period>
        <Position><Label>Sviluppatore Python</Label></Position>
        <Activities>Backend Django</Activities>
        <Employer><Name>Acme Software srl</Name></Employer>
      </WorkExperience>
    </WorkExperienceList>
    <EducationList>
      <Education>
        <Period><From year="2009" month="--09"/><To year="2014" month="--07"/></Period>
        <Title>Laurea in Informatica</Title>
        <Organisation><Name>Università Federico II</Name></Organisation>
        <Level><Code>6</Code></Level>
      </Education>
    </EducationList>
    <Skills>
      <Linguistic>
        <MotherTongueList><MotherTongue><Description><Code>it</Code></Description></MotherTongue></MotherTongueList>
        <ForeignLanguageList>
          <ForeignLanguage>
            <Description><Code>fr</Code></Description>
            <ProficiencyLevel><Listening>C1</Listening><Reading>C1</Reading><SpokenInteraction>B2</SpokenInteraction><SpokenProduction>B2</SpokenProduction><Writing>B2</Writing></ProficiencyLevel>
          </ForeignLanguage>
        </ForeignLanguageList>
      </Linguistic>
      <Computer><Description>Python, Django, PostgreSQL</Description></Computer>
      <Driving><Description><Licence>B</Licence></Description></Driving>
    </Skills>
  </LearnerInfo>
</SkillsPassport>
""".encode()


def _pdf_string(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return escaped.encode("latin-1")


def plain_pdf(lines: list[str], *, password: str | None = None, pages: int = 1) -> bytes:
    """A PDF whose text pypdf can extract (Helvetica, WinAnsi): these lines on every page."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    content = b"BT /F1 12 Tf 72 800 Td 16 TL " + b" ".join(
        b"(" + _pdf_string(line) + b") '" for line in lines
    )
    for _ in range(pages):
        page = writer.add_blank_page(595, 842)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        stream = DecodedStreamObject()
        stream.set_data(content + b" ET")
        page[NameObject("/Contents")] = writer._add_object(stream)
    if password is not None:
        writer.encrypt(user_password=password, owner_password=password + "-owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def europass_pdf(xml: bytes) -> bytes:
    """Like the europa.eu Europass PDF: a printable CV with the XML attached as attachment.xml."""
    writer = PdfWriter(clone_from=io.BytesIO(plain_pdf(["Curriculum vitae Europass"])))
    writer.add_attachment("attachment.xml", xml)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx(paragraphs: list[str]) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>" for text in paragraphs)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", document)
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photos/holiday.txt", "not a CV")
    return out.getvalue()


def zip_bomb_docx() -> bytes:
    """A DOCX whose document.xml inflates a thousandfold: refused from the headers alone."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<a>" + b" " * 20_000_000 + b"</a>")
    return out.getvalue()


def corrupt_deflate_docx() -> bytes:
    """A DOCX whose document.xml is not a deflate stream: zlib fails before any CRC check."""
    data = bytearray(docx(["Mario Rossi"]))
    # The first occurrence is the member's local header (no extra field), its data follows.
    start = data.index(b"word/document.xml") + len(b"word/document.xml")
    data[start : start + 8] = b"\xff" * 8
    return bytes(data)


def billion_laughs() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    return (
        f'<?xml version="1.0"?><!DOCTYPE Candidate [{entities}]>'
        '<Candidate xmlns="http://www.europass.eu/1.0">&lol9;</Candidate>'
    ).encode()


def external_entity() -> bytes:
    return (
        b'<?xml version="1.0"?><!DOCTYPE Candidate [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<Candidate xmlns="http://www.europass.eu/1.0">&xxe;</Candidate>'
    )


def deeply_nested_xml(depth: int = 10_000) -> bytes:
    return (
        b'<Candidate xmlns="http://www.europass.eu/1.0">'
        + b"<a>" * depth
        + b"</a>" * depth
        + b"</Candidate>"
    )


def huge_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid PNG header declaring width by height pixels with a tiny body: a decompression bomb
    for anyone who decodes it, a few hundred bytes for us to build."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def upload(data: bytes, name: str = "cv.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)
