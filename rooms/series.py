"""Fair series: the dates of a simple rule, and the next fairs created ahead of time as drafts.

`series_extend` is idempotent: a fair is keyed by (series, date) with a unique constraint, the
series row is locked while its fairs are made, so two beats or a retried task create each fair
once. Fairs already made are never changed here (organisers may have edited them); when the
rule changes, `series_save` removes the upcoming drafts it no longer gives that nobody has
worked on (no booth, no slot) and names the others.
"""

import calendar
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.permissions import Perm, require
from employers.models import SectorSection
from fairplatform.audit import audit_record
from rooms.models import Booth, DismissedProposal, Fair, FairSeries, Slot

Rule = FairSeries.Rule


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The nth (1 to 4, or -1 for the last) given weekday of a month; None if it has no fifth."""
    days = [
        day
        for day in calendar.Calendar().itermonthdates(year, month)
        if day.month == month and day.weekday() == weekday
    ]
    if nth == -1:
        return days[-1]
    return days[nth - 1] if nth <= len(days) else None


def series_dates(series: FairSeries, *, after: date, count: int) -> list[date]:
    """The next `count` dates on or after `after` (and not before the series' first date)."""
    start = max(after, series.starts_on)
    found: list[date] = []
    if series.rule == Rule.MONTHLY:
        year, month = start.year, start.month
        while len(found) < count:
            day = nth_weekday(year, month, series.weekday, series.nth)
            if day is not None and day >= start:
                found.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found
    # Every N weeks, counted from the first matching weekday on or after `starts_on`.
    anchor = series.starts_on + timedelta(days=(series.weekday - series.starts_on.weekday()) % 7)
    step = timedelta(weeks=series.every_weeks)
    if start > anchor:
        periods = -(-(start - anchor).days // step.days)
        anchor += step * periods
    while len(found) < count:
        found.append(anchor)
        anchor += step
    return found


def _fair_times(series: FairSeries, day: date) -> tuple[datetime, datetime]:
    starts = datetime.combine(day, series.start_time, tzinfo=series_zone(series))
    return starts, starts + timedelta(minutes=series.duration_minutes)


def series_zone(series: FairSeries) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(series.timezone)


@transaction.atomic
def series_extend(*, series_id: int, now: datetime | None = None) -> list[Fair]:
    """Create the missing fairs among the next `ahead` dates; returns the ones created."""
    now = now or timezone.now()
    series = FairSeries.objects.select_for_update().filter(pk=series_id, active=True).first()
    if series is None:
        return []
    today = now.astimezone(series_zone(series)).date()
    sectors = list(series.sectors.all())
    existing = set(series.fairs.values_list("series_date", flat=True))
    created = []
    for day in series_dates(series, after=today, count=series.ahead):
        if day in existing:
            continue
        starts_at, ends_at = _fair_times(series, day)
        if starts_at <= now:
            continue
        fair = Fair(
            organiser_id=series.organiser_id,
            title=f"{series.title} – {day:%d/%m/%Y}",
            description=series.description,
            region=series.region,
            nuts_codes=series.nuts_codes,
            occupation_filter=series.occupation_filter,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=series.timezone,
            languages=series.languages,
            status=Fair.Status.DRAFT,
            series=series,
            series_date=day,
        )
        fair.full_clean()
        fair.save()
        fair.sectors.set(sectors)
        audit_record(actor=None, action="rooms.fair.created_from_series", obj=fair)
        created.append(fair)
    return created


def fair_series_extend_all(*, now: datetime | None = None) -> int:
    """Beat's task: every active series, each in its own transaction. Returns fairs created."""
    ids = list(FairSeries.objects.filter(active=True).values_list("pk", flat=True))
    return sum(len(series_extend(series_id=pk, now=now)) for pk in ids)


@dataclass(frozen=True)
class SeriesSaved:
    series: FairSeries
    # Upcoming drafts the changed rule no longer gives: removed when nobody had worked on them
    # yet, kept (for the organiser to cancel or keep) when they have booths or slots.
    removed: int
    kept_off_schedule: list[Fair]


@transaction.atomic
def series_save(
    *,
    actor: User,
    series: FairSeries,
    sectors: list[SectorSection],
    removal_confirmed: Collection[int] = (),
    now: datetime | None = None,
) -> SeriesSaved:
    """Create or change a series, drop the drafts its rule no longer gives, then create its
    next fairs at once. The drafts dropped must be exactly those the organiser confirmed
    (`off_schedule_drafts(...).untouched`): if others would go, nothing is saved."""
    require(actor, Perm.FAIR_CREATE, series.organiser)
    now = now or timezone.now()
    series.full_clean()
    series.save()
    series.sectors.set(sectors)
    audit_record(actor=actor, action="rooms.fair_series.saved", obj=series)
    removed, kept = _drop_off_schedule(actor, series, now, set(removal_confirmed))
    series_extend(series_id=series.pk, now=now)
    return SeriesSaved(series, removed, kept)


def _on_schedule(series: FairSeries, day: date) -> bool:
    return series_dates(series, after=day, count=1) == [day]


@dataclass(frozen=True)
class OffSchedule:
    """Upcoming drafts a series' rule (saved or not yet) no longer gives."""

    untouched: list[Fair]  # removed when the rule is saved
    worked_on: list[Fair]  # with booths, slots or dismissed proposals: kept


def off_schedule_drafts(
    *, series: FairSeries, now: datetime | None = None, lock: bool = False
) -> OffSchedule:
    """What saving `series` as it stands would do to its drafts: the form asks before any is
    removed."""
    if not series.pk:  # a new series has no drafts yet
        return OffSchedule([], [])
    drafts = series.fairs.filter(status=Fair.Status.DRAFT, starts_at__gt=now or timezone.now())
    off_schedule = [
        fair.pk
        # Locked first, then asked about: a booth or a dismissal added meanwhile waits for this
        # transaction (`fair_lock`), and is then refused, instead of being deleted with it.
        for fair in (drafts.select_for_update() if lock else drafts)
        if fair.series_date is None or not _on_schedule(series, fair.series_date)
    ]
    # Proposals dismissed for a fair are an organiser's work on it too.
    worked_on = (
        Exists(Booth.objects.filter(fair=OuterRef("pk")))
        | Exists(Slot.objects.filter(fair=OuterRef("pk")))
        | Exists(DismissedProposal.objects.filter(fair=OuterRef("pk")))
    )
    fairs = Fair.objects.filter(pk__in=off_schedule).annotate(worked_on=worked_on)
    found = OffSchedule([], [])
    for fair in fairs.order_by("starts_at"):
        (found.worked_on if fair.worked_on else found.untouched).append(fair)
    return found


def _drop_off_schedule(
    actor: User, series: FairSeries, now: datetime, confirmed: set[int]
) -> tuple[int, list[Fair]]:
    found = off_schedule_drafts(series=series, now=now, lock=True)
    if {fair.pk for fair in found.untouched} != confirmed:
        raise ValidationError(
            _(
                "The draft fairs this change removes are not the ones confirmed (the series "
                "changed meanwhile): check them and save again."
            )
        )
    for fair in found.untouched:
        audit_record(actor=actor, action="rooms.fair.removed_from_series", obj=fair)
        fair.delete()
    return len(found.untouched), found.worked_on


def describe_rule(series: FairSeries) -> str:
    weekday = FairSeries.Weekday(series.weekday).label
    if series.rule == Rule.MONTHLY:
        return _("The %(nth)s %(weekday)s of each month") % {
            "nth": FairSeries.Nth(series.nth).label,
            "weekday": weekday,
        }
    return ngettext(
        "Every week on %(weekday)s", "Every %(weeks)d weeks on %(weekday)s", series.every_weeks
    ) % {
        "weeks": series.every_weeks,
        "weekday": weekday,
    }
