"""`manage.py seed_demo`: a live ICT fair in Campania, a season fair to come, and their people.

Goes through the same services as the product (permissions, validation, audit) wherever one
exists. Runs once: when the demo fair is already there it only prints the logins again.
"""

import io
import random
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image, ImageColor, ImageDraw, ImageFont
from stdnum import luhn
from stdnum.it import iva

from accounts.models import Membership, Organisation, User
from accounts.phones import phone_to_e164
from accounts.services import candidate_register
from candidates.models import CandidateProfile
from employers.comuni import comuni_upsert
from employers.models import Comune, Employer, SectorSection, SyncRun, Vacancy
from employers.nuts import region_code
from employers.services import employer_create
from employers.vacancy_sync import vacancies_import_file
from rooms import demo_data as demo
from rooms.agenda import booking_create, slots_publish
from rooms.models import Booth, Fair
from rooms.queues import queue_join
from rooms.services import (
    booth_create,
    booth_update,
    fair_create,
    fair_publish,
    fairs_advance_status,
)

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
# Drawn at twice the stored size, then scaled down: Pillow does not anti-alias shapes.
LOGO_DRAW_SIZE = 1024

T = TypeVar("T")


@dataclass(frozen=True)
class Credential:
    role: str
    organisation: str
    login: str
    password: str


@dataclass(frozen=True)
class SeededEmployer:
    employer: Employer
    admin: User
    recruiter: User
    vacancies: list[Vacancy]
    headline: str


def employer_login(data: demo.EmployerData, role: str) -> str:
    return f"{role}@{data['slug']}.{demo.DEMO_DOMAIN}"


def vat_number(data: demo.EmployerData) -> str:
    """A partita IVA that passes the check-digit test: invented, but valid in form."""
    # The partita IVA check digit is the Luhn one; stdnum.it.iva only validates.
    number = data["vat_base"] + luhn.calc_check_digit(data["vat_base"])
    return str(iva.validate(number))


def credentials() -> list[Credential]:
    """Everyone the demo can sign in as; derived from the data alone, so reruns print the same."""
    password = demo.DEMO_PASSWORD
    rows = [
        Credential("Platform admin (/admin/)", "—", demo.SUPERUSER["email"], password),
        Credential("Fair organiser", demo.CPI_NAME, demo.ORGANISER["email"], password),
        Credential("CPI operator", demo.CPI_NAME, demo.CPI_OPERATOR["email"], password),
    ]
    for data in [*demo.ICT_EMPLOYERS, *demo.SEASON_EMPLOYERS]:
        for role, label in (("admin", "Employer admin"), ("recruiter", "Recruiter")):
            rows.append(Credential(label, data["legal_name"], employer_login(data, role), password))
    by_email, by_phone = demo.FIXED_CANDIDATES[0], demo.FIXED_CANDIDATES[1]
    rows.append(
        Credential("Candidate (email)", by_email["full_name"], str(by_email["email"]), password)
    )
    rows.append(
        Credential("Candidate (mobile)", by_phone["full_name"], str(by_phone["phone"]), password)
    )
    return rows


def load_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if FONT_PATH.exists():
        return ImageFont.truetype(str(FONT_PATH), size)
    return ImageFont.load_default(size=size)


