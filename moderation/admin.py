from django.contrib import admin

from moderation.models import BlockedTerm


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    list_display = ("term", "mode", "action", "active", "note", "created_at")
    list_editable = ("mode", "action", "active")
    list_filter = ("mode", "action", "active")
    search_fields = ("term", "note")
