from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from accounts.permissions import Perm, require
from employers.models import Employer, SectorSection, SyncRun, Vacancy
from fairplatform.audit import audit_record
from fairplatform.errors import unique_or
from fairplatform.images import process_image


@transaction.atomic
def employer_create(
    *,
    actor: User,
    legal_name: str,
    vat_number: str,
    sector: SectorSection,
    fiscal_code: str = "",
    description: str = "",
    website: str = "",
    region: str = "",
    logo: UploadedFile | None = None,
) -> Employer:
    """An employer organisation and its profile, created together or not at all, joined by
    the imported vacancies that name its VAT number or fiscal code."""
    require(actor, Perm.EMPLOYER_CREATE)
    organisation = Organisation.objects.create(
        name=legal_name, kind=Organisation.Kind.EMPLOYER, region=region
    )
    employer = Employer(
        organisation=organisation,
        legal_name=legal_name,
        vat_number=vat_number,
        fiscal_code=fiscal_code,
        sector=sector,
        description=description,
        website=website,
    )
    employer.full_clean()
    if logo is not None:
        _attach_logo(employer, logo)
    with unique_or(ValidationError({"vat_number": _("An employer with this VAT number exists.")})):
        employer.save()
    # Vacancies imported before the employer had an account know it by its tax code only.
    codes = [code for code in (employer.vat_number, employer.fiscal_code) if code]
    linked = (
        Vacancy.objects.filter(employer=None, employer_tax_code__in=codes)
        .exclude(source=Vacancy.Source.MANUAL)
        .update(employer=employer, updated_at=timezone.now())
    )
    audit_record(
        actor=actor, action="employers.employer.created", obj=employer, vacancies_linked=linked
    )
    return employer


@transaction.atomic
def employer_set_logo(*, actor: User, employer: Employer, logo: UploadedFile) -> Employer:
    require(actor, Perm.EMPLOYER_EDIT, employer)
    _attach_logo(employer, logo)
    employer.save(update_fields=["logo", "updated_at"])
    audit_record(actor=actor, action="employers.employer.logo_changed", obj=employer)
    return employer


def _attach_logo(employer: Employer, upload: UploadedFile) -> None:
    try:
        picture = process_image(upload, fit_within=settings.LOGO_SIZE)
    except ValidationError as exc:
        raise ValidationError({"logo": exc.messages}) from exc
    employer.logo.save(f"{employer.vat_number}.png", picture.content, save=False)


@transaction.atomic
def vacancy_set_skills(*, actor: User, vacancy: Vacancy, skills: list[dict[str, str]]) -> Vacancy:
    """The skills a vacancy asks for, as a recruiter or the CPI states them. An imported
    vacancy keeps them until its source sends a version that lists skills of its own."""
    require(actor, Perm.VACANCY_EDIT, vacancy)
    vacancy = Vacancy.objects.select_for_update().get(pk=vacancy.pk)
    cleaned = [
        {"uri": skill.get("uri", "").strip(), "label": " ".join(skill.get("label", "").split())}
        for skill in skills
    ]
    try:  # this field only: an imported vacancy may lack what a hand-made one must have
        vacancy.skills = Vacancy._meta.get_field("skills").clean(cleaned, vacancy)
    except ValidationError as exc:
        raise ValidationError({"skills": exc.error_list}) from exc
    vacancy.save(update_fields=["skills", "updated_at"])
    audit_record(actor=actor, action="employers.vacancy.skills_set", obj=vacancy, count=len(skills))
    return vacancy


def sync_runs_purge(*, now: datetime | None = None) -> int:
    """Forget finished import runs, and their rejections, older than VACANCY_SYNC_KEEP_DAYS:
    a row the CPI never fixes is rejected again by every full run, and one without a readable
    change time by every run, every 15 minutes."""
    now = now or timezone.now()
    old = SyncRun.objects.filter(
        started_at__lt=now - timedelta(days=settings.VACANCY_SYNC_KEEP_DAYS)
    ).exclude(status=SyncRun.Status.RUNNING)
    _deleted, by_model = old.delete()
    return by_model.get(SyncRun._meta.label, 0)


def vacancies_expire(*, source: str | None = None) -> int:
    """Expiry is local: past its last day (Europe/Rome) a vacancy expires, whatever the source says."""
    now = timezone.now()
    expiring = Vacancy.objects.filter(
        status=Vacancy.Status.PUBLISHED, expires_on__lt=timezone.localdate(now)
    )
    if source is not None:
        expiring = expiring.filter(source=source)
    return expiring.update(status=Vacancy.Status.EXPIRED, closed_at=now, updated_at=now)