def tint(colour: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    """Move a colour towards white by amount (0 to 1)."""
    red, green, blue = (round(c + (255 - c) * amount) for c in colour)
    return red, green, blue


def draw_logo(initials: str, colour: str) -> bytes:
    """A square PNG: the brand colour, two soft circles and the company's initials in white."""
    size = LOGO_DRAW_SIZE
    red, green, blue = ImageColor.getrgb(colour)[:3]
    base = (red, green, blue)
    image = Image.new("RGB", (size, size), base)
    draw = ImageDraw.Draw(image)
    draw.ellipse((size * 0.42, size * 0.46, size * 1.32, size * 1.36), fill=tint(base, 0.12))
    draw.ellipse((-size * 0.28, -size * 0.34, size * 0.36, size * 0.30), fill=tint(base, 0.08))
    font = load_font(round(size * 0.40))
    centre = size / 2
    draw.text((centre, centre - size * 0.03), initials, font=font, fill="white", anchor="mm")
    bar_width, bar_top = size * 0.30, size * 0.70
    draw.rounded_rectangle(
        (centre - bar_width / 2, bar_top, centre + bar_width / 2, bar_top + size * 0.035),
        radius=size * 0.0175,
        fill=tint(base, 0.65),
    )
    image = image.resize((size // 2, size // 2), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def ascii_slug(text: str) -> str:
    """'D'Angelo' -> 'dangelo', 'Nicolò' -> 'nicolo': for invented email addresses."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def weighted(rng: random.Random, options: list[tuple[T, int]]) -> T:
    values = [value for value, _weight in options]
    weights = [weight for _value, weight in options]
    return rng.choices(values, weights=weights)[0]


def generate_candidates(rng: random.Random) -> list[demo.CandidateData]:
    """Jobseekers with Italian names; the same ones every time for the same generator seed."""
    names = {c["full_name"] for c in demo.FIXED_CANDIDATES}
    emails = {c["email"] for c in demo.FIXED_CANDIDATES if c["email"]}
    phones = {c["phone"] for c in demo.FIXED_CANDIDATES if c["phone"]}
    candidates: list[demo.CandidateData] = []
    while len(candidates) < demo.GENERATED_CANDIDATES:
        first, last = rng.choice(demo.FIRST_NAMES), rng.choice(demo.LAST_NAMES)
        full_name = f"{first} {last}"
        if full_name in names:
            continue
        names.add(full_name)
        mode = weighted(rng, demo.CONTACT_MODES)
        email = None
        if mode in ("email", "both"):
            email = _unique_email(rng, ascii_slug(first), ascii_slug(last), emails)
        phone = _unique_phone(rng, phones) if mode in ("phone", "both") else None
        languages: list[demo.LanguageSkill] = [{"code": "it", "level": "native"}]
        english = weighted(rng, demo.ENGLISH_LEVELS)
        if english is not None:
            languages.append({"code": "en", "level": english})
        if rng.random() < 0.25:
            second = rng.choice(demo.SECOND_LANGUAGES)
            languages.append({"code": second, "level": rng.choice(["A2", "B1", "B2"])})
        candidates.append(
            {
                "full_name": full_name,
                "email": email,
                "phone": phone,
                "region": weighted(rng, demo.CANDIDATE_REGIONS),
                "preferred_language": "it",
                "languages": languages,
            }
        )
    return candidates


def _unique_email(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    while True:
        local = rng.choice(
            [f"{first}.{last}", f"{first}{last}{rng.randint(70, 99)}", f"{first[0]}.{last}"]
        )
        email = f"{local}@example.org"
        if email not in taken:
            taken.add(email)
            return email


def _unique_phone(rng: random.Random, taken: set[str]) -> str:
    while True:
        number = f"+39{rng.choice(demo.MOBILE_PREFIXES)}{rng.randrange(10_000_000):07d}"
        if number not in taken and phone_to_e164(number) == number:
            taken.add(number)
            return number


class Seeder:
    """Loads the demo in the order an organiser would: office, staff, employers, fairs."""

    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.today: date = timezone.localdate(now)
        self.zone = zoneinfo.ZoneInfo(demo.TIMEZONE)
        # Demo data, not secrets: a fixed seed makes every run load the same people.
        self.rng = random.Random(2026)  # noqa: S311
        self.sectors = self._sectors()
        self.comuni: dict[str, Comune] = {}

    def run(self) -> Fair:
        self._user(demo.SUPERUSER, superuser=True)
        self.comuni = self._comuni()
        cpi = Organisation.objects.create(
            name=demo.CPI_NAME, kind=Organisation.Kind.CPI, region=demo.REGION
        )
        organiser = self._staff(demo.ORGANISER, cpi, Membership.Role.ORGANISER)
        self._staff(demo.CPI_OPERATOR, cpi, Membership.Role.CPI_OPERATOR)

        ict = [self._employer(organiser, data) for data in demo.ICT_EMPLOYERS]
        season = [self._employer(organiser, data) for data in demo.SEASON_EMPLOYERS]

        start = self.now.replace(second=0, microsecond=0) - timedelta(hours=1)
        live = self._fair(
            organiser=organiser,
            cpi=cpi,
            data=demo.LIVE_FAIR,
            starts_at=start,
            ends_at=start + timedelta(hours=8),
            employers=ict,
        )

        day = (self.now + timedelta(days=21)).astimezone(self.zone).date()
        # Autumn and winter fairs recruit for the next summer.
        season_year = day.year + 1 if day.month >= 9 else day.year
        season_data: demo.FairData = {
            **demo.SEASON_FAIR,
            "title": f"{demo.SEASON_FAIR_TITLE} {season_year}",
        }
        opens = datetime(day.year, day.month, day.day, 10, tzinfo=self.zone)
        *agreed, asked = season
        upcoming = self._fair(
            organiser=organiser,
            cpi=cpi,
            data=season_data,
            starts_at=opens,
            ends_at=opens + timedelta(hours=7),
            employers=agreed,
        )
        # One employer's vacancies approved from the fair's proposals: its people see the
        # invitation in their staff area and confirm or decline.
        invited = booth_create(
            actor=organiser,
            fair=upcoming,
            employer=asked.employer,
            participation=Booth.Participation.INVITED,
        )
        booth_update(actor=organiser, booth=invited, vacancies=asked.vacancies)

        # What Celery beat does every minute: the fair that started an hour ago goes live.
        fairs_advance_status(now=self.now)
        live.refresh_from_db()
        if live.status != Fair.Status.LIVE:
            raise CommandError(f"The demo fair should be live, it is {live.status}.")

        feed = vacancies_import_file(
            actor=organiser,
            source=Vacancy.Source.EURES,
            content=demo.eures_feed(
                published=(self.today - timedelta(days=3)).isoformat(),
                closes=(self.today + timedelta(days=60)).isoformat(),
            ),
        )
        if feed.status != SyncRun.Status.SUCCEEDED:
            raise CommandError(f"The demo's EURES feed did not import: {feed.error}")

        for data in demo.FIXED_CANDIDATES:
            self._candidate(data)
        generated = [self._candidate(data) for data in generate_candidates(self.rng)]
        self._lines(live, generated)
        self._agenda(live, ict)
        return live

    def _agenda(self, fair: Fair, employers: list[SeededEmployer]) -> None:
        soon = self.now.replace(second=0, microsecond=0) + timedelta(
            minutes=demo.AGENDA_FIRST_SLOT_MINUTES
        )
        first = soon + timedelta(minutes=-soon.minute % 30)
        step = demo.AGENDA_SLOT_MINUTES + demo.AGENDA_BREAK_MINUTES
        booths = {booth.employer_id: booth for booth in fair.booths.all()}
        published = [
            slots_publish(
                actor=seeded.recruiter,
                fair_id=fair.pk,
                booth_id=booths[seeded.employer.pk].pk,
                starts_at=first,
                ends_at=first + timedelta(minutes=step * demo.AGENDA_SLOTS_PER_BOOTH),
                length_minutes=demo.AGENDA_SLOT_MINUTES,
                buffer_minutes=demo.AGENDA_BREAK_MINUTES,
                now=self.now,
            )
            for seeded in employers[: demo.AGENDA_BOOTHS]
        ]
        booking_create(
            actor=User.objects.get(email=demo.AGENDA_BOOKED_BY),
            slot_id=published[0][0].pk,
            now=self.now,
        )

    def _lines(self, fair: Fair, candidates: list[User]) -> None:
        """People already waiting at the live fair's booths (the demo logins are left free to
        join themselves), so consoles, positions and wait ranges have something to show."""
        waiting = iter(candidates)
        for booth, length in zip(fair.booths.order_by("pk"), demo.QUEUE_LENGTHS, strict=True):
            vacancies = list(booth.vacancies.all())
            for place in range(length):
                person = next(waiting)
                queue_join(
                    actor=person,
                    booth_id=booth.pk,
                    vacancy_id=vacancies[place % len(vacancies)].pk if vacancies else None,
                    note=demo.QUEUE_NOTES[place % len(demo.QUEUE_NOTES)],
                    now=self.now,
                )

    def _sectors(self) -> dict[str, SectorSection]:
        sectors = {
            s.code: s for s in SectorSection.objects.filter(classification=demo.CLASSIFICATION)
        }
        if not sectors:
            raise CommandError(f"No {demo.CLASSIFICATION} sectors: run `manage.py migrate` first.")
        return sectors

    def _user(self, person: demo.PersonData, *, superuser: bool = False) -> User:
        if superuser:
            return User.objects.create_superuser(
                email=person["email"], password=demo.DEMO_PASSWORD, full_name=person["full_name"]
            )
        return User.objects.create_user(
            email=person["email"], password=demo.DEMO_PASSWORD, full_name=person["full_name"]
        )

    def _staff(self, person: demo.PersonData, organisation: Organisation, role: str) -> User:
        # staff_account_create would give them a random password; the demo needs a known one.
        user = self._user(person)
        membership = Membership(user=user, organisation=organisation, role=role)
        membership.full_clean()
        membership.save()
        return user

    def _employer(self, organiser: User, data: demo.EmployerData) -> SeededEmployer:
        logo = SimpleUploadedFile(
            f"{data['slug']}.png",
            draw_logo(data["initials"], data["colour"]),
            content_type="image/png",
        )
        vat = vat_number(data)
        employer = employer_create(
            actor=organiser,
            legal_name=data["legal_name"],
            vat_number=vat,
            fiscal_code=vat,  # a company's codice fiscale is usually its partita IVA
            sector=self.sectors[data["sector"]],
            description=data["description"],
            website=f"https://{data['slug']}.example.org/",
            region=demo.REGION,
            logo=logo,
        )
        organisation = employer.organisation
        admin = self._staff(
            {"full_name": data["admin_name"], "email": employer_login(data, "admin")},
            organisation,
            Membership.Role.EMPLOYER_ADMIN,
        )
        recruiter = self._staff(
            {"full_name": data["recruiter_name"], "email": employer_login(data, "recruiter")},
            organisation,
            Membership.Role.RECRUITER,
        )
        vacancies = [self._vacancy(employer, data, v) for v in data["vacancies"]]
        return SeededEmployer(employer, admin, recruiter, vacancies, data["headline"])

    def _comuni(self) -> dict[str, Comune]:
        """The few comuni the demo's vacancies are in, so they have a province (NUTS 3)."""
        comuni_upsert(
            [
                {
                    "istat_code": istat,
                    "belfiore_code": belfiore,
                    "name": name,
                    "name_other": "",
                    "province_code": "",
                    "province_name": province,
                    "province_abbreviation": abbreviation,
                    "region_code": "15",
                    "region_name": demo.REGION,
                    "nuts3": nuts3,
                }
                for istat, belfiore, name, province, abbreviation, nuts3 in demo.COMUNI
            ]
        )
        return {comune.name: comune for comune in Comune.objects.all()}

    def _vacancy(
        self, employer: Employer, employer_data: demo.EmployerData, data: demo.VacancyData
    ) -> Vacancy:
        # There is no vacancy service yet (the vacancy import issue brings one).
        number = data.get("cpi_number")
        comune = self.comuni[data["place"]]
        vacancy = Vacancy(
            employer=employer,
            title=data["title"],
            description=data["description"],
            positions=self.rng.randint(1, 5),
            occupation_isco=data["isco"],
            sector=employer.sector,
            place=data["place"],
            comune_istat=comune.istat_code,
            comune_belfiore=comune.belfiore_code,
            nuts3=comune.nuts3,
            expires_on=self.today + timedelta(days=self.rng.randint(50, 70)),
            source=Vacancy.Source.MANUAL if number is None else Vacancy.Source.CPI,
            source_ref=""
            if number is None
            else f"CPI-{employer_data['province']}-{self.today.year}-{number:05d}",
        )
        vacancy.full_clean()
        vacancy.save()
        return vacancy

    def _fair(
        self,
        *,
        organiser: User,
        cpi: Organisation,
        data: demo.FairData,
        starts_at: datetime,
        ends_at: datetime,
        employers: list[SeededEmployer],
    ) -> Fair:
        fair = fair_create(
            actor=organiser,
            organiser=cpi,
            title=data["title"],
            description=data["description"],
            region=demo.REGION,
            starts_at=starts_at,
            ends_at=ends_at,
            sectors=[self.sectors[code] for code in data["sectors"]],
            timezone_name=demo.TIMEZONE,
            languages=data["languages"],
        )
        for seeded in employers:
            booth = booth_create(actor=organiser, fair=fair, employer=seeded.employer)
            # The employer's own admin dresses the booth, as they would in the staff area.
            booth_update(
                actor=seeded.admin,
                booth=booth,
                headline=seeded.headline,
                opens_at=None,
                closes_at=None,
                vacancies=seeded.vacancies,
                staff=[seeded.admin, seeded.recruiter],
            )
        return fair_publish(actor=organiser, fair=fair)

    def _candidate(self, data: demo.CandidateData) -> User:
        user = candidate_register(
            full_name=data["full_name"],
            password=demo.DEMO_PASSWORD,
            email=data["email"],
            phone=data["phone"],
            preferred_language=data["preferred_language"],
            share_with_employers=self.rng.random() < 0.85,
        )
        profile: CandidateProfile = user.candidate_profile
        profile.region = data["region"]
        profile.nuts = region_code(data["region"])
        profile.languages = [dict(skill) for skill in data["languages"]]
        profile.full_clean()
        profile.save(update_fields=["region", "nuts", "languages", "updated_at"])
        return user


# Beyond any date the demo holds: the first pass moves every row there, so no row lands on
# another's date in a unique constraint (fair series dates) while they move.
FAR_AHEAD = timedelta(days=365 * 100)


@transaction.atomic
def demo_bring_forward(live_fair: Fair, *, now: datetime) -> timedelta:
    """An old demo database made current: every time of every table moves by the same amount,
    so the live fair started an hour ago again (as when the demo was loaded) and all else keeps
    its place around it: slots, bookings, reminders, series, vacancies. Dates move by the same
    number of whole days. Fairs then take the status their times give them."""
    shift = now.replace(second=0, microsecond=0) - timedelta(hours=1) - live_fair.starts_at
    whole_days = timedelta(days=round(shift / timedelta(days=1)))
    for model in apps.get_models():
        moves: dict[str, timedelta] = {}
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateTimeField):
                moves[field.name] = shift
            elif isinstance(field, models.DateField):
                moves[field.name] = whole_days
        if not moves:
            continue
        manager = model._base_manager
        manager.update(**{name: F(name) + FAR_AHEAD + step for name, step in moves.items()})
        manager.update(**{name: F(name) - FAR_AHEAD for name in moves})
    for fair in Fair.objects.exclude(status=Fair.Status.DRAFT):
        fair.status = (
            Fair.Status.PUBLISHED
            if fair.starts_at > now
            else Fair.Status.LIVE
            if fair.ends_at > now
            else Fair.Status.CLOSED
        )
        fair.save(update_fields=["status"])
    return shift


class Command(BaseCommand):
    help = "Load the demo: a live ICT fair in Campania, a season fair, employers and candidates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load the demo even with DEBUG off (it creates a superuser with a known password).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "The demo creates accounts with a published password: it loads only with "
                "DEBUG on (make run) or with --allow-production."
            )
        fair = Fair.objects.filter(title=demo.LIVE_FAIR["title"]).first()
        now = timezone.now()
        if fair is not None and fair.ends_at <= now:
            moved = demo_bring_forward(fair, now=now)
            self.stdout.write(f"The demo had ended: every date moved {moved.days} days on.")
            fair.refresh_from_db()
        if fair is not None:
            self.stdout.write(
                f"The demo is already loaded ({fair.title}, {fair.get_status_display()})."
            )
        else:
            logins = [row.login for row in credentials()]
            if User.objects.filter(email__in=logins).exists():
                raise CommandError(
                    "Some demo accounts exist but the demo fair does not: the demo was partly "
                    "deleted. Start from an empty database (delete var/fairplatform.sqlite3 "
                    "and run migrate) to load it again."
                )
            with transaction.atomic():
                fair = Seeder(now=timezone.now()).run()
            self._summary(fair)
        self._print_credentials(fair)

    def _summary(self, fair: Fair) -> None:
        counts = {
            "employers": Employer.objects.count(),
            "vacancies": Vacancy.objects.count(),
            "fairs": Fair.objects.count(),
            "booths at the live fair": fair.booths.count(),
            "candidates": CandidateProfile.objects.count(),
        }
        loaded = ", ".join(f"{count} {what}" for what, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {loaded}."))

    def _print_credentials(self, fair: Fair) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            fairs = Fair.objects.filter(organiser=fair.organiser).order_by("starts_at")
            self.stdout.write(f"Fairs organised by {fair.organiser}:")
            for each in fairs:
                local = each.local_start()
                path = reverse("frontend:fair", args=[each.pk])
                self.stdout.write(
                    f"  {each.title} [{each.status}] {local:%Y-%m-%d %H:%M} {each.timezone}: {path}"
                )
            login_path = reverse("accounts:login")
        rows = credentials()
        header = Credential("Role", "Organisation or name", "Login", "Password")
        widths = [
            max(len(getattr(row, field)) for row in [header, *rows])
            for field in ("role", "organisation", "login", "password")
        ]

        def line(row: Credential) -> str:
            cells = (row.role, row.organisation, row.login, row.password)
            return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Demo logins (sign in at {login_path})"))
        self.stdout.write(line(header).rstrip())
        self.stdout.write("  ".join("-" * width for width in widths))
        for row in rows:
            self.stdout.write(line(row).rstrip())
