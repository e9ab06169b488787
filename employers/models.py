from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from employers.validators import validate_codice_fiscale, validate_partita_iva
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
    """A first cut; the canonical HR-Open-shaped model and its import come with the vacancy issue."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered on the platform")
        CPI = "cpi", _("CPI vacancy database")
        CLICLAVORO = "cliclavoro", _("ClicLavoro file")
        EURES = "eures", _("EURES file")

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="vacancies")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    positions = models.PositiveSmallIntegerField(_("open positions"), default=1)
    occupation_isco = models.CharField(
        _("occupation (ISCO-08)"),
        max_length=4,
        validators=[RegexValidator(r"^[0-9]{4}$", _("Four digits, e.g. 2512."))],
        help_text=_("Four-digit ISCO-08 unit group."),
    )
    sector = models.ForeignKey(
        SectorSection, on_delete=models.PROTECT, verbose_name=_("sector"), related_name="+"
    )
    place = models.CharField(_("place of work"), max_length=120)
    expires_on = models.DateField(_("expires on"))
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.MANUAL
    )
    source_ref = models.CharField(_("reference at the source"), max_length=120, blank=True)

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
                condition=Q(occupation_isco__regex=r"^[0-9]{4}$"), name="vacancy_isco_four_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.title
