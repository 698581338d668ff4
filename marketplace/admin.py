from django.contrib import admin

from marketplace.models import Category, Channel, Course, CreatorProfile, SubscriptionTier, Tag


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_en", "name_zh", "position")
    list_editable = ("position",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)


@admin.register(CreatorProfile)
class CreatorProfileAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "is_verified", "created_at")
    list_filter = ("is_verified",)
    search_fields = ("display_name", "user__email")
    raw_id_fields = ("user",)
    autocomplete_fields = ("topics",)


class SubscriptionTierInline(admin.TabularInline):
    model = SubscriptionTier
    extra = 0


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("title", "creator", "category", "status", "published_at")
    list_filter = ("status", "category", "language")
    search_fields = ("title", "creator__display_name")
    list_select_related = ("creator", "category")
    raw_id_fields = ("creator",)
    autocomplete_fields = ("tags",)
    inlines = [SubscriptionTierInline]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "channel", "category", "price_amount", "currency", "status")
    list_filter = ("status", "category", "level", "language")
    search_fields = ("title", "channel__title")
    list_select_related = ("channel", "category")
    raw_id_fields = ("channel",)
    autocomplete_fields = ("tags",)
