"""The question board of a live room: asking (free or paid priority questions),
upvoting, and what the host does with a question (answer, pin, dismiss).

A paid question's price waits in escrow (payments) until the host answers it (paid
to the host) or dismisses it or ends the session without an answer (refunded).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notification_send
from core.money import format_money
from livestream.models import LiveSession, RoomEvent, RoomQuestion, RoomQuestionVote
from livestream.selectors import question_payload
from livestream.services.rooms import (
    check_can_post,
    clean_text,
    engaged_send,
    locked_session,
    room_event_append,
    room_role,
)
from payments import services as payment_services

Status = LiveSession.Status


@transaction.atomic
def question_ask(*, session: LiveSession, user: User, text: object) -> RoomQuestion:
    session = locked_session(session)
    role = room_role(session=session, user=user)
    check_can_post(session=session, user=user, role=role)
    text = clean_text(text, limit=settings.LIVESTREAM_MAX_QUESTION_CHARS, what=_("question"))
    if (
        RoomQuestion.objects.filter(
            session=session, author=user, status=RoomQuestion.Status.OPEN
        ).count()
        >= settings.LIVESTREAM_MAX_OPEN_QUESTIONS
    ):
        raise ValidationError(
            _("You already have %(n)d open questions; wait for an answer first.")
            % {"n": settings.LIVESTREAM_MAX_OPEN_QUESTIONS}
        )
    question = RoomQuestion.objects.create(session=session, author=user, text=text)
    return _question_post(session, question, user)


@transaction.atomic
def question_ask_priority(
    *,
    session: LiveSession,
    user: User,
    text: object,
    amount: object,
    currency: object,
    client_key: object,
) -> RoomQuestion | None:
    """A paid question that goes to the top of the board, right after pinned ones.

    The price moves from the asker's wallet to escrow. The host earns it (minus the
    platform fee) by marking the question answered; dismissing it, or ending the
    session with it unanswered, returns it to the asker's wallet. A repeated
    `client_key` moves no money and posts nothing again: it returns None.
    """
    session = locked_session(session)
    if not isinstance(client_key, str) or not 8 <= len(client_key) <= 64:
        raise ValidationError(_("A paid question needs a key of 8 to 64 characters."))
    if RoomQuestion.objects.filter(author=user, priority_key=client_key).exists():
        return None
    role = room_role(session=session, user=user)
    check_can_post(session=session, user=user, role=role)
    if role.can_moderate:
        raise ValidationError(_("The host and moderators do not pay for their own board."))
    if session.status != Status.LIVE:
        raise ValidationError(_("Paid questions can be asked only while the session is live."))
    text = clean_text(text, limit=settings.LIVESTREAM_MAX_QUESTION_CHARS, what=_("question"))
    if not isinstance(amount, int) or isinstance(amount, bool) or not isinstance(currency, str):
        raise ValidationError(_("The amount must be a whole number of minor units."))
    payment_services.validate_amount(
        amount=amount, currency=currency, minimum=settings.LIVESTREAM_PRIORITY_QUESTION_MIN
    )
    question = RoomQuestion.objects.create(
        session=session,
        author=user,
        text=text,
        priority=RoomQuestion.Priority.HELD,
        priority_amount=amount,
        priority_currency=currency,
        priority_key=client_key,
    )
    payment_services.escrow_hold(
        payer=user,
        amount=amount,
        currency=currency,
        key=f"escrow-hold:priority-question:{question.pk}",
        reference=("livestream.question", str(question.pk)),
        memo=f"Priority question {question.pk} in session {session.pk}",
    )
    return _question_post(session, question, user)


def priority_settle(session: LiveSession, question: RoomQuestion, *, answered: bool) -> None:
    """Pay the host for an answered priority question, or refund an unanswered one."""
    if question.priority != RoomQuestion.Priority.HELD:
        return
    hold_key = f"escrow-hold:priority-question:{question.pk}"
    if answered:
        payment_services.escrow_release(
            hold_key=hold_key,
            key=f"escrow-release:priority-question:{question.pk}",
            payee=session.channel.creator.user,
            income="priority_question",
            memo=f"Priority question {question.pk} answered",
        )
        question.priority = RoomQuestion.Priority.PAID
    else:
        payment_services.escrow_refund(
            hold_key=hold_key,
            key=f"escrow-refund:priority-question:{question.pk}",
            memo=f"Priority question {question.pk} not answered",
        )
        question.priority = RoomQuestion.Priority.REFUNDED
        asker = question.author
        with translation.override(asker.preferred_language or settings.LANGUAGE_CODE):
            notification_send(
                user=asker,
                key=f"priority-question-refunded:{question.pk}",
                text=_(
                    "Your paid question in “%(title)s” was not answered: %(amount)s went "
                    "back to your wallet."
                )
                % {
                    "title": session.title,
                    "amount": format_money(question.priority_amount, question.priority_currency),
                },
                url=session.get_absolute_url(),
            )
    question.save(update_fields=["priority"])


def _locked_question(*, session: LiveSession, question_id: object) -> RoomQuestion:
    if not isinstance(question_id, int) or isinstance(question_id, bool):
        raise ValidationError(_("Say which question by its number."))
    question = (
        RoomQuestion.objects.select_for_update(of=("self",))
        .select_related("author")
        .filter(pk=question_id, session=session)
        .first()
    )
    if question is None:
        raise ValidationError(_("There is no such question in this room."))
    return question


def question_changed(
    session: LiveSession,
    question: RoomQuestion,
    by: User | None,
    kind: str = RoomEvent.Kind.QUESTION_UPDATED,
) -> RoomEvent:
    """Show everyone the question as it is now (new on the board, or changed)."""
    return room_event_append(
        session=session, kind=kind, author=by, payload={"question": question_payload(question)}
    )


def _question_post(session: LiveSession, question: RoomQuestion, user: User) -> RoomQuestion:
    """Put a new question on everyone's board; asking shows interest in the session."""
    question_changed(session, question, user, kind=RoomEvent.Kind.QUESTION)
    engaged_send(user=user, session=session, kind="question")
    return question


