"""Paid questions in the admin: to look, not to move money.

Questions, answers, quotes and unlocks are money records (their amounts, fees and
statuses follow ledger postings), so every field is read-only and nothing is added
or deleted by hand; visibility is decided in the moderation queue, which calls the
services. An expert's terms are changed through `expert_settings_update`, the same
service the site uses; the price and currency stay as the expert set them.
"""

from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin
from qa import services
from qa.models import Answer, ExpertSettings, Question, Quote, Unlock


@admin.register(ExpertSettings)
class ExpertSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "enabled", "base_price", "currency", "answer_hours", "answered_count")
    list_filter = ("enabled", "currency")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    fields = (
        "user", "enabled", "answer_hours", "base_price", "currency", "answered_count",
        "missed_count", "rating_count", "rating_sum", "response_seconds_total", "updated_at",
    )  # fmt: skip
    readonly_fields = tuple(f for f in fields if f not in ("enabled", "answer_hours"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # an expert's terms start on the site, where the rules apply

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ExpertSettings, form: ModelForm, change: bool
    ) -> None:
        services.expert_settings_update(
            user=obj.user,
            enabled=obj.enabled,
            base_price=obj.base_price,
            currency=obj.currency,
            answer_hours=obj.answer_hours,
        )


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ("id", "asker", "expert", "amount", "currency", "status", "created_at")
    list_filter = ("status", "currency", "is_visible")
    search_fields = ("asker__email", "expert__email", "text")
    list_select_related = ("asker", "expert")


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ("id", "question", "is_visible", "created_at")
    list_filter = ("is_visible",)


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ("id", "asker", "expert", "amount", "currency", "created_at", "expires_at")
    list_select_related = ("asker", "expert")


@admin.register(Unlock)
class UnlockAdmin(ReadOnlyAdmin):
    list_display = ("id", "question", "user", "amount", "currency", "fee", "created_at")
    list_select_related = ("user",)
