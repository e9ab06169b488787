from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from employers.rejection_texts import describe
from employers.validators import validate_codice_fiscale, validate_partita_iva, validate_skills
from fairplatform.models import BaseModel


class SectorSection(models.Model):
    """A section of NACE / ATECO; both classification versions coexist in CPI data for years."""

    class Classification(models.TextChoices):
        NACE_REV2_ATECO_2007 = "NACE_REV2_ATECO_2007", _("NACE Rev. 2 / ATECO 2007")
        NACE_REV2_1_ATECO_2025 = "NACE_REV2_1_ATECO_2025", _("NACE Rev. 2.1 / ATECO 2025")

    classification = models.CharField(
        _("classification"), max_length=32, choices=Classification.choices
    )
    code = models.CharField(_("section"), max_length=1)
    division_from = models.PositiveSmallIntegerField()
    division_to = models.PositiveSmallIntegerField()
    label_en = models.CharField(max_length=200)
    label_it = models.CharField(max_length=250)

    class Meta:
        verbose_name = _("sector (NACE/ATECO section)")
        verbose_name_plural = _("sectors (NACE/ATECO sections)")
        ordering = ["classification", "code"]
        constraints = [
            models.UniqueConstraint(fields=["classification", "code"], name="sector_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.label}"

    @property
    def label(self) -> str:
        return self.label_it if (get_language() or "it").startswith("it") else self.label_en


class Comune(models.Model):
    """An Italian comune as ISTAT lists it ("Elenco comuni italiani", loaded with
    `manage.py load_comuni`): the reference that turns the ISTAT or cadastral code of an imported
    vacancy into its place name and NUTS 3 region."""

    istat_code = models.CharField(_("ISTAT code"), max_length=6, unique=True)
    belfiore_code = models.CharField(_("cadastral (Belfiore) code"), max_length=4, db_index=True)
    name = models.CharField(_("name in Italian"), max_length=120)
    # German, French or Slovene where the comune is officially bilingual (Bolzano/Bozen).
    name_other = models.CharField(_("name in the other language"), max_length=120, blank=True)
    province_code = models.CharField(_("province code"), max_length=3, blank=True)
    province_name = models.CharField(_("province"), max_length=120, blank=True)
    province_abbreviation = models.CharField(_("province abbreviation"), max_length=2)
    region_code = models.CharField(_("region code"), max_length=2, blank=True)
    region_name = models.CharField(_("region"), max_length=60)
    nuts3 = models.CharField(_("NUTS 3 region (NUTS 2021)"), max_length=5)
    # False once a loaded file no longer lists the comune (merged or renamed): vacancies that
    # still name it keep their place, but it is no longer offered.
    current = models.BooleanField(_("in the latest list"), default=True)

    class Meta:
        verbose_name = _("comune")
        verbose_name_plural = _("comuni")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.province_abbreviation})"

    @property
    def full_name(self) -> str:
        """The official name: both languages where the comune has two ("Bolzano/Bozen")."""
        return f"{self.name}/{self.name_other}" if self.name_other else self.name


