"""A candidate's rights over their data: a copy of everything we hold (GDPR art. 15 and 20) and
erasure of the account (art. 17). They span every app, so they live apart from the CV services,
which rooms itself depends on."""

import json
import tempfile
import zipfile
from datetime import datetime
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import Perm, require
from candidates.models import CandidateProfile, CVVersion
from candidates.services import delete_files_on_commit
from fairplatform.audit import audit_record
from fairplatform.errors import DomainError
from rooms.agenda import bookings_release_for_erasure
from rooms.models import (
    Attendance,
    Booking,
    ChatMessage,
    InterviewSession,
    Invitation,
    Notification,
    Participant,
    QueueEntry,
    WaitlistEntry,
)
from rooms.queues import queue_leave

# Archives up to this size stay in memory; larger ones spill to a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024


def candidate_export(*, actor: User, profile: CandidateProfile) -> IO[bytes]:
    """A ZIP: data.json (account, profile, consents, shares, CV versions with their reports and
    access log, queue entries, interviews and what they wrote in their chats, invitations,
    bookings, waitlists, messages sent to them) and every stored CV file and photo."""
    require(actor, Perm.CV_MANAGE, profile)
    user = profile.user
    versions = list(
        profile.cv_versions.order_by("number").prefetch_related(
            "accesses__user__memberships__organisation"
        )
    )
    data = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "full_name": user.full_name,
            "email": user.email,
            "phone": user.phone,
            "preferred_language": user.preferred_language,
            "joined": user.date_joined.isoformat(),
        },
        "profile": {
            "region": profile.region,
            "languages": profile.languages,
            "preferred_channel": profile.preferred_channel,
            "photo": "photo.png" if profile.photo else None,
        },
        "consents": [
            {
                "purpose": c.purpose,
                "granted": c.granted,
                "notice_version": c.notice_version,
                "recorded_at": c.recorded_at.isoformat(),
            }
            for c in profile.consents.order_by("recorded_at")
        ],
        "cv_shares": [
            {
                "employer": s.employer.legal_name,
                "context": s.context,
                "granted_at": s.granted_at.isoformat(),
                "withdrawn_at": s.withdrawn_at and s.withdrawn_at.isoformat(),
            }
            for s in profile.cv_shares.select_related("employer").order_by("granted_at")
        ],
        "cv_versions": [_version(v, user) for v in versions],
        "queue_entries": [
            {
                "fair": e.booth.fair.title,
                "employer": e.booth.employer.legal_name,
                "state": e.state,
                "joined_at": e.created_at.isoformat(),
                "called_at": e.called_at and e.called_at.isoformat(),
                "note": e.note,
            }
            for e in QueueEntry.objects.filter(candidate=user)
            .select_related("booth__fair", "booth__employer")
            .order_by("created_at")
        ],
        "interviews": _interviews(user),
        **_agenda(user),
    }
    archive = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  (returned open)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for version in versions:
            with version.file.open("rb") as stored:
                zipped.writestr(_file_name(version), stored.read())
        if profile.photo:
            with profile.photo.open("rb") as stored:
                zipped.writestr("photo.png", stored.read())
    archive.seek(0)
    audit_record(actor=actor, action="candidates.data.exported", obj=profile)
    return archive


def _file_name(version: CVVersion) -> str:
    return f"cv/v{version.number}-{version.download_name}"


def _version(version: CVVersion, owner: User) -> dict[str, Any]:
    return {
        "number": version.number,
        "file": _file_name(version),
        "original_name": version.original_name,
        "kind": version.kind,
        "size": version.size,
        "sha256": version.sha256,
        "uploaded_at": version.uploaded_at.isoformat(),
        "state": version.state,
        "structured": version.structured,
        "report": version.report,
        "identity_method": version.identity_method,
        "qualification_checks": version.qualification_checks,
        "reviewed_at": version.reviewed_at and version.reviewed_at.isoformat(),
        "review_note": version.review_note,
        "access_log": [
            {"at": a.at.isoformat(), "via": a.via, "by": _who(a.user, owner)}
            for a in version.accesses.all()
        ],
    }


def _who(user: User | None, owner: User) -> str:
    """The candidate sees which organisation read their CV; staff names stay with the office."""
    if user is None:
        return str(_("a deleted account"))
    if user.pk == owner.pk:
        return str(_("you"))
    return ", ".join(sorted({m.organisation.name for m in user.memberships.all()})) or str(
        _("platform staff")
    )


