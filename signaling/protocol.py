"""The WebSocket wire protocol, version 1: the single source of truth for every message.

docs/protocol.md is generated from this module (`manage.py protocol_docs`) and the browser
client's constants come from `protocol_constants()`; tests check both are current.
"""

import json
import re
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fairplatform.ids import ID_MAX

PROTOCOL_VERSION = 1
# The socket's session signed out: the server closes with this code, the client stays closed.
SIGNED_OUT_CLOSE_CODE = 4001
# The account's password changed, or it was deactivated or deleted: every socket of the person
# closes with this code and reconnects, which signs in again only where the session still holds.
ACCOUNT_CHANGED_CLOSE_CODE = 4002


# Database ids: positive and within PostgreSQL's bigint, so group names stay short.
Id = Annotated[int, Field(gt=0, le=ID_MAX)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Envelope(Strict):
    """What a client sends: a request that expects exactly one reply with the same id."""

    v: Literal[1]
    id: str = Field(min_length=1, max_length=64)
    type: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$", max_length=64)
    data: dict[str, Any] = Field(default_factory=dict)


class ErrorBody(Strict):
    code: str
    message: str


class OkReply(Strict):
    v: Literal[1] = 1
    id: str
    ok: Literal[True] = True
    data: dict[str, Any]


class ErrorReply(Strict):
    v: Literal[1] = 1
    id: str | None
    ok: Literal[False] = False
    error: ErrorBody


class ServerEvent(Strict):
    v: Literal[1] = 1
    event: str
    data: dict[str, Any]


# Commands: payload models, keyed by type.


class SessionHello(Strict):
    """Who am I: the user, their roles, and the protocol limits the server enforces."""


class FairWatch(Strict):
    """Receive this fair's events on this connection: status changes; for its organisers, every
    booth's line in numbers too (`queue.stats`)."""

    fair_id: Id


class FairUnwatch(Strict):
    fair_id: Id


class BoothUpdate(Strict):
    """Change a booth's headline (its staff, or the fair's organisers, only)."""

    booth_id: Id
    headline: str = Field(max_length=160)


MAX_CANDIDATE_BYTES = 1024
MAX_CHAT_CHARS = 2000


class InterviewJoin(Strict):
    """Enter a call (again, after a reconnect). The reply carries everything the page needs:
    participants and who is online, ICE servers with fresh TURN credentials, the chat so far."""

    session_id: Id
    device: Literal["phone", "tablet", "desktop", "other"] = "other"


class InterviewLeave(Strict):
    """Hang up: leave the call; the others see `left`. The call goes on without you."""

    session_id: Id


class InterviewEnd(Strict):
    """End the call for everyone (recruiters and operators only)."""

    session_id: Id


class SessionDescription(Strict):
    type: Literal["offer", "answer"]
    sdp: str = Field(min_length=1)

    @field_validator("sdp")
    @classmethod
    def _sdp_is_plausible(cls, sdp: str) -> str:
        if not sdp.startswith("v=0") or "\nm=" not in sdp:
            raise ValueError("not an SDP session description")
        return sdp


class IceCandidate(Strict):
    candidate: str = Field(max_length=MAX_CANDIDATE_BYTES)
    sdpMid: str | None = Field(default=None, max_length=64)
    sdpMLineIndex: int | None = Field(default=None, ge=0, le=64)
    usernameFragment: str | None = Field(default=None, max_length=256)

    @field_validator("candidate")
    @classmethod
    def _candidate_line(cls, line: str) -> str:
        if line and not line.startswith("candidate:"):
            raise ValueError("an ICE candidate line starts with 'candidate:'")
        return line


class RtcDescription(Strict):
    """Send an offer or answer to one participant (perfect negotiation; ICE restarts included)."""

    session_id: Id
    to: Id = Field(description="the receiving participant's user id")
    description: SessionDescription


class RtcCandidate(Strict):
    """Trickle one ICE candidate to one participant; an empty `candidate` ends gathering."""

    session_id: Id
    to: Id
    candidate: IceCandidate


class InterviewMedia(Strict):
    """Tell the others what you send: microphone muted, camera off, audio only."""

    session_id: Id
    muted: bool
    camera_off: bool
    audio_only: bool


class InterviewChat(Strict):
    """Post a chat line; it is stored and sent to every participant, you included."""

    session_id: Id
    text: str = Field(min_length=1, max_length=MAX_CHAT_CHARS)


class QueueWatch(Strict):
    """Follow a booth's line on this connection: `queue.position` events from now on. The reply is
    the current state, so a page that reconnects is up to date at once."""

    booth_id: Id


class QueueUnwatch(Strict):
    booth_id: Id


MAX_QUEUE_NOTE_CHARS = 280


class QueueJoin(Strict):
    """Join a booth's line (candidates), optionally for one of its vacancies, with a short note."""

    booth_id: Id
    vacancy_id: Id | None = None
    note: str = Field(default="", max_length=MAX_QUEUE_NOTE_CHARS)


class QueueLeave(Strict):
    """Leave a line (your own entry, waiting or called)."""

    entry_id: Id


class QueueAnswer(Strict):
    """Accept a call within the booth's grace window; the reply names the interview to open."""

    entry_id: Id


class QueueMine(Strict):
    """Your lines at every booth, with positions and any open call (after a reload or reconnect)."""


class QueueConsole(Strict):
    """Follow a booth's line as its staff (or the fair's organisers): `queue.line` events."""

    booth_id: Id


class QueueCallNext(Strict):
    """Call the first waiting candidate who is free (optionally: waiting for this vacancy)."""

    booth_id: Id
    vacancy_id: Id | None = None


class QueueCall(Strict):
    """Call this waiting candidate now, out of turn."""

    entry_id: Id


class QueueSkip(Strict):
    """Pass over a waiting candidate: they move back a few places (the booth's no-show step)."""

    entry_id: Id


class QueueRemove(Strict):
    """Take a candidate out of the line (waiting or called)."""

    entry_id: Id


class QueuePause(Strict):
    """Pause (nobody is called; candidates keep their places and may still join) or resume."""

    booth_id: Id
    paused: bool


MAX_QUESTION_CHARS = 500


class PresentationFollow(Strict):
    """Follow a booth's presentation (its booth page): `presentation.started`, `.ended` and
    `.viewers` events from now on. The reply says whether it is live now."""

    booth_id: Id


class PresentationPublish(Strict):
    """Go live (the booth's staff only): the browser's offer, with every ICE candidate gathered,
    goes to the relay process the booth is pinned to; the reply is the relay's answer."""

    booth_id: Id
    description: SessionDescription


class PresentationWatch(Strict):
    """Watch a live presentation (anyone who can see the booth): the reply is the relay's answer.
    With `audio_only` the relay forwards no video to this viewer (send the offer again, after
    `presentation.leave`, to switch)."""

    booth_id: Id
    description: SessionDescription
    audio_only: bool = False


class PresentationCandidate(Strict):
    """A late ICE candidate for this socket's peer at the relay (publishing or watching). Offers
    normally carry every candidate; the relay never trickles its own (its answer is complete)."""

    booth_id: Id
    candidate: IceCandidate


class PresentationLeave(Strict):
    """Stop watching (the presentation goes on); from the presenting socket, stop presenting
    (it ends for everyone, as when that socket closes)."""

    booth_id: Id


class PresentationEnd(Strict):
    """End the presentation for everyone (the booth's staff). Closing the presenter's socket or
    connection ends it too."""

    booth_id: Id


class PresentationQuestion(Strict):
    """A written question to the presenter (viewers watching on this socket). Not stored."""

    booth_id: Id
    text: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)


