from django.contrib import admin
from django.http import HttpRequest

from candidates.models import CandidateProfile, ConsentRecord, CVAccess, CVShare, CVVersion


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


@admin.register(CVVersion)
class CVVersionAdmin(admin.ModelAdmin[CVVersion]):
    """Read-only: files and reports change only through the services, which audit them."""

    list_display = ["profile", "number", "kind", "state", "uploaded_at"]
    list_filter = ["state", "kind"]
    search_fields = ["profile__user__full_name", "profile__user__email", "sha256"]
    exclude = ["file", "text"]
    readonly_fields = [
        "profile",
        "number",
        "original_name",
        "kind",
        "size",
        "sha256",
        "state",
        "structured",
        "report",
        "identity_method",
        "qualification_checks",
        "reviewed_by",
        "reviewed_at",
        "review_note",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(CVAccess)
class CVAccessAdmin(admin.ModelAdmin[CVAccess]):
    list_display = ["at", "user", "version", "via"]
    list_select_related = ["user", "version__profile__user"]
    readonly_fields = ["version", "user", "at", "via"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CVAccess | None = None) -> bool:
        return False


@admin.register(CVShare)
class CVShareAdmin(admin.ModelAdmin[CVShare]):
    list_display = ["profile", "employer", "context", "granted_at", "withdrawn_at"]
    list_filter = ["context"]
    readonly_fields = ["profile", "employer", "context", "granted_at", "withdrawn_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
