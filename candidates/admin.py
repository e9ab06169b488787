from django.contrib import admin

from candidates.models import CandidateProfile, ConsentRecord


class ConsentInline(admin.TabularInline[ConsentRecord, CandidateProfile]):
    model = ConsentRecord
    extra = 0
    readonly_fields = ["purpose", "granted", "notice_version", "recorded_at"]
    can_delete = False


@admin.register(CandidateProfile)
class CandidateProfileAdmin(admin.ModelAdmin[CandidateProfile]):
    list_display = ["user", "region", "preferred_channel"]
    search_fields = ["user__full_name", "user__email", "user__phone"]
    inlines = [ConsentInline]