class PresentationHand(Strict):
    """Raise or lower your hand (viewers watching on this socket); the presenter sees it."""

    booth_id: Id
    raised: bool


COMMANDS: dict[str, type[Strict]] = {
    "session.hello": SessionHello,
    "fair.watch": FairWatch,
    "fair.unwatch": FairUnwatch,
    "booth.update": BoothUpdate,
    "interview.join": InterviewJoin,
    "interview.leave": InterviewLeave,
    "interview.end": InterviewEnd,
    "interview.media": InterviewMedia,
    "interview.chat": InterviewChat,
    "rtc.description": RtcDescription,
    "rtc.candidate": RtcCandidate,
    "queue.watch": QueueWatch,
    "queue.unwatch": QueueUnwatch,
    "queue.join": QueueJoin,
    "queue.leave": QueueLeave,
    "queue.answer": QueueAnswer,
    "queue.mine": QueueMine,
    "queue.console": QueueConsole,
    "queue.call_next": QueueCallNext,
    "queue.call": QueueCall,
    "queue.skip": QueueSkip,
    "queue.remove": QueueRemove,
    "queue.pause": QueuePause,
    "presentation.follow": PresentationFollow,
    "presentation.publish": PresentationPublish,
    "presentation.watch": PresentationWatch,
    "presentation.candidate": PresentationCandidate,
    "presentation.leave": PresentationLeave,
    "presentation.end": PresentationEnd,
    "presentation.question": PresentationQuestion,
    "presentation.hand": PresentationHand,
}


# Events the server pushes: payload models, keyed by event name.


class FairStatusChanged(Strict):
    """Pages show the status in their own language: the event carries only its code."""

    fair_id: int
    status: Literal["draft", "published", "live", "closed"]


class InterviewPresence(Strict):
    """Someone joined, dropped (`reconnecting`: their socket closed; back within 60 s resumes
    the same call) or left."""

    session_id: int
    user_id: int
    name: str
    role: Literal["candidate", "host", "guest"]
    state: Literal["joined", "reconnecting", "left"]
    device: str


