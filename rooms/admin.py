from django.contrib import admin

from rooms.models import Attendance, Booth, Fair, InterviewSession, Participant, QueueEntry


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
