"""Support tickets, votes, canonical answers and intent examples: the people side."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import email_send_on_commit, in_language_of, notification_send
from assistant import intents
from assistant.models import (
    AssistantQuestion,
    CanonicalAnswer,
    IntentExample,
    KnowledgeItem,
    SupportTicket,
    Vote,
)
from assistant.services.answering import feedback_changed, question_clean
from core.refusals import Refused


@transaction.atomic
def ticket_open(
    *, user: User, subject: str, body: str, question_id: int | None = None
) -> SupportTicket:
    subject = question_clean(subject)[:200]
    body = (body or "").strip()
    if len(body) > 5000:
        raise ValidationError({"body": _("Keep the message under 5,000 characters.")})
    question = None
    if question_id is not None:
        question = AssistantQuestion.objects.filter(pk=question_id, user=user).first()
    return SupportTicket.objects.create(user=user, subject=subject, body=body, question=question)


@transaction.atomic
def ticket_reply(*, staff: User, ticket_id: int, reply: str, close: bool = False) -> SupportTicket:
    """Staff answer a ticket: the learner sees the status, gets an e-mail and a notification."""
    if not staff.is_staff:
        raise PermissionDenied("Only staff answer support tickets.")
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": _("Write a reply first.")})
    ticket = SupportTicket.objects.select_for_update().select_related("user").get(pk=ticket_id)
    ticket.reply = reply
    ticket.replied_by = staff
    ticket.status = SupportTicket.Status.CLOSED if close else SupportTicket.Status.ANSWERED
    ticket.save(update_fields=["reply", "replied_by", "status", "updated_at"])
    url = reverse("assistant:tickets")
    with in_language_of(ticket.user):
        text = _("Support replied to “%(subject)s”.") % {"subject": ticket.subject[:80]}
        notification_send(
            user=ticket.user,
            key=f"ticket:{ticket.pk}:{ticket.updated_at.timestamp()}",
            text=text,
            url=url,
        )
        email_send_on_commit(
            message=EmailMessage(
                subject=text,
                body=f"{reply}\n\n{settings.SITE_URL}{url}",
                to=[ticket.user.email],
            )
        )
    return ticket


@transaction.atomic
def vote_cast(*, user: User, question_id: int, item_id: int, value: int) -> Vote:
    if value not in (-1, 1):
        raise ValidationError({"value": _("A vote is up (1) or down (-1).")})
    question = AssistantQuestion.objects.filter(pk=question_id).first()
    if question is None or question.user_id != user.pk:
        raise PermissionDenied(_("You can vote only on answers given to you."))
    if item_id not in question.item_ids:
        raise Refused({"item": _("That passage was not part of this answer.")})
    vote, _created = Vote.objects.update_or_create(
        question=question, item_id=item_id, user=user, defaults={"value": value}
    )
    transaction.on_commit(feedback_changed)
    return vote


@transaction.atomic
def canonical_mark(*, staff: User, question: str, item_id: int) -> CanonicalAnswer:
    if not staff.is_staff:
        raise PermissionDenied("Only staff mark canonical answers.")
    item = KnowledgeItem.objects.get(pk=item_id)
    transaction.on_commit(feedback_changed)
    return CanonicalAnswer.objects.create(
        question=question_clean(question), item=item, created_by=staff
    )


@transaction.atomic
def intent_example_add(*, staff: User, text: str, intent: str) -> IntentExample:
    if not staff.is_staff:
        raise PermissionDenied("Only staff label intents.")
    if intent not in intents.INTENTS:
        raise ValidationError({"intent": _("Unknown intent.")})
    example = IntentExample.objects.create(text=question_clean(text), intent=intent)
    transaction.on_commit(intents.examples_changed)
    return example
