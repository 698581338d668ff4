from django.contrib import admin

from content import services
from content.models import Article, Asset, Lesson, LessonProgress, Revision, Section


class ContentItemAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"title", "body"} & set(form.changed_data):
            services.revision_record_staff_edit(user=request.user, item=obj)


@admin.register(Lesson)
class LessonAdmin(ContentItemAdmin):
    list_display = ("title", "course", "status", "access", "is_visible", "publish_at")
    list_filter = ("status", "access", "is_visible")
    search_fields = ("title", "slug")
    raw_id_fields = ("course", "section", "required_tier", "author", "revision")
    readonly_fields = ("is_visible",)


@admin.register(Article)
class ArticleAdmin(ContentItemAdmin):
    list_display = ("title", "channel", "status", "access", "is_visible", "publish_at")
    list_filter = ("status", "access", "is_visible")
    search_fields = ("title", "slug")
    raw_id_fields = ("channel", "required_tier", "author", "revision")
    readonly_fields = ("is_visible",)


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "lesson", "article", "author", "created_at")
    raw_id_fields = ("lesson", "article", "author", "restored_from")


admin.site.register(Section)
admin.site.register(Asset)
admin.site.register(LessonProgress)