def _interviews(user: User) -> list[dict[str, Any]]:
    seats = Participant.objects.filter(user=user).select_related("session__booth__employer")
    stretches: dict[int, list[dict[str, Any]]] = {}
    for a in Attendance.objects.filter(user=user).order_by("joined_at"):
        stretches.setdefault(a.session_id, []).append(
            {
                "joined_at": a.joined_at.isoformat(),
                "left_at": a.left_at and a.left_at.isoformat(),
                "device": a.device,
            }
        )
    return [
        {
            "kind": seat.session.kind,
            "employer": seat.session.booth.employer.legal_name if seat.session.booth else None,
            "state": seat.session.state,
            "role": seat.role,
            "created_at": seat.session.created_at.isoformat(),
            "attendance": stretches.get(seat.session_id, []),
        }
        for seat in seats.order_by("session__created_at")
    ]


def _agenda(user: User) -> dict[str, list[dict[str, Any]]]:
    def when(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "invitations": [
            {
                "with": i.booth.employer.legal_name,
                "fair": i.booth.fair.title,
                "vacancy": i.vacancy and i.vacancy.title,
                "invited_at": when(i.created_at),
                "expires_at": when(i.expires_at),
            }
            for i in Invitation.objects.filter(candidate=user)
            .select_related("booth__employer", "booth__fair", "vacancy")
            .order_by("created_at")
        ],
        "bookings": [
            {
                "with": b.slot.counterpart_name,
                "fair": b.slot.fair.title,
                "starts_at": when(b.slot.starts_at),
                "ends_at": when(b.slot.ends_at),
                "mode": b.slot.mode,
                "place": b.slot.place,
                "state": b.state,
                "booked_at": when(b.created_at),
                "cancelled_at": when(b.cancelled_at),
            }
            for b in Booking.objects.filter(candidate=user)
            .select_related("slot__fair", "slot__booth__employer", "slot__office")
            .order_by("slot__starts_at")
        ],
        "waitlists": [
            {
                "with": w.booth.employer.legal_name,
                "fair": w.booth.fair.title,
                "state": w.state,
                "joined_at": when(w.created_at),
            }
            for w in WaitlistEntry.objects.filter(candidate=user)
            .select_related("booth__employer", "booth__fair")
            .order_by("created_at")
        ],
        "messages_sent_to_you": [
            {
                "kind": n.kind,
                "channel": n.channel,
                "state": n.state,
                "due_at": when(n.due_at),
                "sent_at": when(n.sent_at),
            }
            for n in Notification.objects.filter(booking__candidate=user).order_by("due_at", "pk")
        ],
        "chat_messages_you_wrote": [
            {"interview_started": when(m.session.created_at), "at": when(m.sent_at), "text": m.text}
            for m in ChatMessage.objects.filter(author=user).select_related("session")
        ],
    }


@transaction.atomic
def candidate_erase(*, actor: User, profile: CandidateProfile) -> None:
    """Delete the account and everything personal hanging from it, files included. The audit
    line keeps only the account's number; audit lines the person wrote lose their author."""
    require(actor, Perm.CV_MANAGE, profile)
    user = User.objects.select_for_update().get(pk=profile.user_id)
    if user.memberships.exists():
        raise DomainError(
            "account.staff",
            _("This account also works for an organisation: ask its administrator to close it."),
        )
    in_call = Participant.objects.filter(
        user=user, session__state__in=InterviewSession.OPEN_STATES
    ).exists()
    if in_call or user.queue_entries.filter(state=QueueEntry.State.IN_INTERVIEW).exists():
        raise DomainError(
            "account.in_interview",
            _("You are in an interview now. Delete your account after it ends."),
        )
    # Through the queue service, so recruiters' consoles and the others' places update.
    for entry in user.queue_entries.filter(state__in=QueueEntry.ACTIVE_STATES):
        queue_leave(actor=user, entry_id=entry.pk)
    # Deleting the rows would leave their slots taken by nobody.
    bookings_release_for_erasure(user=user, now=timezone.now())
    files = [v.file.name for v in profile.cv_versions.only("file")]
    files += [name for name in (profile.photo.name, profile.photo_thumbnail.name) if name]
    audit_record(actor=None, action="accounts.account.erased", obj=user, files=len(files))
    delete_files_on_commit(files)
    user.delete()
