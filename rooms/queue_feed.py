"""A booth's line as sockets see it, and its fan-out after every change.

One snapshot per change costs a fixed handful of queries whatever the line's length. It goes to
the booth's watchers as a single channel-layer message carrying the order of waiting candidates
(ids only; it never reaches a browser): each socket finds its own user in it and sends its
browser a small `queue.position`. So a call-next at a line of 2,000 is one Redis publish per
Daphne process, not 2,000 database reads. docs/architecture.md ("Queues") has the numbers.
"""

import math
import statistics
import struct
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from candidates.selectors import cv_validation_dates
from rooms.models import Booth, Fair, InterviewSession, QueueEntry
from signaling import bus, groups
from signaling.protocol import (
    QueueEntryChanged,
    QueueLine,
    QueueLineEntry,
    QueuePosition,
    QueueStats,
)

State = QueueEntry.State
# The channel-layer message each watching socket turns into its own `queue.position`.
ORDER_MESSAGE = "queue.order"
# Interview lengths behind the estimate: the booth's most recent ones, and the recruiters who
# called someone lately (a recruiter who stopped calling stops counting).
RECENT_INTERVIEWS = 20
MIN_SAMPLES = 3
ACTIVE_RECRUITER_WINDOW = timedelta(minutes=30)
ROUND_TO_MINUTES = 5
# The order travels packed, 8 bytes per candidate id: every socket gets its own copy from the
# channel layer, and copying bytes costs a fraction of unpacking a 2,000-item list.
ID_FORMAT = "<q"
ID_SIZE = struct.calcsize(ID_FORMAT)


@dataclass(frozen=True)
class WaitEstimate:
    """Seconds one place in line takes (quartiles of recent interviews) and recruiters at work."""

    per_place_low_s: float
    per_place_high_s: float
    recruiters: int

    def minutes(self, places_ahead: int) -> tuple[int, int]:
        """A range in whole 5-minute steps: people ahead at the quick end, one more at the slow
        end (the interview in progress), shared among the recruiters."""
        low = places_ahead * self.per_place_low_s / self.recruiters / 60
        high = (places_ahead + 1) * self.per_place_high_s / self.recruiters / 60
        step = ROUND_TO_MINUTES
        return (
            math.floor(low / step) * step,
            max(step, math.ceil(high / step) * step),
        )


def wait_estimates(*, booth_ids: Collection[int], now: datetime) -> dict[int, WaitEstimate]:
    """Each booth's wait estimate, in two queries however many booths."""
    recent = (
        InterviewSession.objects.filter(
            booth_id__in=booth_ids,
            state=InterviewSession.State.ENDED,
            started_at__isnull=False,
            ended_at__isnull=False,
        )
        .annotate(
            recency=Window(RowNumber(), partition_by=F("booth_id"), order_by=F("ended_at").desc())
        )
        .filter(recency__lte=RECENT_INTERVIEWS)
        .values_list("booth_id", "started_at", "ended_at")
    )
    durations: dict[int, list[float]] = defaultdict(list)
    for booth_id, started, ended in recent:
        if started and ended:  # filtered above; the columns are nullable
            durations[booth_id].append((ended - started).total_seconds())
    recruiters = dict(
        QueueEntry.objects.filter(
            booth_id__in=booth_ids, called_at__gte=now - ACTIVE_RECRUITER_WINDOW
        )
        .values("booth_id")
        .annotate(callers=Count("called_by", distinct=True))
        .values_list("booth_id", "callers")
    )
    return {
        booth_id: _estimate(durations[booth_id], recruiters.get(booth_id, 0))
        for booth_id in booth_ids
    }


def _estimate(durations: list[float], recruiters: int) -> WaitEstimate:
    if len(durations) >= MIN_SAMPLES:
        low, _median, high = statistics.quantiles(durations, n=4, method="inclusive")
    else:
        typical = settings.QUEUE_DEFAULT_INTERVIEW_MINUTES * 60
        low, high = typical / 2, typical * 1.5
    return WaitEstimate(max(low, 0.0), max(high, 60.0), max(recruiters, 1))


