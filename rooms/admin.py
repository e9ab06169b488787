from django.contrib import admin

from rooms.models import Booth, Fair


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
