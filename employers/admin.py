from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from employers.models import Comune, Employer, SectorSection, SyncRejection, SyncRun, Vacancy


@admin.register(SectorSection)
class SectorSectionAdmin(admin.ModelAdmin[SectorSection]):
    list_display = ["code", "classification", "label_en", "label_it"]
    list_filter = ["classification"]


@admin.register(Comune)
class ComuneAdmin(admin.ModelAdmin[Comune]):
    """Read from ISTAT's file by `manage.py load_comuni`: looked up, not edited here."""

    list_display = [
        "istat_code", "belfiore_code", "name", "name_other", "province_abbreviation",
        "region_name", "nuts3", "current",
    ]  # fmt: skip
    list_filter = ["current", "region_name"]
    search_fields = ["istat_code", "belfiore_code", "name", "name_other"]
    readonly_fields = [field.name for field in Comune._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin[Employer]):
    list_display = ["legal_name", "vat_number", "sector"]
    search_fields = ["legal_name", "vat_number"]
    list_select_related = ["sector"]


@admin.register(Vacancy)
class VacancyAdmin(admin.ModelAdmin[Vacancy]):
    list_display = ["title", "employer", "status", "occupation_isco", "expires_on", "source"]
    list_filter = ["source", "status", "sector"]
    search_fields = ["title", "source_ref"]
    list_select_related = ["employer"]


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin[SyncRun]):
    list_display = [
        "started_at", "source", "mode", "status", "created", "updated", "closed", "expired",
        "rejected", "watermark_to", "duration",
    ]  # fmt: skip
    list_filter = ["source", "mode", "status"]
    # A run can refuse thousands of records: they are listed, paged, under rejected records.
    readonly_fields = [*(field.name for field in SyncRun._meta.fields), "rejected_records"]

    @admin.display(description=_("rejected records"))
    def rejected_records(self, run: SyncRun) -> str:
        url = reverse("admin:employers_syncrejection_changelist") + f"?run__exact={run.pk}"
        return format_html('<a href="{}">{}</a>', url, run.rejected)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SyncRejection)
class SyncRejectionAdmin(admin.ModelAdmin[SyncRejection]):
    list_display = ["run", "source_ref", "reason", "message"]
    list_filter = ["reason", "run__source"]
    search_fields = ["source_ref"]
    readonly_fields = ["run", "source_ref", "reason", "message", "payload"]