class InterviewMediaChanged(Strict):
    session_id: int
    user_id: int
    muted: bool
    camera_off: bool
    audio_only: bool


class InterviewChatPosted(Strict):
    session_id: int
    message_id: int
    user_id: int
    name: str
    text: str
    sent_at: str


class InterviewMoved(Strict):
    """You joined this call on another connection (another window or device): this connection
    no longer takes part, and its media should stop. Joining here again moves the call back."""

    session_id: int


class InterviewEnded(Strict):
    """The call is over for everyone; signalling for it is refused from now on."""

    session_id: int
    state: Literal["ended", "no_show", "cancelled"]


class RtcDescriptionRelayed(Strict):
    session_id: int
    sender: int = Field(description="the sending participant's user id")
    description: SessionDescription


class RtcCandidateRelayed(Strict):
    session_id: int
    sender: int
    candidate: IceCandidate


QueueState = Literal["waiting", "called", "in_interview", "done", "left", "no_show", "removed"]


class QueuePosition(Strict):
    """A booth's line as one watcher sees it: how many wait, where you are (null when you are not
    in it, or when the fair hides positions), and an honest wait range in minutes (a range, never
    a promise: see docs/architecture.md for the method)."""

    booth_id: int
    open: bool
    paused: bool
    waiting: int
    position: int | None
    wait_min_low: int
    wait_min_high: int


class QueueEntryChanged(Strict):
    """Your own entry changed: you were called (answer before `answer_by`), your call lapsed, your
    interview opened (`session_id`), or you were removed. Sent to all your connections."""

    entry_id: int
    booth_id: int
    employer: str
    state: QueueState
    answer_by: str | None
    session_id: int | None
    no_shows: int


class QueueLineEntry(Strict):
    entry_id: int
    candidate_id: int
    name: str
    note: str
    vacancy: str | None
    state: QueueState
    position: int | None
    joined_at: str
    called_by: str | None
    called_by_id: int | None = Field(
        description="the caller's user id: their console opens the interview when it is accepted"
    )
    answer_by: str | None
    session_id: int | None
    no_shows: int
    busy_elsewhere: bool = Field(description="called or interviewing at another booth")
    cv_validated_at: str | None = Field(
        default=None, description="when a CPI validated the candidate's current CV, if it has"
    )


class QueueLine(Strict):
    """The line for a booth's staff: everyone called or interviewing, and the head of those
    waiting (the first `QUEUE_CONSOLE_ROWS`; `waiting` counts them all)."""

    booth_id: int
    paused: bool
    waiting: int
    wait_min_low: int
    wait_min_high: int
    entries: list[QueueLineEntry]


class QueueStats(Strict):
    """A booth's line in numbers, for the fair's organisers watching it (`fair.watch`)."""

    fair_id: int
    booth_id: int
    waiting: int
    called: int
    in_interview: int
    paused: bool
    wait_min_low: int
    wait_min_high: int


class PresentationStarted(Strict):
    """The booth went live: its page offers "Watch the presentation"."""

    booth_id: int
    max_viewers: int


class PresentationEnded(Strict):
    """The presentation is over for everyone (ended by its staff, or the presenter's connection
    dropped, or its relay process stopped); sockets forget it."""

    booth_id: int
    reason: Literal["ended", "publisher_left", "relay_stopped"]


class PresentationViewers(Strict):
    """How many watch now (sent when it changes, at most twice a second)."""

    booth_id: int
    viewers: int
    max_viewers: int


class PresentationQuestionAsked(Strict):
    """A viewer's question, to the booth's presenting sockets only."""

    booth_id: int
    user_id: int
    name: str
    text: str
    sent_at: str


class PresentationHandChanged(Strict):
    """A viewer raised or lowered their hand, to the booth's presenting sockets only."""

    booth_id: int
    user_id: int
    name: str
    raised: bool


EVENTS: dict[str, type[Strict]] = {
    "fair.status_changed": FairStatusChanged,
    "interview.presence": InterviewPresence,
    "interview.media": InterviewMediaChanged,
    "interview.chat": InterviewChatPosted,
    "interview.ended": InterviewEnded,
    "interview.moved": InterviewMoved,
    "rtc.description": RtcDescriptionRelayed,
    "rtc.candidate": RtcCandidateRelayed,
    "queue.position": QueuePosition,
    "queue.entry": QueueEntryChanged,
    "queue.line": QueueLine,
    "queue.stats": QueueStats,
    "presentation.started": PresentationStarted,
    "presentation.ended": PresentationEnded,
    "presentation.viewers": PresentationViewers,
    "presentation.question": PresentationQuestionAsked,
    "presentation.hand": PresentationHandChanged,
}


