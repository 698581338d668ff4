from django.contrib import admin

from livestream.models import LiveSession


@admin.register(LiveSession)
class LiveSessionAdmin(admin.ModelAdmin):
    list_display = ("title", "channel", "scheduled_start", "status")
    list_filter = ("status",)
    search_fields = ("title", "channel__title")
    list_select_related = ("channel",)
    raw_id_fields = ("channel", "course")
