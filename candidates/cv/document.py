"""One structured shape for every CV we read, whatever the file it came from.

Dates stay as the candidate wrote them ("2019", "2019-03", "2019-03-15"): checks.py parses them,
so an impossible date becomes a report line the candidate can fix rather than a lost value.
"""

from enum import StrEnum

from pydantic import BaseModel, Field


class Flavour(StrEnum):
    EUROPASS_CANDIDATE = "europass_candidate"
    SKILLS_PASSPORT = "skills_passport"
    UNSTRUCTURED = "unstructured"


class Period(BaseModel):
    start: str = ""
    end: str = ""
    ongoing: bool = False


class WorkExperience(BaseModel):
    position: str = ""
    employer: str = ""
    city: str = ""
    country: str = ""
    period: Period = Field(default_factory=Period)
    description: str = ""
    # ISCO-08 unit group (four digits) when the file codes the occupation; the match score's
    # occupation criterion reads it.
    occupation_isco: str = ""


class Education(BaseModel):
    title: str = ""
    organisation: str = ""
    eqf_level: str = ""
    period: Period = Field(default_factory=Period)


class LanguageSkill(BaseModel):
    """A foreign language; each CEFR dimension as written ("" when not given)."""

    code: str
    listening: str = ""
    reading: str = ""
    spoken_interaction: str = ""
    spoken_production: str = ""
    writing: str = ""

    def levels(self) -> dict[str, str]:
        return self.model_dump(exclude={"code"})


class StructuredCV(BaseModel):
    flavour: Flavour
    first_name: str = ""
    surname: str = ""
    birth_date: str = ""
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    city: str = ""
    country: str = ""
    fiscal_codes: list[str] = Field(default_factory=list)
    desired_occupation: str = ""
    work: list[WorkExperience] = Field(default_factory=list)
    education: list[Education] = Field(default_factory=list)
    mother_tongues: list[str] = Field(default_factory=list)
    foreign_languages: list[LanguageSkill] = Field(default_factory=list)
    digital_skills: list[str] = Field(default_factory=list)
    # ESCO skill URIs (Europass2 competencies coded with ESCO); the match score's skills.
    esco_skills: list[str] = Field(default_factory=list)
    driving_licences: list[str] = Field(default_factory=list)


class ParsedCV(BaseModel):
    """What the parsers hand back: the structure, the text for search, and which kind it was."""

    kind: str
    cv: StructuredCV
    text: str
