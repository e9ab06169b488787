from django.contrib import admin

from employers.models import Employer, SectorSection, Vacancy


@admin.register(SectorSection)
class SectorSectionAdmin(admin.ModelAdmin[SectorSection]):
    list_display = ["code", "classification", "label_en", "label_it"]
    list_filter = ["classification"]


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin[Employer]):
    list_display = ["legal_name", "vat_number", "sector"]
    search_fields = ["legal_name", "vat_number"]
    list_select_related = ["sector"]


@admin.register(Vacancy)
class VacancyAdmin(admin.ModelAdmin[Vacancy]):
    list_display = ["title", "employer", "occupation_isco", "place", "expires_on", "source"]
    list_filter = ["source", "sector"]
    search_fields = ["title", "source_ref"]
    list_select_related = ["employer"]
