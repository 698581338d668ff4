from django.contrib import admin

from discussions.models import Like, LikeTally, Reply, Thread


class ReadMostlyAdmin(admin.ModelAdmin):
    """Posts change through services (screening, notifications); the admin reads.
    Visibility is decided in the moderation queue, not here."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Thread)
class ThreadAdmin(ReadMostlyAdmin):
    list_display = (
        "title",
        "author",
        "content_type",
        "object_id",
        "created_at",
        "is_visible",
        "is_pinned",
        "is_locked",
        "like_count",
        "deleted_at",
    )
    list_filter = ("is_visible", "is_pinned", "is_locked", "content_type")
    search_fields = ("title", "body", "author__email")
    raw_id_fields = ("author",)
    readonly_fields = (
        "content_type",
        "object_id",
        "author",
        "title",
        "body",
        "created_at",
        "edited_at",
        "deleted_at",
        "is_visible",
        "is_pinned",
        "is_locked",
        "like_count",
    )


@admin.register(Reply)
class ReplyAdmin(ReadMostlyAdmin):
    list_display = (
        "__str__",
        "author",
        "thread",
        "created_at",
        "is_visible",
        "like_count",
        "deleted_at",
    )
    list_filter = ("is_visible",)
    search_fields = ("body", "author__email")
    readonly_fields = (
        "thread",
        "parent",
        "in_reply_to",
        "author",
        "body",
        "created_at",
        "edited_at",
        "deleted_at",
        "is_visible",
        "like_count",
        "notified_at",
    )


@admin.register(Like)
class LikeAdmin(ReadMostlyAdmin):
    list_display = ("user", "content_type", "object_id", "created_at")
    readonly_fields = ("user", "content_type", "object_id", "created_at")


@admin.register(LikeTally)
class LikeTallyAdmin(ReadMostlyAdmin):
    list_display = ("content_type", "object_id", "count")
    readonly_fields = ("content_type", "object_id", "count")
