"""Posts change through services (screening, notifications) and their visibility in
the moderation queue: here staff only read."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from discussions.models import Like, LikeTally, Reply, Thread


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdmin):
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
    list_select_related = ("author", "content_type")


@admin.register(Reply)
class ReplyAdmin(ReadOnlyAdmin):
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
    list_select_related = ("author", "thread")


@admin.register(Like)
class LikeAdmin(ReadOnlyAdmin):
    list_display = ("user", "content_type", "object_id", "created_at")
    list_select_related = ("user", "content_type")


@admin.register(LikeTally)
class LikeTallyAdmin(ReadOnlyAdmin):
    list_display = ("content_type", "object_id", "count")
    list_select_related = ("content_type",)
