"""Staff-area forms. They validate shape; services validate rules and write."""

import zoneinfo
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.backends import user_by_identifier
from accounts.models import Organisation, User
from employers.connectors.files import file_too_large
from employers.models import Employer, SectorSection, Vacancy
from fairplatform.ids import ID_MAX
from rooms.models import (
    FAIR_LANGUAGES,
    MAX_CALL_GRACE_SECONDS,
    MIN_CALL_GRACE_SECONDS,
    Booth,
    Fair,
    Slot,
    validate_codes,
)

COMMON_ZONES = [
    "Europe/Rome",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Lisbon",
    "Europe/Athens",
    "Europe/Bucharest",
    "Europe/Dublin",
]


class StyledForm(forms.Form):
    """Adds Bootstrap Italia classes to every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


# The browser's own pickers read and write ISO values only, whatever the page's language: a
# value in the locale's format ("01/12/2026") shows as an empty field, and saving an unchanged
# form then fails as if it were blank.
class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class DayInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class ClockInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


def codes_from_text(text: str) -> list[str]:
    """ "ITF3, itf33; 25" → ["ITF3", "ITF33", "25"]."""
    return [code.strip().upper() for code in text.replace(";", ",").split(",") if code.strip()]


def nuts_codes_field() -> forms.CharField:
    """A fair's or a series' regions, as the organiser types them (codes_from_text)."""
    return forms.CharField(
        label=_("Regions (NUTS codes)"),
        required=False,
        help_text=_(
            "Separated by commas, e.g. ITF3 (Campania) or ITF33 (Napoli). Empty: the region above."
        ),
    )


def occupation_codes_field() -> forms.CharField:
    return forms.CharField(
        label=_("Occupations (ISCO-08 codes)"),
        required=False,
        help_text=_(
            "Optional, separated by commas: 25 (ICT professionals), 2512 (software developers)."
        ),
    )


class FairForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    organiser = forms.ModelChoiceField(
        label=_("Organised by"), queryset=Organisation.objects.none()
    )
    sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors"),
        queryset=SectorSection.objects.filter(
            classification=SectorSection.Classification.NACE_REV2_1_ATECO_2025
        ),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("NACE Rev. 2.1 / ATECO 2025 sections."),
    )
    region = forms.CharField(label=_("Region"), max_length=80)
    timezone_name = forms.ChoiceField(
        label=_("Time zone"), choices=[(zone, zone) for zone in COMMON_ZONES]
    )
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LocalDateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends"), widget=LocalDateTimeInput())
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=FAIR_LANGUAGES, widget=forms.CheckboxSelectMultiple
    )
    nuts_text = nuts_codes_field()
    occupations_text = occupation_codes_field()
    queue_positions_visible = forms.BooleanField(
        label=_("Show candidates their place in line"),
        required=False,
        initial=True,
        help_text=_("When off, candidates in a booth's line see only how long they may wait."),
    )

    def __init__(self, *args: Any, organisers: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = organisers  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        zone_name = cleaned.get("timezone_name")
        if zone_name:
            # The times were typed in the fair's zone, whatever zone the browser is in.
            zone = zoneinfo.ZoneInfo(zone_name)
            for name in ("starts_at", "ends_at"):
                if cleaned.get(name):
                    cleaned[name] = _in_zone(cleaned[name], zone)
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The fair must end after it starts."))
        for text, name in (("nuts_text", "nuts_codes"), ("occupations_text", "occupation_filter")):
            cleaned[name] = codes_from_text(cleaned.get(text, ""))
            try:
                validate_codes(cleaned[name])
            except ValidationError as exc:
                self.add_error(text, exc)
        return cleaned

    @classmethod
    def initial_for(cls, fair: Fair) -> dict[str, Any]:
        return {
            "title": fair.title,
            "description": fair.description,
            "organiser": fair.organiser_id,
            "sectors": list(fair.sectors.all()),
            "region": fair.region,
            "timezone_name": fair.timezone,
            "starts_at": fair.local_start().replace(tzinfo=None),
            "ends_at": fair.local_end().replace(tzinfo=None),
            "languages": fair.languages,
            "nuts_text": ", ".join(fair.nuts_codes),
            "occupations_text": ", ".join(fair.occupation_filter),
            "queue_positions_visible": fair.queue_positions_visible,
        }


def _in_zone(moment: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    naive = timezone.make_naive(moment) if timezone.is_aware(moment) else moment
    return naive.replace(tzinfo=zone)


class EmployerForm(StyledForm):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    vat_number = forms.CharField(
        label=_("VAT number (partita IVA)"),
        max_length=13,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    fiscal_code = forms.CharField(label=_("Codice fiscale"), max_length=16, required=False)
    sector = forms.ModelChoiceField(
        label=_("Sector"),
        queryset=SectorSection.objects.filter(
            classification=SectorSection.Classification.NACE_REV2_1_ATECO_2025
        ),
    )
    region = forms.CharField(label=_("Region"), max_length=80, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("About the company"), widget=forms.Textarea, required=False
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    def clean_vat_number(self) -> str:
        return str(self.cleaned_data["vat_number"]).upper().removeprefix("IT").replace(" ", "")

    def clean_fiscal_code(self) -> str:
        return str(self.cleaned_data["fiscal_code"]).upper().replace(" ", "")


class BoothCreateForm(StyledForm):
    employer = forms.ModelChoiceField(label=_("Employer"), queryset=Employer.objects.none())
    headline = forms.CharField(label=_("Headline"), max_length=160, required=False)

    def __init__(self, *args: Any, fair: Fair, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = Employer.objects.exclude(booths__fair=fair)  # type: ignore[attr-defined]


class BoothEditForm(StyledForm):
    headline = forms.CharField(label=_("Headline"), max_length=160, required=False)
    opens_at = forms.DateTimeField(label=_("Opens"), widget=LocalDateTimeInput(), required=False)
    closes_at = forms.DateTimeField(label=_("Closes"), widget=LocalDateTimeInput(), required=False)
    call_grace_seconds = forms.IntegerField(
        label=_("Seconds a called candidate has to answer"),
        min_value=MIN_CALL_GRACE_SECONDS,
        max_value=MAX_CALL_GRACE_SECONDS,
        help_text=_(
            "After that the call lapses: the first time the candidate moves back a few places, the second time they leave the line."
        ),
    )
    vacancies = forms.ModelMultipleChoiceField(
        label=_("Vacancies shown"),
        queryset=Vacancy.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    staff = forms.ModelMultipleChoiceField(
        label=_("Staff"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, booth: Booth, **kwargs: Any) -> None:
        zone = booth.fair.zone
        kwargs["initial"] = {
            "headline": booth.headline,
            # Shown and typed in the fair's zone, like the fair's own dates.
            "opens_at": booth.opens_at and booth.opens_at.astimezone(zone).replace(tzinfo=None),
            "closes_at": booth.closes_at and booth.closes_at.astimezone(zone).replace(tzinfo=None),
            "call_grace_seconds": booth.call_grace_seconds,
            "vacancies": list(booth.vacancies.all()),
            "staff": list(booth.staff.all()),
        }
        super().__init__(*args, **kwargs)
        self.zone = zone
        employer = booth.employer
        self.fields["vacancies"].queryset = employer.vacancies.all()  # type: ignore[attr-defined]
        self.fields["staff"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__organisation_id=employer.organisation_id
        ).distinct()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("opens_at", "closes_at"):
            if cleaned.get(name):
                cleaned[name] = _in_zone(cleaned[name], self.zone)
        return cleaned


class InterviewStartForm(StyledForm):
    candidate = forms.CharField(
        label=_("Candidate's email or mobile number"),
        help_text=_("The candidate must already have an account."),
    )
    guest = forms.CharField(
        label=_("Third participant's email or mobile number"),
        required=False,
        help_text=_("For example a EURES adviser, an interpreter or an accredited operator."),
    )
    booth = forms.ModelChoiceField(
        label=_("At the booth"), queryset=Booth.objects.none(), required=False
    )

    def __init__(self, *args: Any, booths: QuerySet[Booth], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["booth"].queryset = booths  # type: ignore[attr-defined]

    def _person(self, field: str) -> User | None:
        identifier = str(self.cleaned_data.get(field) or "").strip()
        if not identifier:
            return None
        person = user_by_identifier(identifier)
        if person is None:
            raise ValidationError(_("Nobody has an account with this email or mobile number."))
        return person

    def clean_candidate(self) -> User | None:
        return self._person("candidate")

    def clean_guest(self) -> User | None:
        return self._person("guest")


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, on the fields it names where it can."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class VacancyFileForm(StyledForm):
    source = forms.ChoiceField(
        label=_("Format"),
        choices=[
            (Vacancy.Source.CLICLAVORO, _("ClicLavoro vacancy XML")),
            (Vacancy.Source.EURES, _("EURES HR-Open PositionOpening XML")),
        ],
    )
    file = forms.FileField(label=_("File"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.VACANCY_FILE_MAX_BYTES:
            raise ValidationError(str(file_too_large().message), code="too_large")
        return upload


class SlotSeriesForm(StyledForm):
    """A series of interview slots on one day, typed in the fair's zone."""

    fair = forms.ModelChoiceField(label=_("Fair"), queryset=Fair.objects.none())
    day = forms.DateField(label=_("Day"), widget=DayInput())
    first_start = forms.TimeField(label=_("From"), widget=ClockInput())
    last_end = forms.TimeField(
        label=_("To"),
        widget=ClockInput(),
        help_text=_("The last slot ends by this time."),
    )
    length_minutes = forms.IntegerField(
        label=_("Minutes per interview"), min_value=1, max_value=240, initial=20
    )
    buffer_minutes = forms.IntegerField(
        label=_("Minutes of break between interviews"), min_value=0, max_value=120, initial=5
    )
    vacancy = forms.ModelChoiceField(
        label=_("Position"), queryset=Vacancy.objects.none(), required=False
    )
    mode = forms.ChoiceField(label=_("How"), choices=Slot.Mode.choices, initial=Slot.Mode.REMOTE)
    place = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        help_text=_("Only for interviews in person: where the candidate should go."),
    )
    invitation_only = forms.BooleanField(label=_("Invited candidates only"), required=False)

    def __init__(
        self,
        *args: Any,
        fairs: QuerySet[Fair],
        vacancies: QuerySet[Vacancy],
        invitations: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fair"].queryset = fairs  # type: ignore[attr-defined]
        if len(fairs) == 1:
            self.fields["fair"].initial = fairs[0].pk
            self.fields["fair"].widget = forms.HiddenInput()
        self.fields["vacancy"].queryset = vacancies  # type: ignore[attr-defined]
        if not vacancies:
            del self.fields["vacancy"]
        if not invitations:
            del self.fields["invitation_only"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        fair, day = cleaned.get("fair"), cleaned.get("day")
        first, last = cleaned.get("first_start"), cleaned.get("last_end")
        if fair and day and first and last:
            cleaned["starts_at"] = datetime.combine(day, first, tzinfo=fair.zone)
            cleaned["ends_at"] = datetime.combine(day, last, tzinfo=fair.zone)
            if last <= first:
                self.add_error("last_end", _("The end must come after the start."))
        if cleaned.get("mode") == Slot.Mode.IN_PERSON and not cleaned.get("place", "").strip():
            self.add_error("place", _("Say where an in-person interview takes place."))
        return cleaned


class BookingWindowForm(StyledForm):
    """When booking opens at a popular booth (typed in the fair's zone) and how many interviews
    each candidate may hold there; waitlisted candidates are drawn by lot at the opening."""

    opens_at = forms.DateTimeField(label=_("Booking opens"), widget=LocalDateTimeInput())
    quota_per_candidate = forms.IntegerField(
        label=_("Interviews each candidate may book at this booth"), min_value=1, max_value=10
    )

    def __init__(self, *args: Any, booth: Booth, **kwargs: Any) -> None:
        window = getattr(booth, "booking_window", None)
        if window is not None:
            kwargs["initial"] = {
                "opens_at": window.opens_at.astimezone(booth.fair.zone).replace(tzinfo=None),
                "quota_per_candidate": window.quota_per_candidate,
            }
        else:
            kwargs["initial"] = {"quota_per_candidate": 1}
        super().__init__(*args, **kwargs)
        self.zone = booth.fair.zone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("opens_at"):
            cleaned["opens_at"] = _in_zone(cleaned["opens_at"], self.zone)
        return cleaned


class SlotChoiceForm(StyledForm):
    slot = forms.IntegerField(
        min_value=1, max_value=ID_MAX, error_messages={"required": _("Choose a time first.")}
    )


class BookingForm(SlotChoiceForm):
    phone = forms.CharField(
        label=_("Mobile number for text reminders"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("We send the confirmation and reminders by text message too."),
    )
