from django.contrib import admin

from rooms.models import (
    Attendance,
    Booking,
    BookingWindow,
    Booth,
    Fair,
    InterviewSession,
    Invitation,
    Notification,
    Participant,
    QueueEntry,
    Slot,
    WaitlistEntry,
)


class BoothInline(admin.TabularInline[Booth, Fair]):
    model = Booth
    extra = 0
    fields = ["employer", "headline", "opens_at", "closes_at"]


@admin.register(Fair)
class FairAdmin(admin.ModelAdmin[Fair]):
    list_display = ["title", "status", "region", "starts_at", "ends_at", "organiser"]
    list_filter = ["status", "region"]
    search_fields = ["title"]
    inlines = [BoothInline]
    filter_horizontal = ["sectors"]


@admin.register(Booth)
class BoothAdmin(admin.ModelAdmin[Booth]):
    list_display = ["employer", "fair"]
    list_filter = ["fair"]
    filter_horizontal = ["staff", "vacancies"]


class ParticipantInline(admin.TabularInline[Participant, InterviewSession]):
    model = Participant
    extra = 0


class AttendanceInline(admin.TabularInline[Attendance, InterviewSession]):
    model = Attendance
    extra = 0
    readonly_fields = ["user", "joined_at", "left_at", "device"]
    can_delete = False


@admin.register(InterviewSession)
class InterviewSessionAdmin(admin.ModelAdmin[InterviewSession]):
    list_display = ["pk", "kind", "state", "booth", "created_at", "started_at", "ended_at"]
    list_filter = ["kind", "state"]
    inlines = [ParticipantInline, AttendanceInline]


@admin.register(QueueEntry)
class QueueEntryAdmin(admin.ModelAdmin[QueueEntry]):
    list_display = ["candidate", "booth", "state", "no_shows", "created_at"]
    list_filter = ["state", "booth__fair"]
    list_select_related = ["candidate", "booth__employer"]


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin[Slot]):
    list_display = ["starts_at", "ends_at", "state", "mode", "booth", "office", "host"]
    list_filter = ["state", "mode", "fair"]
    list_select_related = ["booth__employer", "booth__fair", "office", "host"]
    raw_id_fields = ["booth", "office", "vacancy", "host"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin[Booking]):
    list_display = ["candidate", "slot", "state", "sequence", "created_at"]
    list_filter = ["state", "slot__fair"]
    list_select_related = ["candidate", "slot"]
    raw_id_fields = ["slot", "candidate", "invitation", "interview", "cancelled_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ["candidate", "booth", "vacancy", "expires_at"]
    raw_id_fields = ["booth", "candidate", "vacancy", "invited_by"]


@admin.register(BookingWindow)
class BookingWindowAdmin(admin.ModelAdmin[BookingWindow]):
    list_display = ["booth", "opens_at", "quota_per_candidate", "drawn_at"]
    raw_id_fields = ["booth"]


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin[WaitlistEntry]):
    list_display = ["candidate", "booth", "vacancy", "state", "created_at"]
    list_filter = ["state"]
    raw_id_fields = ["booth", "candidate", "vacancy", "booking"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    """Where staff see failed messages and why (the provider's last error)."""

    list_display = ["booking", "kind", "channel", "state", "attempts", "due_at", "last_error"]
    list_filter = ["state", "channel", "kind"]
    raw_id_fields = ["booking"]
    readonly_fields = ["attempts", "last_error", "provider_id", "sent_at"]
