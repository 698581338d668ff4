from django.contrib import admin

from recommend.models import Event, RecommendationList, VariantDailyStat


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "item_kind", "item_id", "value", "variant")
    list_filter = ("kind", "item_kind", "variant")
    raw_id_fields = ("user",)
    date_hierarchy = "created_at"


@admin.register(RecommendationList)
class RecommendationListAdmin(admin.ModelAdmin):
    list_display = ("user", "variant", "algorithm", "created_at", "last_event_id")
    list_filter = ("variant", "algorithm")
    raw_id_fields = ("user",)


@admin.register(VariantDailyStat)
class VariantDailyStatAdmin(admin.ModelAdmin):
    list_display = ("day", "variant", "impressions", "clicks")
    list_filter = ("variant",)
