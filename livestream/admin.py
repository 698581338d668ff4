"""Live sessions and their rooms in the admin. Room history is read-only here: admin
actions go through livestream.services, so every change reaches open rooms too."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from livestream import services
from livestream.models import LiveSession, RoomEvent, RoomQuestion, RoomSanction


@admin.register(LiveSession)
class LiveSessionAdmin(admin.ModelAdmin):
    list_display = (
        "title", "channel", "scheduled_start", "status", "access", "sequence__last_seq",
    )  # fmt: skip
    list_filter = ("status", "access")
    search_fields = ("title", "channel__title")
    list_select_related = ("channel", "sequence")
    raw_id_fields = ("channel", "course", "required_tier")
    readonly_fields = ("status", "started_at", "ended_at", "last_seq")


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _report(modeladmin, request, done: int, failures: list[str]) -> None:
    if done:
        modeladmin.message_user(request, f"{done} done.", messages.SUCCESS)
    for failure in failures:
        modeladmin.message_user(request, failure, messages.ERROR)


@admin.register(RoomEvent)
class RoomEventAdmin(_ReadOnly):
    list_display = ("session", "seq", "kind", "author", "created_at", "deleted_at")
    list_filter = ("kind",)
    search_fields = ("session__title", "author__email", "payload")
    list_select_related = ("session", "author")
    actions = ["delete_messages"]

    @admin.action(description="Delete the selected chat messages (in the room too)")
    def delete_messages(self, request, queryset):
        done, failures = 0, []
        for event in queryset.filter(kind=RoomEvent.Kind.CHAT).select_related("session"):
            try:
                services.message_delete(session=event.session, user=request.user, seq=event.seq)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                failures.append(f"#{event.seq}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        _report(self, request, done, failures)


@admin.register(RoomQuestion)
class RoomQuestionAdmin(_ReadOnly):
    list_display = ("text", "session", "author", "status", "pinned", "votes", "created_at")
    list_filter = ("status", "pinned")
    search_fields = ("text", "author__email", "session__title")
    list_select_related = ("session", "author")


@admin.register(RoomSanction)
class RoomSanctionAdmin(_ReadOnly):
    list_display = ("user", "kind", "session", "expires_at", "lifted_at", "created_by", "reason")
    list_filter = ("kind",)
    search_fields = ("user__email", "session__title", "reason")
    list_select_related = ("user", "session", "created_by")
    actions = ["lift"]

    @admin.action(description="Lift the selected sanctions")
    def lift(self, request, queryset):
        done, failures = 0, []
        for sanction in queryset.filter(lifted_at__isnull=True).select_related("session"):
            try:
                done += bool(
                    services.sanction_lift(
                        session=sanction.session, by=request.user, user_id=sanction.user_id,
                        kind=sanction.kind,
                    )
                )  # fmt: skip
            except (ValidationError, PermissionDenied) as exc:
                failures.append(" ".join(getattr(exc, "messages", [str(exc)])))
        _report(self, request, done, failures)
