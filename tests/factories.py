"""Small builders for test data; each returns saved objects with sensible defaults."""

import io
import itertools
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from stdnum import luhn
from stdnum.it import iva

from accounts.models import Membership, Organisation, User
from employers.classifications import load_sector_sections
from employers.models import Employer, SectorSection, Vacancy
from rooms import agenda
from rooms.interviews import interview_start
from rooms.models import Booking, Booth, Fair, InterviewSession

_sequence = itertools.count(1)
PASSWORD = "correct-horse-battery-9"


def vat_number() -> str:
    # Seven-digit serial, then a valid provincial office code (063 is Naples), then Luhn.
    base = f"{next(_sequence):07d}063"
    return iva.validate(base + luhn.calc_check_digit(base))


def sector(code: str = "K") -> SectorSection:
    # Transactional tests flush every table, the migration's section rows included.
    if not SectorSection.objects.exists():
        load_sector_sections(SectorSection)
    return SectorSection.objects.get(
        classification=SectorSection.Classification.NACE_REV2_1_ATECO_2025, code=code
    )


def user(*, email: str | None = None, phone: str | None = None, name: str = "Test User") -> User:
    if email is None and phone is None:
        email = f"user{next(_sequence)}@example.org"
    return User.objects.create_user(email=email, phone=phone, password=PASSWORD, full_name=name)


def organisation(kind: str = Organisation.Kind.CPI, name: str | None = None) -> Organisation:
    return Organisation.objects.create(name=name or f"Org {next(_sequence)}", kind=kind)


def member(org: Organisation, role: str, **user_fields: str) -> User:
    person = user(**user_fields)
    Membership.objects.create(user=person, organisation=org, role=role)
    return person


def employer(name: str | None = None) -> Employer:
    org = organisation(Organisation.Kind.EMPLOYER, name)
    return Employer.objects.create(
        organisation=org, legal_name=org.name, vat_number=vat_number(), sector=sector()
    )


def fair(
    *, organiser: Organisation | None = None, status: str = Fair.Status.PUBLISHED, **fields: object
) -> Fair:
    now = timezone.now()
    values: dict[str, object] = {
        "title": f"Fair {next(_sequence)}",
        "region": "Campania",
        "starts_at": now + timedelta(days=1),
        "ends_at": now + timedelta(days=1, hours=6),
        **fields,
    }
    created = Fair.objects.create(organiser=organiser or organisation(), status=status, **values)
    created.sectors.set([sector()])
    return created


def live_fair() -> Fair:
    """A fair that is on now: started an hour ago, open for hours more."""
    now = timezone.now()
    return fair(
        status=Fair.Status.LIVE,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=8),
    )


def booth(*, fair_: Fair | None = None, employer_: Employer | None = None) -> Booth:
    return Booth.objects.create(fair=fair_ or fair(), employer=employer_ or employer())


def booth_call(
    recruiter: User, candidate: User, guests: list[User] | None = None
) -> InterviewSession:
    """A call started by a recruiter from a booth of their employer (at a fresh fair)."""
    employer_ = Organisation.objects.get(
        memberships__user=recruiter, kind=Organisation.Kind.EMPLOYER
    ).employer
    return interview_start(
        actor=recruiter, candidate=candidate, booth=booth(employer_=employer_), guests=guests
    )


def vacancy(owner: Employer, title: str = "Sviluppatore Python") -> Vacancy:
    return Vacancy.objects.create(
        employer=owner,
        title=title,
        description="Backend Django.",
        occupation_isco="2512",
        sector=sector(),
        place="Napoli",
        expires_on=timezone.localdate() + timedelta(days=30),
    )


def png_upload(
    size: tuple[int, int] = (64, 64), *, name: str = "logo.png", exif_gps: bool = False
) -> SimpleUploadedFile:
    image = Image.new("RGB", size, (0, 102, 204))
    out = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (40.0, 51.0, 0.0)}  # GPSInfo: Naples
        exif[0x010F] = "PhoneMaker"
        image.save(out, format="JPEG", exif=exif)
        return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
    image.save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def booking(
    candidate: User, *, employer_: Employer | None = None, hours_into_the_fair: int = 1
) -> Booking:
    """A 20-minute slot at a booth of a fair starting tomorrow, published by a recruiter of the
    employer (`booking.slot.host`) and booked by the candidate."""
    place = booth(employer_=employer_)
    host = member(place.employer.organisation, Membership.Role.RECRUITER)
    start = place.fair.starts_at + timedelta(hours=hours_into_the_fair)
    slot = agenda.slots_publish(
        actor=host,
        fair_id=place.fair_id,
        booth_id=place.pk,
        starts_at=start,
        ends_at=start + timedelta(minutes=20),
        length_minutes=20,
    )[0]
    return agenda.booking_create(actor=candidate, slot_id=slot.pk)