class Employer(BaseModel):
    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="employer",
        limit_choices_to={"kind": Organisation.Kind.EMPLOYER},
    )
    legal_name = models.CharField(_("legal name"), max_length=200)
    vat_number = models.CharField(
        _("VAT number (partita IVA)"), max_length=11, unique=True, validators=[validate_partita_iva]
    )
    fiscal_code = models.CharField(
        _("codice fiscale"), max_length=16, blank=True, validators=[validate_codice_fiscale]
    )
    sector = models.ForeignKey(
        SectorSection, on_delete=models.PROTECT, verbose_name=_("sector"), related_name="+"
    )
    description = models.TextField(_("about the company"), blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name


class Vacancy(BaseModel):
    """A vacancy shaped like EURES HR-Open PositionOpening, with Italian codes first.

    Imported ones are keyed by (source, source_ref) and carry the source's row version, a hash of
    the normalised content (a replay with the same hash changes nothing) and the raw payload.
    """

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered on the platform")
        CPI = "cpi", _("CPI vacancy database")
        CLICLAVORO = "cliclavoro", _("ClicLavoro file")
        EURES = "eures", _("EURES file")

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class ContractType(models.TextChoices):
        PERMANENT = "permanent", _("Permanent")
        FIXED_TERM = "fixed_term", _("Fixed term")
        APPRENTICESHIP = "apprenticeship", _("Apprenticeship")
        TEMPORARY_AGENCY = "temporary_agency", _("Temporary agency work")
        INTERNSHIP = "internship", _("Internship")
        SEASONAL = "seasonal", _("Seasonal")

    class WorkingTime(models.TextChoices):
        FULL = "full", _("Full time")
        PART = "part", _("Part time")
        FLEX = "flex", _("Flexible hours")

    # Null for imported vacancies whose employer has no account on the platform (yet).
    employer = models.ForeignKey(
        Employer, on_delete=models.CASCADE, related_name="vacancies", null=True, blank=True
    )
    employer_name = models.CharField(_("employer name"), max_length=200, blank=True)
    employer_tax_code = models.CharField(_("employer tax code"), max_length=16, blank=True)
    employer_visible = models.BooleanField(_("employer shown to candidates"), default=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PUBLISHED
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    positions = models.PositiveSmallIntegerField(_("open positions"), default=1)
    occupation_isco = models.CharField(
        _("occupation (ISCO-08)"),
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{4}$", _("Four digits, e.g. 2512."))],
        help_text=_("Four-digit ISCO-08 unit group."),
    )
    occupation_cp2011 = models.CharField(_("occupation (ISTAT CP2011)"), max_length=20, blank=True)
    occupation_esco_uri = models.URLField(_("occupation (ESCO)"), max_length=200, blank=True)
    sector = models.ForeignKey(
        SectorSection, on_delete=models.PROTECT, verbose_name=_("sector"), related_name="+"
    )
    sector_ateco = models.CharField(_("ATECO code"), max_length=8, blank=True)
    sector_nace = models.CharField(_("NACE code"), max_length=5, blank=True)
    place = models.CharField(_("place of work"), max_length=120, blank=True)
    comune_istat = models.CharField(_("ISTAT comune code"), max_length=6, blank=True)
    comune_belfiore = models.CharField(_("cadastral (Belfiore) code"), max_length=4, blank=True)
    nuts3 = models.CharField(_("NUTS 3 region"), max_length=5, blank=True)
    contract_type = models.CharField(
        _("contract type"), max_length=16, choices=ContractType.choices, blank=True
    )
    working_time = models.CharField(
        _("working time"), max_length=4, choices=WorkingTime.choices, blank=True
    )
    education_eqf = models.PositiveSmallIntegerField(
        _("education (EQF level)"), null=True, blank=True
    )
    # [{"iso639_1": "en", "read": "B1", "write": "A2", "speak": "B1"}]: CEFR per skill.
    languages = models.JSONField(_("languages"), default=list, blank=True)
    # EU driving-licence categories (Directive 2006/126/EC), e.g. ["B", "CE"].
    licences = models.JSONField(_("driving licences"), default=list, blank=True)
    # [{"uri": "http://data.europa.eu/esco/skill/…", "label": "use Python"}]: an ESCO skill, a
    # name, or both; only those with a URI count in the match score. A list on the row, like
    # languages and licences: the sync writes vacancies with one COPY of one table and the match
    # reads one row per vacancy; no page looks vacancies up by skill.
    skills = models.JSONField(_("skills"), default=list, blank=True, validators=[validate_skills])
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("date", "closed"), null=True, blank=True)
    cpi_code = models.CharField(_("CPI office"), max_length=20, blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.MANUAL
    )
    source_ref = models.CharField(_("reference at the source"), max_length=120, blank=True)
    source_version = models.BigIntegerField(_("version at the source"), null=True, blank=True)
    source_updated_at = models.DateTimeField(_("changed at the source"), null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    # As the source sent it; dates and times are written by DjangoJSONEncoder.
    raw_payload = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    # Other identifiers of the same vacancy, e.g. {"clic_codiceofferta": "…"}.
    external_ids = models.JSONField(default=dict, blank=True)
    # The classification version behind each code, e.g. {"sector_ateco": "ATECO 2007"}: the same
    # code can mean different things in two versions.
    code_versions = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("vacancy")
        verbose_name_plural = _("vacancies")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"],
                condition=~Q(source_ref=""),
                name="vacancy_unique_source_ref",
            ),
            models.CheckConstraint(
                condition=Q(occupation_isco="") | Q(occupation_isco__regex=r"^[0-9]{4}$"),
                name="vacancy_isco_four_digits",
            ),
            models.CheckConstraint(
                condition=Q(education_eqf__isnull=True) | Q(education_eqf__range=(1, 8)),
                name="vacancy_eqf_level",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_employer_name(self) -> str:
        if not self.employer_visible:
            return ""
        return self.employer.legal_name if self.employer else self.employer_name


class SyncCursor(models.Model):
    """How far a source has been read; moved in the same transaction as the rows it covers."""

    source = models.CharField(max_length=16, choices=Vacancy.Source.choices, unique=True)
    watermark_at = models.DateTimeField(null=True)
    # The source's reference as read, whatever its length: a rejected, too long one can end a
    # page.
    watermark_ref = models.TextField(blank=True)
    deleted_watermark_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.source} @ {self.watermark_at}"


class SyncRun(models.Model):
    """One import run: what it did, how far it got, and why it stopped if it failed."""

    class Mode(models.TextChoices):
        INCREMENTAL = "incremental", _("Incremental")
        FULL = "full", _("Full reconciliation")
        FILE = "file", _("File")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        # Its process stopped (killed, a worker lost) without finishing: see progress_at.
        INTERRUPTED = "interrupted", _("Interrupted")

    source = models.CharField(_("source"), max_length=16, choices=Vacancy.Source.choices)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RUNNING
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    # Moved by every committed batch: a running run without progress for long has lost its
    # process (killed, a worker gone), and the next run marks it interrupted.
    progress_at = models.DateTimeField(_("last progress"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    watermark_from = models.DateTimeField(_("read from"), null=True, blank=True)
    watermark_to = models.DateTimeField(_("read up to"), null=True, blank=True)
    read = models.PositiveIntegerField(_("records read"), default=0)
    created = models.PositiveIntegerField(pgettext_lazy("vacancies counted", "created"), default=0)
    updated = models.PositiveIntegerField(pgettext_lazy("vacancies counted", "updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    closed = models.PositiveIntegerField(pgettext_lazy("vacancies counted", "closed"), default=0)
    expired = models.PositiveIntegerField(_("expired"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("vacancy sync run")
        verbose_name_plural = _("vacancy sync runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.source} {self.mode} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> timedelta | None:
        return None if self.finished_at is None else self.finished_at - self.started_at


class SyncRejection(models.Model):
    """A record a run refused, with the reason, so the source can fix it."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="rejections")
    source_ref = models.CharField(_("reference at the source"), max_length=120, blank=True)
    # The first problem's reason, for grouping; `problems` holds them all as codes and values.
    reason = models.CharField(_("reason"), max_length=40)
    problems = models.JSONField(_("problems"), default=list)
    payload = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("rejected record")
        verbose_name_plural = _("rejected records")
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return f"{self.source_ref}: {self.reason}"

    @property
    def message(self) -> str:
        """What is wrong, in the active language."""
        return describe(self.problems)