def booth_is_open(booth: Booth, now: datetime) -> bool:
    fair = booth.fair
    opens = booth.opens_at or fair.starts_at
    closes = booth.closes_at or fair.ends_at
    return fair.status == Fair.Status.LIVE and opens <= now < closes


def queue_snapshot(*, booth_id: int, now: datetime | None = None) -> dict[str, Any]:
    """The booth's line now, as the channel-layer message its watchers receive."""
    now = now or timezone.now()
    booth = Booth.objects.select_related("fair").get(pk=booth_id)
    rows = (
        QueueEntry.objects.filter(booth_id=booth_id, state__in=QueueEntry.ACTIVE_STATES)
        .order_by("sort_key", "pk")
        .values_list("candidate_id", "state")
    )
    order: list[int] = []
    counts: dict[str, int] = {State.CALLED: 0, State.IN_INTERVIEW: 0}
    for candidate_id, state in rows:
        if state == State.WAITING:
            order.append(candidate_id)
        else:
            counts[state] += 1
    estimate = wait_estimates(booth_ids=[booth_id], now=now)[booth_id]
    return {
        "type": ORDER_MESSAGE,
        "booth_id": booth.pk,
        "fair_id": booth.fair_id,
        "open": booth_is_open(booth, now),
        "paused": booth.queue_paused,
        "show_position": booth.fair.queue_positions_visible,
        "order": struct.pack(f"<{len(order)}q", *order),
        "called": counts[State.CALLED],
        "in_interview": counts[State.IN_INTERVIEW],
        "estimate": [estimate.per_place_low_s, estimate.per_place_high_s, estimate.recruiters],
    }


def position_for(snapshot: Mapping[str, Any], user_id: int) -> QueuePosition:
    """What one watcher sees; runs in every watching socket, so no database here."""
    waiting = waiting_count(snapshot)
    place = _place_of(snapshot["order"], user_id)
    # Someone not in line is told the wait they would have if they joined now.
    low, high = WaitEstimate(*snapshot["estimate"]).minutes(
        place - 1 if place is not None else waiting
    )
    return QueuePosition(
        booth_id=snapshot["booth_id"],
        open=snapshot["open"],
        paused=snapshot["paused"],
        waiting=waiting,
        position=place if snapshot["show_position"] else None,
        wait_min_low=low,
        wait_min_high=high,
    )


def _place_of(order: bytes, user_id: int) -> int | None:
    """1-based place of the id in the packed order (a C-speed search, aligned to whole ids)."""
    needle = struct.pack(ID_FORMAT, user_id)
    found = order.find(needle)
    while found != -1:
        if found % ID_SIZE == 0:
            return found // ID_SIZE + 1
        found = order.find(needle, found + 1)
    return None


def waiting_count(snapshot: Mapping[str, Any]) -> int:
    return len(snapshot["order"]) // ID_SIZE


def waiting_candidates(snapshot: Mapping[str, Any]) -> list[int]:
    """The waiting candidates' ids, head first."""
    return [candidate for (candidate,) in struct.iter_unpack(ID_FORMAT, snapshot["order"])]


