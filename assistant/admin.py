"""The assistant in the admin: the help-centre CMS, support tickets (staff reply here:
the learner sees the status, gets an e-mail and a notification), the questions asked
(label their intent, mark an answer canonical), and the knowledge index (read only)."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from assistant.intents import INTENTS
from assistant.models import (
    AssistantQuestion,
    CanonicalAnswer,
    HelpArticle,
    IntentExample,
    KnowledgeItem,
    SupportTicket,
)
from assistant.services import support
from core.admin import ReadOnlyAdmin, ServiceWritesAdmin


@admin.register(HelpArticle)
class HelpArticleAdmin(admin.ModelAdmin):
    # A help article is staff's own text (not user content): saved as is; the index
    # picks it up on commit (assistant/listeners.py).
    list_display = ["title", "topic", "is_published", "updated_at"]
    list_filter = ["topic", "is_published"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}


class TicketReplyForm(forms.ModelForm):
    close = forms.BooleanField(required=False, help_text="Close the ticket with this reply.")

    class Meta:
        model = SupportTicket
        fields = ["reply"]


@admin.register(SupportTicket)
class SupportTicketAdmin(ServiceWritesAdmin):
    form = TicketReplyForm
    list_display = ["subject", "user", "status", "created_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["subject", "body", "user__email"]
    readonly_fields = ["user", "subject", "body", "status", "question", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        support.ticket_reply(
            staff=request.user,
            ticket_id=obj.pk,
            reply=form.cleaned_data["reply"],
            close=form.cleaned_data.get("close", False),
        )


def _label(intent: str):
    @admin.action(description=f"Label as intent: {intent} (trains the classifier)")
    def action(modeladmin, request, queryset: QuerySet[AssistantQuestion]):
        for question in queryset:
            support.intent_example_add(staff=request.user, text=question.text, intent=intent)
        modeladmin.message_user(request, f"{queryset.count()} example(s) labelled {intent}.")

    action.__name__ = f"label_{intent}"
    return action


@admin.register(AssistantQuestion)
class AssistantQuestionAdmin(ReadOnlyAdmin):
    list_display = ["text", "intent", "place", "confidence", "answered", "created_at"]
    list_filter = ["intent", "place", "answered"]
    search_fields = ["text"]
    actions = [_label(intent) for intent in INTENTS] + ["mark_first_canonical"]

    @admin.action(description="Mark the first passage shown as the canonical answer")
    def mark_first_canonical(self, request, queryset):
        marked = 0
        for question in queryset:
            if question.item_ids:
                support.canonical_mark(
                    staff=request.user, question=question.text, item_id=question.item_ids[0]
                )
                marked += 1
        self.message_user(request, f"{marked} canonical answer(s) marked.", messages.SUCCESS)


class CanonicalForm(forms.ModelForm):
    class Meta:
        model = CanonicalAnswer
        fields = ["question", "item"]


@admin.register(CanonicalAnswer)
class CanonicalAnswerAdmin(ServiceWritesAdmin):
    form = CanonicalForm
    list_display = ["question", "item", "created_by", "created_at"]
    raw_id_fields = ["item"]

    def save_model(self, request, obj, form, change):
        saved = support.canonical_mark(
            staff=request.user,
            question=form.cleaned_data["question"],
            item_id=form.cleaned_data["item"].pk,
        )
        obj.pk = saved.pk


@admin.register(IntentExample)
class IntentExampleAdmin(ServiceWritesAdmin):
    list_display = ["text", "intent", "created_at"]
    list_filter = ["intent"]
    fields = ["text", "intent"]

    def save_model(self, request, obj, form, change):
        saved = support.intent_example_add(
            staff=request.user, text=form.cleaned_data["text"], intent=form.cleaned_data["intent"]
        )
        obj.pk = saved.pk


@admin.register(KnowledgeItem)
class KnowledgeItemAdmin(ReadOnlyAdmin):
    list_display = ["kind", "title", "paid", "course_title", "updated_at"]
    list_filter = ["kind", "paid"]
    search_fields = ["title"]