@transaction.atomic
def question_upvote(*, session: LiveSession, user: User, question_id: object) -> RoomQuestion:
    """One vote per person per question; a second vote is refused, not counted."""
    session = locked_session(session)
    role = room_role(session=session, user=user)
    check_can_post(session=session, user=user, role=role)
    question = _locked_question(session=session, question_id=question_id)
    if question.status != RoomQuestion.Status.OPEN:
        raise ValidationError(_("Only open questions can be upvoted."))
    if question.author_id == user.pk:
        raise ValidationError(_("You cannot upvote your own question."))
    try:
        with transaction.atomic():
            RoomQuestionVote.objects.create(question=question, user=user)
    except IntegrityError:
        raise ValidationError(_("You have already upvoted this question.")) from None
    question.votes += 1
    question.save(update_fields=["votes"])
    question_changed(session, question, user)
    return question


QUESTION_ACTIONS = ("answer", "pin", "unpin", "dismiss", "reopen")


@transaction.atomic
def question_moderate(
    *, session: LiveSession, user: User, question_id: object, action: object
) -> RoomQuestion:
    """The host (or a moderator) marks a question answered, pins, or dismisses it."""
    session = locked_session(session)
    if not room_role(session=session, user=user).can_moderate:
        raise PermissionDenied(_("Only the host or a moderator can manage questions."))
    if action not in QUESTION_ACTIONS:
        raise ValidationError(
            _("Unknown question action; use one of: %(actions)s.")
            % {"actions": ", ".join(QUESTION_ACTIONS)}
        )
    question = _locked_question(session=session, question_id=question_id)
    fields = ["status", "pinned", "answered_at", "hidden_by_moderation"]
    question.hidden_by_moderation = False  # the host's word is the last one
    if action == "answer":
        question.status, question.pinned = RoomQuestion.Status.ANSWERED, False
        question.answered_at = question.answered_at or timezone.now()
        priority_settle(session, question, answered=True)
    elif action == "dismiss":
        question.status, question.pinned = RoomQuestion.Status.DISMISSED, False
        priority_settle(session, question, answered=False)
    elif action == "reopen":
        question.status, question.answered_at = RoomQuestion.Status.OPEN, None
    else:
        if question.status != RoomQuestion.Status.OPEN:
            raise ValidationError(_("Only open questions can be pinned."))
        question.pinned = action == "pin"
    question.save(update_fields=fields)
    question_changed(session, question, user)
    return question


@transaction.atomic
def question_set_visible(question: RoomQuestion, visible: bool) -> None:
    """Moderation's switch for a reported question (registered in livestream.moderated).

    Hiding takes it off every board as a dismissal (a paid question's price goes back
    to the asker); showing it again reopens a question moderation had hidden, and
    only such a one: a question the host dismissed stays dismissed when moderation
    approves a report on it.
    """
    session = locked_session(question.session)
    question = RoomQuestion.objects.select_for_update(of=("self",)).get(pk=question.pk)
    Q = RoomQuestion.Status
    if not visible and question.status != Q.DISMISSED:
        question.status, question.pinned = Q.DISMISSED, False
        question.hidden_by_moderation = True
        priority_settle(session, question, answered=False)
    elif visible and question.status == Q.DISMISSED and question.hidden_by_moderation:
        question.status = Q.ANSWERED if question.answered_at else Q.OPEN
        question.hidden_by_moderation = False
    else:
        return
    question.save(update_fields=["status", "pinned", "hidden_by_moderation"])
    question_changed(session, question, None)