def stats_of(snapshot: Mapping[str, Any]) -> QueueStats:
    waiting = waiting_count(snapshot)
    low, high = WaitEstimate(*snapshot["estimate"]).minutes(waiting)
    return QueueStats(
        fair_id=snapshot["fair_id"],
        booth_id=snapshot["booth_id"],
        waiting=waiting,
        called=snapshot["called"],
        in_interview=snapshot["in_interview"],
        paused=snapshot["paused"],
        wait_min_low=low,
        wait_min_high=high,
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def queue_line(*, snapshot: Mapping[str, Any]) -> QueueLine:
    """The recruiter console's view: four queries, however long the line."""
    booth_id = snapshot["booth_id"]
    active = QueueEntry.objects.filter(booth_id=booth_id).select_related(
        "candidate", "vacancy", "called_by"
    )
    busy = list(active.filter(state__in=QueueEntry.BUSY_STATES).order_by("called_at", "pk"))
    head = list(
        active.filter(state=State.WAITING).order_by("sort_key", "pk")[: settings.QUEUE_CONSOLE_ROWS]
    )
    shown = {entry.candidate_id for entry in head}
    validated = cv_validation_dates(user_ids=shown | {entry.candidate_id for entry in busy})
    elsewhere = set(
        QueueEntry.objects.filter(candidate_id__in=shown, state__in=QueueEntry.BUSY_STATES)
        .exclude(booth_id=booth_id)
        .values_list("candidate_id", flat=True)
    )
    waiting = waiting_count(snapshot)
    low, high = WaitEstimate(*snapshot["estimate"]).minutes(waiting)
    entries = [
        QueueLineEntry(
            entry_id=entry.pk,
            candidate_id=entry.candidate_id,
            name=entry.candidate.full_name,
            note=entry.note,
            vacancy=entry.vacancy.title if entry.vacancy else None,
            state=entry.state,
            position=place if entry.state == State.WAITING else None,
            joined_at=entry.created_at.isoformat(),
            called_by=entry.called_by.full_name if entry.called_by else None,
            called_by_id=entry.called_by_id,
            answer_by=_iso(entry.answer_by),
            session_id=entry.interview_id,
            no_shows=entry.no_shows,
            busy_elsewhere=entry.candidate_id in elsewhere,
            cv_validated_at=_iso(validated.get(entry.candidate_id)),
        )
        for place, entry in [(None, e) for e in busy] + list(enumerate(head, start=1))
    ]
    return QueueLine(
        booth_id=booth_id,
        paused=snapshot["paused"],
        waiting=waiting,
        wait_min_low=low,
        wait_min_high=high,
        entries=entries,
    )


def queue_broadcast(booth_id: int) -> None:
    """Send the booth's line to its watchers, its staff and the fair's page."""
    snapshot = queue_snapshot(booth_id=booth_id)
    layer = get_channel_layer()
    if layer is None:
        return
    # Staff and organisers first: their few sockets should not wait behind the fan-out.
    bus.publish(groups.queue_staff(booth_id), "queue.line", queue_line(snapshot=snapshot))
    bus.publish(groups.fair_staff(snapshot["fair_id"]), "queue.stats", stats_of(snapshot))
    async_to_sync(layer.group_send)(groups.queue(booth_id), snapshot)


def announce(booth_id: int) -> None:
    """After this transaction commits, everyone watching the booth's line sees it as it is."""
    transaction.on_commit(lambda: queue_broadcast(booth_id), robust=True)


def entry_changed(entry: QueueEntry) -> QueueEntryChanged:
    return QueueEntryChanged(
        entry_id=entry.pk,
        booth_id=entry.booth_id,
        employer=entry.booth.employer.legal_name,
        state=entry.state,
        answer_by=_iso(entry.answer_by),
        session_id=entry.interview_id,
        no_shows=entry.no_shows,
    )


def announce_entry(entry: QueueEntry) -> None:
    """The candidate's own sockets hear about their entry (called, lapsed, interview open)."""
    bus.publish_on_commit(groups.user(entry.candidate_id), "queue.entry", entry_changed(entry))
    announce(entry.booth_id)


def queue_stats_of_fair(*, fair: Fair) -> dict[int, dict[str, int]]:
    """Per booth: how many wait, are called, are interviewing (one query, for the staff page)."""
    rows = (
        QueueEntry.objects.filter(booth__fair=fair, state__in=QueueEntry.ACTIVE_STATES)
        .values("booth_id")
        .annotate(
            waiting=Count("pk", filter=Q(state=State.WAITING)),
            called=Count("pk", filter=Q(state=State.CALLED)),
            in_interview=Count("pk", filter=Q(state=State.IN_INTERVIEW)),
        )
    )
    return {
        row["booth_id"]: {k: row[k] for k in ("waiting", "called", "in_interview")} for row in rows
    }
