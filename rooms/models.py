import zoneinfo
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from employers.models import Employer, SectorSection, Vacancy
from fairplatform.models import BaseModel

FAIR_LANGUAGES = [
    ("it", _("Italian")),
    ("en", _("English")),
    ("fr", _("French")),
    ("de", _("German")),
    ("es", _("Spanish")),
]


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(zone)s."), params={"zone": value})


def validate_languages(value: object) -> None:
    known = {code for code, _label in FAIR_LANGUAGES}
    if not isinstance(value, list) or not value or not set(value) <= known:
        raise ValidationError(_("Choose at least one language of the fair."))


def default_languages() -> list[str]:
    return ["it"]


def validate_codes(value: object) -> None:
    if not isinstance(value, list) or not all(
        isinstance(code, str) and code.isalnum() and 1 <= len(code) <= 5 for code in value
    ):
        raise ValidationError(_("Give codes separated by commas, e.g. ITF3, ITF33."))


class Fair(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    organiser = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="fairs",
        verbose_name=_("organised by"),
        limit_choices_to={"kind__in": [Organisation.Kind.CPI, Organisation.Kind.EURES]},
    )
    sectors = models.ManyToManyField(SectorSection, verbose_name=_("sectors"), related_name="+")
    region = models.CharField(_("region"), max_length=80)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Rome", validators=[validate_timezone]
    )
    languages = models.JSONField(
        _("languages"), default=default_languages, validators=[validate_languages]
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    queue_positions_visible = models.BooleanField(
        _("show candidates their place in line"),
        default=True,
        help_text=_("When off, candidates see only how long they may wait, not their position."),
    )
    # NUTS codes (region or province) whose vacancies the fair proposes; empty: the region
    # named in `region`, if it is an Italian region's name.
    nuts_codes = models.JSONField(
        _("regions (NUTS codes)"), default=list, blank=True, validators=[validate_codes]
    )
    # ISCO-08 prefixes (1 to 4 digits); empty: every occupation of the fair's sectors.
    occupation_filter = models.JSONField(
        _("occupations (ISCO-08)"), default=list, blank=True, validators=[validate_codes]
    )
    series = models.ForeignKey(
        "FairSeries", null=True, blank=True, on_delete=models.SET_NULL, related_name="fairs"
    )
    series_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("fair")
        verbose_name_plural = _("fairs")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="fair_ends_after_start",
                violation_error_message=_("The fair must end after it starts."),
            ),
            # A series makes at most one fair per date, however often its task runs.
            models.UniqueConstraint(
                fields=["series", "series_date"],
                condition=Q(series__isnull=False),
                name="fair_one_per_series_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.zone)

    def local_end(self) -> datetime:
        return self.ends_at.astimezone(self.zone)

    def moment_label(self, moment: datetime) -> str:
        """A time in the fair's zone, with the zone named and the date in the active language
        (messages render in their recipient's): "26 novembre 2026 10:00 (Europe/Rome)"."""
        local = moment.astimezone(self.zone)
        return f"{date_format(local, 'DATE_FORMAT')} {time_format(local, 'H:i')} ({self.timezone})"


class FairSeries(BaseModel):
    """Fairs at a fixed cadence ("ICT, first Tuesday of each month, Campania"): the next ones
    are created ahead of time as drafts (rooms/series.py)."""

    class Rule(models.TextChoices):
        MONTHLY = "monthly", _("The nth weekday of each month")
        WEEKLY = "weekly", _("Every N weeks")

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    class Nth(models.IntegerChoices):
        FIRST = 1, _("first")
        SECOND = 2, _("second")
        THIRD = 3, _("third")
        FOURTH = 4, _("fourth")
        LAST = -1, _("last")

    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    organiser = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="fair_series",
        verbose_name=_("organised by"),
        limit_choices_to={"kind__in": [Organisation.Kind.CPI, Organisation.Kind.EURES]},
    )
    sectors = models.ManyToManyField(SectorSection, verbose_name=_("sectors"), related_name="+")
    region = models.CharField(_("region"), max_length=80)
    nuts_codes = models.JSONField(
        _("regions (NUTS codes)"), default=list, blank=True, validators=[validate_codes]
    )
    occupation_filter = models.JSONField(
        _("occupations (ISCO-08)"), default=list, blank=True, validators=[validate_codes]
    )
    rule = models.CharField(_("repeats"), max_length=8, choices=Rule.choices)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    nth = models.SmallIntegerField(_("which week"), choices=Nth.choices, default=Nth.FIRST)
    every_weeks = models.PositiveSmallIntegerField(
        _("every how many weeks"), default=1, validators=[MinValueValidator(1)]
    )
    starts_on = models.DateField(_("first date"), help_text=_("No fair before this date."))
    start_time = models.TimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(15), MaxValueValidator(24 * 60)]
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Rome", validators=[validate_timezone]
    )
    languages = models.JSONField(
        _("languages"), default=default_languages, validators=[validate_languages]
    )
    ahead = models.PositiveSmallIntegerField(
        _("fairs created ahead"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("fair series")
        verbose_name_plural = _("fair series")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


# A called candidate needs time to notice and tap; a recruiter should not wait for ever.
MIN_CALL_GRACE_SECONDS = 15
MAX_CALL_GRACE_SECONDS = 600


class DismissedProposal(models.Model):
    """A vacancy an organiser chose not to show at a fair: it is not proposed for it again."""

    fair = models.ForeignKey(Fair, on_delete=models.CASCADE, related_name="dismissed_proposals")
    vacancy = models.ForeignKey(Vacancy, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dismissed proposal")
        verbose_name_plural = _("dismissed proposals")
        constraints = [
            models.UniqueConstraint(fields=["fair", "vacancy"], name="dismissed_proposal_once")
        ]

    def __str__(self) -> str:
        return f"{self.fair_id}: {self.vacancy_id}"


class Booth(BaseModel):
    """An employer's place at one fair."""

    class Participation(models.TextChoices):
        # A booth approved from the fair's proposals waits for its employer: until they
        # confirm, candidates neither see it nor can queue or book there.
        INVITED = "invited", _("Awaiting the employer's confirmation")
        CONFIRMED = "confirmed", _("Confirmed by the employer")
        DECLINED = "declined", _("Declined by the employer")

    fair = models.ForeignKey(Fair, on_delete=models.CASCADE, related_name="booths")
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="booths")
    headline = models.CharField(_("headline"), max_length=160, blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="booths", verbose_name=_("staff")
    )
    vacancies = models.ManyToManyField(
        Vacancy, blank=True, related_name="booths", verbose_name=_("vacancies shown")
    )
    opens_at = models.DateTimeField(
        _("opens"), null=True, blank=True, help_text=_("Empty: when the fair starts.")
    )
    closes_at = models.DateTimeField(
        _("closes"), null=True, blank=True, help_text=_("Empty: when the fair ends.")
    )
    # Booths organisers set up by hand were agreed with the employer beforehand: confirmed.
    participation = models.CharField(
        _("participation"),
        max_length=10,
        choices=Participation.choices,
        default=Participation.CONFIRMED,
    )
    participation_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    participation_answered_at = models.DateTimeField(null=True, blank=True)
    queue_paused = models.BooleanField(_("queue paused"), default=False)
    call_grace_seconds = models.PositiveSmallIntegerField(
        _("seconds to answer a call"),
        default=60,
        validators=[
            MinValueValidator(MIN_CALL_GRACE_SECONDS),
            MaxValueValidator(MAX_CALL_GRACE_SECONDS),
        ],
    )

    class Meta:
        verbose_name = _("booth")
        verbose_name_plural = _("booths")
        ordering = ["employer__legal_name"]
        constraints = [
            models.UniqueConstraint(fields=["fair", "employer"], name="booth_one_per_employer"),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(closes_at__gt=F("opens_at")),
                name="booth_closes_after_opening",
                violation_error_message=_("The booth must close after it opens."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer} @ {self.fair}"

    @property
    def is_confirmed(self) -> bool:
        return self.participation == self.Participation.CONFIRMED

    def clean(self) -> None:
        if not self.fair_id:
            return
        fair = self.fair
        for field, moment in (("opens_at", self.opens_at), ("closes_at", self.closes_at)):
            if moment and not fair.starts_at <= moment <= fair.ends_at:
                raise ValidationError({field: _("Booth hours must fall within the fair's dates.")})


class InterviewSession(BaseModel):
    """A video meeting of at most four people: a candidate, staff, and optional third parties."""

    MAX_PARTICIPANTS = 4

    class Kind(models.TextChoices):
        BOOTH = "booth", _("Booth interview")
        BOOKED = "booked", _("Booked interview")
        CPI_MEETING = "cpi_meeting", _("CPI meeting")

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        WAITING = "waiting", _("Waiting to start")
        LIVE = "live", _("In progress")
        ENDED = "ended", _("Ended")
        NO_SHOW = "no_show", _("Candidate did not show up")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATES = (State.WAITING, State.LIVE)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.WAITING
    )
    booth = models.ForeignKey(
        Booth, null=True, blank=True, on_delete=models.SET_NULL, related_name="interviews"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class Participant(models.Model):
    class Role(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        HOST = "host", _("Recruiter or operator")
        GUEST = "guest", _("Third party")

    session = models.ForeignKey(
        InterviewSession, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interview_seats"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="participant_once_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.session_id}"


class Attendance(models.Model):
    """One stretch of presence in a call; evidence of participation for reports (NASpI, PSP)."""

    class Device(models.TextChoices):
        PHONE = "phone", _("Phone")
        TABLET = "tablet", _("Tablet")
        DESKTOP = "desktop", _("Computer")
        OTHER = "other", _("Other")

    session = models.ForeignKey(
        InterviewSession, on_delete=models.CASCADE, related_name="attendances"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    device = models.CharField(max_length=8, choices=Device.choices, default=Device.OTHER)
    # The web process whose socket holds this stretch (fairplatform.WebProcessHeartbeat); empty
    # when heartbeats are off.
    web_process = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["joined_at"]
        indexes = [models.Index(fields=["session", "user"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.session_id} from {self.joined_at:%H:%M}"


class ChatMessage(models.Model):
    """The in-call chat, kept so the transcript survives reconnects."""

    session = models.ForeignKey(
        InterviewSession, on_delete=models.CASCADE, related_name="chat_messages"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(max_length=2000)
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class QueueEntry(BaseModel):
    """A candidate's place in a booth's line. Order is (sort_key, id): FIFO, with no-shows moved
    back by giving them a key between two later entries."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        IN_INTERVIEW = "in_interview", _("In the interview")
        DONE = "done", _("Done")
        LEFT = "left", _("Left the line")
        NO_SHOW = "no_show", _("Did not answer")
        REMOVED = "removed", _("Removed")

    ACTIVE_STATES = (State.WAITING, State.CALLED, State.IN_INTERVIEW)
    BUSY_STATES = (State.CALLED, State.IN_INTERVIEW)

    booth = models.ForeignKey(Booth, on_delete=models.CASCADE, related_name="queue_entries")
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_entries"
    )
    vacancy = models.ForeignKey(
        Vacancy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note for the recruiter"), max_length=280, blank=True)
    state = models.CharField(max_length=14, choices=State.choices, default=State.WAITING)
    sort_key = models.FloatField()
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    called_at = models.DateTimeField(null=True, blank=True)
    answer_by = models.DateTimeField(null=True, blank=True)
    no_shows = models.PositiveSmallIntegerField(default=0)
    interview = models.ForeignKey(
        "InterviewSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("queue entry")
        verbose_name_plural = _("queue entries")
        ordering = ["sort_key", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["booth", "candidate"],
                condition=Q(state__in=["waiting", "called", "in_interview"]),
                name="queue_one_active_entry_per_booth",
            )
        ]
        indexes = [models.Index(fields=["booth", "state", "sort_key"])]

    def __str__(self) -> str:
        return f"{self.candidate} at {self.booth} ({self.state})"


class Slot(BaseModel):
    """A bookable interview time published by a recruiter (at a booth) or a CPI operator (for
    their office). Times are stored in UTC and shown in the fair's zone."""

    class Mode(models.TextChoices):
        REMOTE = "remote", _("Video call")
        IN_PERSON = "in_person", _("In person")

    class State(models.TextChoices):
        OPEN = "open", _("Free")
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")

    fair = models.ForeignKey(Fair, on_delete=models.CASCADE, related_name="slots")
    booth = models.ForeignKey(
        Booth, null=True, blank=True, on_delete=models.CASCADE, related_name="slots"
    )
    office = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="slots",
        verbose_name=_("CPI office"),
    )
    vacancy = models.ForeignKey(
        Vacancy, null=True, blank=True, on_delete=models.SET_NULL, related_name="slots"
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hosted_slots"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    mode = models.CharField(_("how"), max_length=10, choices=Mode.choices, default=Mode.REMOTE)
    place = models.CharField(_("address"), max_length=200, blank=True)
    invitation_only = models.BooleanField(_("invited candidates only"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)

    class Meta:
        verbose_name = _("interview slot")
        verbose_name_plural = _("interview slots")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="slot_ends_after_start",
                violation_error_message=_("A slot must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(booth__isnull=True, office__isnull=False)
                | Q(booth__isnull=False, office__isnull=True),
                name="slot_at_a_booth_or_an_office",
                violation_error_message=_("A slot belongs to a booth or to a CPI office."),
            ),
            models.CheckConstraint(
                condition=Q(mode="remote") | ~Q(place=""),
                name="slot_in_person_has_a_place",
                violation_error_message=_("Say where an in-person interview takes place."),
            ),
        ]
        indexes = [
            models.Index(fields=["fair", "state", "starts_at"]),
            models.Index(fields=["host", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} UTC ({self.state})"

    @property
    def counterpart_name(self) -> str:
        """Whom the candidate meets: the booth's employer or the CPI office."""
        if self.booth is not None:
            return self.booth.employer.legal_name
        assert self.office is not None  # noqa: S101  (slot_at_a_booth_or_an_office)
        return self.office.name


class Invitation(BaseModel):
    """An employer asks a pre-selected candidate to book one of its invitation-only slots."""

    booth = models.ForeignKey(Booth, on_delete=models.CASCADE, related_name="invitations")
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interview_invitations"
    )
    vacancy = models.ForeignKey(
        Vacancy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("interview invitation")
        verbose_name_plural = _("interview invitations")
        ordering = ["-expires_at"]
        indexes = [models.Index(fields=["booth", "candidate"])]

    def __str__(self) -> str:
        return f"{self.candidate} to {self.booth}"


class BookingWindow(BaseModel):
    """For a popular booth: its slots can be booked only from `opens_at`, and a candidate may hold
    at most `quota_per_candidate` of them. Whoever joined the waitlist before the opening gets
    slots drawn by lot at the opening, so a fast connection buys nothing."""

    booth = models.OneToOneField(Booth, on_delete=models.CASCADE, related_name="booking_window")
    opens_at = models.DateTimeField(_("booking opens"))
    quota_per_candidate = models.PositiveSmallIntegerField(
        _("slots per candidate"), default=1, validators=[MinValueValidator(1)]
    )
    drawn_at = models.DateTimeField(_("lots drawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking window")
        verbose_name_plural = _("booking windows")

    def __str__(self) -> str:
        return f"{self.booth} from {self.opens_at:%Y-%m-%d %H:%M} UTC"


class Booking(BaseModel):
    class State(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not show up")

    HOLDING_STATES = (State.BOOKED, State.ATTENDED, State.NO_SHOW)

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="bookings")
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookings"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.BOOKED)
    # The iCalendar SEQUENCE: every change the candidate's calendar must apply increases it.
    sequence = models.PositiveIntegerField(default=0)
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    interview = models.OneToOneField(
        InterviewSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="booking"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"],
                condition=Q(state__in=["booked", "attended", "no_show"]),
                name="booking_one_per_slot",
            )
        ]
        indexes = [models.Index(fields=["candidate", "state"])]

    def __str__(self) -> str:
        return f"{self.candidate} at {self.slot} ({self.state})"


class WaitlistEntry(BaseModel):
    """A candidate waiting for any free slot at a booth (for one vacancy, or any)."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        BOOKED = "booked", _("Got a slot")
        LEFT = "left", _("Left the waitlist")

    booth = models.ForeignKey(Booth, on_delete=models.CASCADE, related_name="waitlist")
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    vacancy = models.ForeignKey(
        Vacancy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.WAITING)
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["booth", "candidate"],
                condition=Q(state="waiting"),
                name="waitlist_once_per_booth",
            )
        ]

    def __str__(self) -> str:
        return f"{self.candidate} waiting at {self.booth}"


class Notification(BaseModel):
    """One message about one version of a booking on one channel: the row is the claim that
    makes sending exactly-once (unique key, row lock while sending, state checked under it)."""

    class Kind(models.TextChoices):
        BOOKED = "booked", _("Booking confirmed")
        CHANGED = "changed", _("Booking changed")
        CANCELLED = "cancelled", _("Booking cancelled")
        REMINDER_DAY = "reminder_day", _("Reminder the day before")
        REMINDER_SOON = "reminder_soon", _("Reminder shortly before")
        ROOM_OPEN = "room_open", _("Interview open")

    class Channel(models.TextChoices):
        SMS = "sms", _("Text message (SMS)")
        EMAIL = "email", _("Email")

    class State(models.TextChoices):
        PENDING = "pending", _("To send")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        OBSOLETE = "obsolete", _("No longer needed")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    sequence = models.PositiveIntegerField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    due_at = models.DateTimeField()
    # Not before this: set to due_at, then pushed on by each hand-over to a worker (a lease) and
    # by each retryable failure, so the dispatcher re-sends only what a lost worker left behind.
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "kind", "channel", "sequence"],
                name="notification_once_per_booking_kind_channel",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="notification_pending_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} for booking {self.booking_id} ({self.state})"
