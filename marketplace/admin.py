"""Staff pages for the catalogue. Edits of creators, channels, courses and tags go
through the same services as the studio (validation, screening, creator rules);
what no service changes from here is read-only: prices (money), the verified badge
(moderators decide it through an expert verification) and moderation's visibility."""

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from core.admin import ServiceWritesAdmin
from marketplace import services
from marketplace.models import Category, Channel, Course, CreatorProfile, SubscriptionTier, Tag


def _service_fields(form: ModelForm, names: tuple[str, ...]) -> dict[str, Any]:
    """The form's values for a service call; tags and topics go by name."""
    data = {name: form.cleaned_data[name] for name in names}
    for m2m in {"tags", "topics"} & set(names):
        data[m2m] = [tag.name for tag in data[m2m]]
    return data


# What the studio's services take; the rest of a channel or course is read-only here.
CHANNEL_FIELDS = ("title", "slug", "tagline", "description", "category", "language", "tags",
                  "status")  # fmt: skip
COURSE_FIELDS = ("title", "slug", "summary", "description", "category", "level", "language",
                 "tags", "status")  # fmt: skip


class ServiceSavedAdmin(ServiceWritesAdmin):
    """`save_model` calls a service that also sets the many-to-many fields, so the
    form does not save them again; deleting is not offered (no service deletes)."""

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: list[BaseInlineFormSet], change: bool
    ) -> None:
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_en", "name_zh", "position")
    list_editable = ("position",)


@admin.register(Tag)
class TagAdmin(ServiceWritesAdmin):
    """A new tag is public at once, so it is screened (services.tags_get_or_create);
    an existing tag's name is not edited here."""

    list_display = ("name", "slug")
    search_fields = ("name",)
    fields = ("name",)

    def get_readonly_fields(self, request: HttpRequest, obj: Tag | None = None) -> tuple[str, ...]:
        return ("name", "slug") if obj is not None else ()

    def get_fields(self, request: HttpRequest, obj: Tag | None = None) -> tuple[str, ...]:
        return ("name", "slug") if obj is not None else ("name",)

    def save_model(self, request: HttpRequest, obj: Tag, form: ModelForm, change: bool) -> None:
        if change:
            return
        (tag,) = services.tags_get_or_create(names=[form.cleaned_data["name"]])
        obj.pk, obj.slug = tag.pk, tag.slug


@admin.register(CreatorProfile)
class CreatorProfileAdmin(ServiceSavedAdmin):
    list_display = ("display_name", "user", "is_verified", "created_at")
    list_filter = ("is_verified",)
    search_fields = ("display_name", "user__email")
    raw_id_fields = ("user",)
    autocomplete_fields = ("topics",)
    fields = ("user", "display_name", "headline", "bio", "topics", "slug", "is_verified")

    def get_readonly_fields(
        self, request: HttpRequest, obj: CreatorProfile | None = None
    ) -> tuple[str, ...]:
        return ("user", "slug", "is_verified") if obj is not None else ("slug", "is_verified")

    def save_model(
        self, request: HttpRequest, obj: CreatorProfile, form: ModelForm, change: bool
    ) -> None:
        fields = _service_fields(form, ("display_name", "headline", "bio", "topics"))
        if change:
            services.creator_update(creator=obj, **fields)
        else:
            obj.pk = services.creator_become(user=form.cleaned_data["user"], **fields).pk


class SubscriptionTierInline(admin.TabularInline):
    """Read-only: tiers carry prices, which change only in the creator studio."""

    model = SubscriptionTier
    extra = 0
    can_delete = False
    fields = ("name", "price_amount", "currency", "benefits", "is_active", "position")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Channel)
class ChannelAdmin(ServiceSavedAdmin):
    list_display = ("title", "creator", "category", "status", "published_at")
    list_filter = ("status", "category", "language")
    search_fields = ("title", "creator__display_name")
    list_select_related = ("creator", "category")
    raw_id_fields = ("creator",)
    autocomplete_fields = ("tags",)
    inlines = [SubscriptionTierInline]
    fields = ("creator", *CHANNEL_FIELDS, "published_at", "hidden_by_moderation")

    def get_readonly_fields(
        self, request: HttpRequest, obj: Channel | None = None
    ) -> tuple[str, ...]:
        always = ("published_at", "hidden_by_moderation")
        return ("creator", *always) if obj is not None else always

    def save_model(self, request: HttpRequest, obj: Channel, form: ModelForm, change: bool) -> None:
        fields = _service_fields(form, CHANNEL_FIELDS)
        if change:
            services.channel_update(channel=obj, **fields)
        else:
            obj.pk = services.channel_create(creator=form.cleaned_data["creator"], **fields).pk


@admin.register(Course)
class CourseAdmin(ServiceSavedAdmin):
    """Courses are created in the studio (a new one needs a price, read-only here)."""

    list_display = ("title", "channel", "category", "price_amount", "currency", "status")
    list_filter = ("status", "category", "level", "language")
    search_fields = ("title", "channel__title")
    list_select_related = ("channel", "category")
    autocomplete_fields = ("tags",)
    fields = (
        "channel",
        *COURSE_FIELDS,
        "price_amount",
        "currency",
        "published_at",
        "hidden_by_moderation",
    )
    readonly_fields = (
        "channel",
        "price_amount",
        "currency",
        "published_at",
        "hidden_by_moderation",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Course, form: ModelForm, change: bool) -> None:
        services.course_update(
            course=obj,
            **_service_fields(form, COURSE_FIELDS),
            price_amount=obj.price_amount,  # read-only here: prices change in the studio
            currency=obj.currency,
        )