ERROR_CODES: dict[str, str] = {
    "protocol.invalid_json": "The frame is not a JSON object.",
    "protocol.too_large": "The frame is larger than the limit (64 KiB).",
    "protocol.invalid": "The envelope or the payload does not match the schema.",
    "protocol.unknown_type": "No command has this type.",
    "protocol.rate_limited": "Too many frames; slow down and retry.",
    "permission.denied": "The user may not do this.",
    "fair.not_found": "No such fair, or not visible to this user.",
    "booth.not_found": "No such booth, or not visible to this user.",
    "booth.invalid": "The change breaks a rule of the booth; the message says which.",
    "interview.not_found": "No such call, or you are not one of its participants.",
    "interview.closed": "The call has ended (or was cancelled); nothing more can be sent to it.",
    "interview.not_joined": "Join the call (interview.join) on this connection first.",
    "interview.full": "The call already has four participants.",
    "queue.not_found": "No such entry, or it is not yours (or no longer in the line).",
    "queue.closed": "The booth is not receiving candidates now (outside its hours, or the fair is not live).",
    "queue.already_joined": "You are already in this booth's line.",
    "queue.limit": "You already wait in the most lines one fair allows; leave one first.",
    "queue.invalid_vacancy": "That vacancy is not offered at this booth.",
    "queue.empty": "Nobody is waiting who can be called now.",
    "queue.paused": "The line is paused; resume it to call candidates.",
    "queue.call_expired": "The call was not answered in time; you keep or lose your place as the message says.",
    "queue.candidate_busy": "The candidate is being called or interviewed elsewhere; try again later.",
    "queue.not_waiting": "The entry is not waiting any more (called, interviewing, or out of the line).",
    "presentation.not_live": "The booth is not presenting now.",
    "presentation.already_live": "The booth is already presenting; end that presentation first.",
    "presentation.full": "The presentation has no room for more viewers; try again later.",
    "presentation.no_relay": "No relay process is running (or it did not answer); try again later.",
    "presentation.no_media": "The offer sends neither audio nor video.",
    "presentation.not_watching": "Watch (or present) the presentation on this connection first.",
    "server.error": "Unexpected failure; the server logged it.",
}


class ProtocolError(Exception):
    def __init__(self, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


# A request's id, near its start as clients write it ({"v": 1, "id": …}); JSON escapes aside.
_LEADING_ID = re.compile(r'"id"\s*:\s*"([^"\\]{1,64})"')
_ID_SEARCH_CHARS = 256


def frame_request_id(text: str) -> str | None:
    """The id of a frame refused unparsed (too large, too many), if its first characters name
    one: the client's request waits for a reply with its id. Only the start is searched, so a
    refusal costs the same whatever the frame's size."""
    found = _LEADING_ID.search(text, 0, _ID_SEARCH_CHARS)
    return found.group(1) if found else None


def _request_id(raw: Any) -> str | None:
    request_id = raw.get("id") if isinstance(raw, dict) else None
    return request_id if isinstance(request_id, str) else None


def parse_frame(text: str) -> tuple[Envelope, Strict]:
    """Turn one text frame into a checked envelope and its typed payload, or raise ProtocolError."""
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError("protocol.invalid_json", _("The frame is not valid JSON.")) from exc
    if not isinstance(raw, dict):
        raise ProtocolError("protocol.invalid_json", _("The frame must be a JSON object."))
    request_id = _request_id(raw)
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as exc:
        raise ProtocolError("protocol.invalid", _first_error(exc), request_id) from exc
    payload_model = COMMANDS.get(envelope.type)
    if payload_model is None:
        raise ProtocolError(
            "protocol.unknown_type",
            _("Unknown type %(type)r.") % {"type": envelope.type},
            request_id,
        )
    try:
        payload = payload_model.model_validate(envelope.data)
    except ValidationError as exc:
        raise ProtocolError("protocol.invalid", _first_error(exc), request_id) from exc
    return envelope, payload


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "frame"
    return f"{where}: {error['msg']}"


def event(name: str, payload: Strict) -> dict[str, Any]:
    """A server event ready to send, checked against its declared model."""
    if not isinstance(payload, EVENTS[name]):
        raise TypeError(f"{name} carries {EVENTS[name].__name__}, not {type(payload).__name__}")
    return ServerEvent(event=name, data=payload.model_dump(mode="json")).model_dump(mode="json")


def protocol_constants() -> dict[str, Any]:
    """What the browser client needs to know, served as JSON so it never drifts from here."""
    return {
        "version": PROTOCOL_VERSION,
        "signed_out_close_code": SIGNED_OUT_CLOSE_CODE,
        "commands": sorted(COMMANDS),
        "events": sorted(EVENTS),
        "errors": sorted(ERROR_CODES),
    }
