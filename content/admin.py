"""Staff pages for lessons and articles. A staff correction of the text is screened
and recorded as a revision, like an edit in the studio; publication, paywall and
visibility change through the creator's studio and the moderation queue, so they are
read-only here, as are the records services keep (revisions, assets, progress)."""

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from accounts.models import User
from content import services
from content.models import Article, Asset, Lesson, LessonProgress, Revision, Section
from core.admin import ReadOnlyAdmin, ServiceWritesAdmin
from moderation.services import content_screen

# What staff may correct here; the rest goes through the studio's services.
TEXT_FIELDS = ("title", "slug", "summary", "body")
SERVICE_FIELDS = ("status", "publish_at", "published_at", "access", "required_tier")


class ContentItemAdmin(ServiceWritesAdmin):
    def save_model(
        self, request: HttpRequest, obj: Lesson | Article, form: ModelForm, change: bool
    ) -> None:
        assert isinstance(request.user, User)  # the admin site lets only staff in
        super().save_model(request, obj, form, change)
        changed = set(form.changed_data)
        if change and {"title", "body"} & changed:
            services.revision_record_staff_edit(user=request.user, item=obj)
        if change and {"title", "summary", "body"} & changed:
            content_screen(obj=obj)  # refused text rolls the whole save back

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # creators write in the studio (owner checks, paywall rules)


@admin.register(Lesson)
class LessonAdmin(ContentItemAdmin):
    list_display = ("title", "course", "status", "access", "is_visible", "publish_at")
    list_filter = ("status", "access", "is_visible")
    search_fields = ("title", "slug")
    fields = ("course", "section", "position", *TEXT_FIELDS, *SERVICE_FIELDS, "author",
              "revision", "is_visible")  # fmt: skip
    # The section must be one of the course's (services.item_update checks it).
    readonly_fields = ("course", "section", *SERVICE_FIELDS, "author", "revision", "is_visible")


@admin.register(Article)
class ArticleAdmin(ContentItemAdmin):
    list_display = ("title", "channel", "status", "access", "is_visible", "publish_at")
    list_filter = ("status", "access", "is_visible")
    search_fields = ("title", "slug")
    fields = ("channel", *TEXT_FIELDS, *SERVICE_FIELDS, "author", "revision", "is_visible")
    readonly_fields = ("channel", *SERVICE_FIELDS, "author", "revision", "is_visible")


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "lesson", "article", "author", "created_at")
    list_select_related = ("lesson", "article", "author")


admin.site.register(Section, ReadOnlyAdmin)
admin.site.register(Asset, ReadOnlyAdmin)
admin.site.register(LessonProgress, ReadOnlyAdmin)
