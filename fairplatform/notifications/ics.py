"""iCalendar (RFC 5545) invitations for iTIP (RFC 5546): METHOD REQUEST to add or move an event,
CANCEL to remove it. A calendar matches updates by UID and applies the highest SEQUENCE."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

PRODID = "-//fairplatform//agenda//IT"
LINE_LIMIT = 75  # octets, before CRLF (RFC 5545 §3.1)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    location: str
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _param(value: str) -> str:
    # Parameter values cannot be escaped, only quoted; quotes themselves are not allowed.
    return '"' + value.replace('"', "'") + '"'


def _fold(line: str) -> str:
    """Split into lines of at most 75 octets, never inside a UTF-8 character."""
    pieces: list[str] = []
    current = ""
    limit = LINE_LIMIT
    for char in line:
        if len((current + char).encode()) > limit:
            pieces.append(current)
            current = char
            limit = LINE_LIMIT - 1  # continuation lines start with a space
        else:
            current += char
    pieces.append(current)
    return "\r\n ".join(pieces)


def calendar(event: CalendarEvent, *, method: Literal["REQUEST", "CANCEL"], stamp: datetime) -> str:
    status = "CANCELLED" if method == "CANCEL" else "CONFIRMED"
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.ends_at)}",
        f"SUMMARY:{_text(event.summary)}",
        f"DESCRIPTION:{_text(event.description)}",
        f"LOCATION:{_text(event.location)}",
        f"ORGANIZER;CN={_param(event.organizer_name)}:mailto:{event.organizer_email}",
        f"ATTENDEE;CN={_param(event.attendee_name)};ROLE=REQ-PARTICIPANT;RSVP=FALSE"
        f":mailto:{event.attendee_email}",
        f"STATUS:{status}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)
