"""Every write of the live rooms: session lifecycle, room messages, host actions.

Room writes share one rule: the event is saved with the room's next sequence number
(taken under the session row's lock) and broadcast only after the transaction
commits (`room_event_append`). A rolled-back write never reaches a viewer, and the
numbers a room hands out have no gaps.

Services raise `ValidationError` for anything a person can fix (the consumer turns
it into an error frame) and `PermissionDenied` for what this user may not do.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from livestream import broadcast, screening
from livestream.models import (
    LiveSession,
    Question,
    QuestionVote,
    RoomEvent,
    RoomSanction,
    SessionReminder,
)
from livestream.selectors import public_user, question_payload, room_settings_payload
from livestream.tasks import (
    replay_build_task,
    session_audience_notify_task,
    session_reminders_send_task,
)
from marketplace.models import Channel, Course, SubscriptionTier
from marketplace.selectors import channel_subscriber_check, entitlement_check

Status = LiveSession.Status


# --- who is who in a room ---------------------------------------------------------


@dataclass(frozen=True)
class RoomRole:
    """What one user may do in one room, decided once per action."""

    user_id: int
    can_watch: bool
    is_host: bool
    is_moderator: bool
    banned: bool
    muted_until: datetime | None

    @property
    def can_moderate(self) -> bool:
        return self.is_host or self.is_moderator

    @property
    def label(self) -> str:
        return "host" if self.is_host else "moderator" if self.is_moderator else "viewer"


def _active_sanctions(*, session: LiveSession, user: User) -> dict:
    """The user's sanctions in force in this room, by kind (the longest of each):
    the host's own (RoomSanction) and the moderators' site-wide or channel ones
    (moderation.Sanction)."""
    from moderation.selectors import user_sanction

    active = {}
    for sanction in (
        RoomSanction.objects.filter(session=session, user=user, lifted_at__isnull=True)
        .exclude(expires_at__lte=timezone.now())
        .order_by("expires_at")  # NULL (until lifted) sorts last: it wins
    ):
        active[sanction.kind] = sanction
    site = user_sanction(user=user, channel=session.channel)
    if site is not None:
        held = active.get(site.kind)
        forever = datetime.max.replace(tzinfo=UTC)
        if held is None or (site.expires_at or forever) > (held.expires_at or forever):
            active[site.kind] = site
    return active


def _banned_by_moderators(*, session: LiveSession, user: User) -> bool:
    from moderation.selectors import user_sanction

    return user_sanction(user=user, channel=session.channel, kind="ban") is not None


def viewer_may_watch(*, session: LiveSession, user: User) -> bool:
    """room_role(...).can_watch, in the fewest queries (asked for every video
    segment): entitlement first; moderator permissions only if that fails."""
    if not user.is_authenticated:
        return False
    if (
        RoomSanction.objects.filter(
            session=session, user=user, kind=RoomSanction.Kind.BAN, lifted_at__isnull=True
        )
        .exclude(expires_at__lte=timezone.now())
        .exists()
    ) or _banned_by_moderators(session=session, user=user):
        return user.is_staff or user.has_perm("livestream.moderate_room")
    return (
        entitlement_check(user=user, live_session=session)
        or user.is_staff
        or user.has_perm("livestream.moderate_room")
    )


def room_role(*, session: LiveSession, user: User) -> RoomRole:
    """Caller passes a session with channel and channel.creator loaded."""
    if not user.is_authenticated:
        return RoomRole(0, False, False, False, False, None)
    is_host = session.channel.creator.user_id == user.pk
    is_moderator = not is_host and (user.is_staff or user.has_perm("livestream.moderate_room"))
    if is_host or is_moderator:
        return RoomRole(user.pk, True, is_host, is_moderator, False, None)
    sanctions = _active_sanctions(session=session, user=user)
    banned = RoomSanction.Kind.BAN in sanctions
    mute = sanctions.get(RoomSanction.Kind.MUTE)
    muted_until = None
    if mute is not None:
        muted_until = mute.expires_at or datetime.max.replace(tzinfo=UTC)
    return RoomRole(
        user_id=user.pk,
        can_watch=not banned and entitlement_check(user=user, live_session=session),
        is_host=False,
        is_moderator=False,
        banned=banned,
        muted_until=muted_until,
    )


def _locked_session(session: LiveSession) -> LiveSession:
    return (
        LiveSession.objects.select_for_update(of=("self",))
        .select_related("channel", "channel__creator")
        .get(pk=session.pk)
    )


# --- the room's event log ----------------------------------------------------------


def room_event_append(
    *, session: LiveSession, kind: str, author: User | None, payload: dict
) -> RoomEvent:
    """Save one room event under the next sequence number; broadcast it on commit.

    Caller holds the session row's lock (`_locked_session`) until commit, so the
    events of one room take consecutive numbers and commit in that order.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("room_event_append must run inside a transaction")
    session.last_seq += 1
    seq = session.last_seq
    LiveSession.objects.filter(pk=session.pk).update(last_seq=seq)
    event = RoomEvent.objects.create(
        session_id=session.pk, seq=seq, kind=kind, author=author, payload=payload
    )
    transaction.on_commit(lambda: broadcast.room_event_publish(event))
    return event


def _check_can_post(*, session: LiveSession, user: User, role: RoomRole) -> None:
    if not role.can_watch:
        raise PermissionDenied(_("You no longer have access to this session."))
    if not session.is_open:
        raise ValidationError(_("This session has ended; the room is read-only."))
    if role.muted_until is not None:
        if role.muted_until.year == datetime.max.year:
            raise ValidationError(_("You are muted in this room."))
        raise ValidationError(
            _("You are muted in this room until %(time)s UTC.")
            % {"time": role.muted_until.strftime("%Y-%m-%d %H:%M")}
        )


def _clean_text(text, *, limit: int, what: str) -> str:
    if not isinstance(text, str):
        raise ValidationError(_("The %(what)s must be text.") % {"what": what})
    text = " ".join(text.split())
    if not text:
        raise ValidationError(_("The %(what)s is empty.") % {"what": what})
    if len(text) > limit:
        raise ValidationError(
            _("Keep the %(what)s to %(limit)d characters or fewer.")
            % {"what": what, "limit": limit}
        )
    refusal = screening.text_screen(text)
    if refusal:
        raise ValidationError(refusal)
    return text


# --- chat --------------------------------------------------------------------------


@transaction.atomic
def chat_post(*, session: LiveSession, user: User, text) -> RoomEvent:
    session = _locked_session(session)
    role = room_role(session=session, user=user)
    _check_can_post(session=session, user=user, role=role)
    text = _clean_text(text, limit=settings.LIVESTREAM_MAX_CHAT_CHARS, what=_("message"))
    if not role.can_moderate:
        if session.subscribers_only_chat and not channel_subscriber_check(
            user=user, channel=session.channel
        ):
            raise ValidationError(_("Chat is open to subscribers of this channel only."))
        if session.slow_mode_seconds:
            since = timezone.now() - timedelta(seconds=session.slow_mode_seconds)
            if RoomEvent.objects.filter(
                session=session, author=user, kind=RoomEvent.Kind.CHAT, created_at__gt=since
            ).exists():
                raise ValidationError(
                    _("Slow mode is on: one message every %(n)d seconds.")
                    % {"n": session.slow_mode_seconds}
                )
    event = room_event_append(
        session=session,
        kind=RoomEvent.Kind.CHAT,
        author=user,
        payload={"user": public_user(user, role.label), "text": text},
    )
    _recommend_signal(user=user, session=session, kind="comment")
    return event


def _recommend_signal(*, user: User, session: LiveSession, kind: str) -> None:
    """Chatting or asking in a room tells the recommender the user engages with the
    session: once per user, session and kind a day (chat is chatty), after commit
    (event_record never fails the room)."""
    from recommend.services import event_record

    transaction.on_commit(lambda: event_record(user=user, kind=kind, item=session, once_per=86400))


@transaction.atomic
def message_delete(*, session: LiveSession, user: User, seq) -> RoomEvent:
    """Hide a chat message from history and from every open screen."""
    session = _locked_session(session)
    if not room_role(session=session, user=user).can_moderate:
        raise PermissionDenied(_("Only the host or a moderator can delete messages."))
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise ValidationError(_("Say which message to delete by its number."))
    target = RoomEvent.objects.filter(
        session=session, seq=seq, kind=RoomEvent.Kind.CHAT, deleted_at__isnull=True
    ).first()
    if target is None:
        raise ValidationError(_("There is no such message, or it is already deleted."))
    target.deleted_at = timezone.now()
    target.save(update_fields=["deleted_at"])
    return room_event_append(
        session=session,
        kind=RoomEvent.Kind.MESSAGE_DELETED,
        author=user,
        payload={"target": seq},
    )


# --- questions ---------------------------------------------------------------------


@transaction.atomic
def question_ask(*, session: LiveSession, user: User, text) -> Question:
    session = _locked_session(session)
    role = room_role(session=session, user=user)
    _check_can_post(session=session, user=user, role=role)
    text = _clean_text(text, limit=settings.LIVESTREAM_MAX_QUESTION_CHARS, what=_("question"))
    if (
        Question.objects.filter(session=session, author=user, status=Question.Status.OPEN).count()
        >= settings.LIVESTREAM_MAX_OPEN_QUESTIONS
    ):
        raise ValidationError(
            _("You already have %(n)d open questions; wait for an answer first.")
            % {"n": settings.LIVESTREAM_MAX_OPEN_QUESTIONS}
        )
    question = Question.objects.create(session=session, author=user, text=text)
    room_event_append(
        session=session,
        kind=RoomEvent.Kind.QUESTION,
        author=user,
        payload={"question": question_payload(question)},
    )
    _recommend_signal(user=user, session=session, kind="question")
    return question


@transaction.atomic
def question_ask_priority(
    *, session: LiveSession, user: User, text, amount, currency, client_key
) -> Question | None:
    """A paid question that goes to the top of the board, right after pinned ones.

    The price moves from the asker's wallet to escrow. The host earns it (minus the
    platform fee) by marking the question answered; dismissing it, or ending the
    session with it unanswered, returns it to the asker's wallet. A repeated
    `client_key` moves no money and posts nothing again: it returns None.
    """
    from payments import services as payment_services

    session = _locked_session(session)
    if not isinstance(client_key, str) or not 8 <= len(client_key) <= 64:
        raise ValidationError(_("A paid question needs a key of 8 to 64 characters."))
    if Question.objects.filter(author=user, priority_key=client_key).exists():
        return None
    role = room_role(session=session, user=user)
    _check_can_post(session=session, user=user, role=role)
    if role.can_moderate:
        raise ValidationError(_("The host and moderators do not pay for their own board."))
    if session.status != Status.LIVE:
        raise ValidationError(_("Paid questions can be asked only while the session is live."))
    text = _clean_text(text, limit=settings.LIVESTREAM_MAX_QUESTION_CHARS, what=_("question"))
    if not isinstance(amount, int) or isinstance(amount, bool) or not isinstance(currency, str):
        raise ValidationError(_("The amount must be a whole number of minor units."))
    payment_services.validate_amount(
        amount=amount, currency=currency, minimum=settings.LIVESTREAM_PRIORITY_QUESTION_MIN
    )
    question = Question.objects.create(
        session=session,
        author=user,
        text=text,
        priority=Question.Priority.HELD,
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
    room_event_append(
        session=session,
        kind=RoomEvent.Kind.QUESTION,
        author=user,
        payload={"question": question_payload(question)},
    )
    _recommend_signal(user=user, session=session, kind="question")
    return question


def _priority_settle(session: LiveSession, question: Question, *, answered: bool) -> None:
    """Pay the host for an answered priority question, or refund an unanswered one."""
    from accounts.services import notification_send
    from core.money import format_money
    from payments import services as payment_services

    if question.priority != Question.Priority.HELD:
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
        question.priority = Question.Priority.PAID
    else:
        payment_services.escrow_refund(
            hold_key=hold_key,
            key=f"escrow-refund:priority-question:{question.pk}",
            memo=f"Priority question {question.pk} not answered",
        )
        question.priority = Question.Priority.REFUNDED
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


def _locked_question(*, session: LiveSession, question_id) -> Question:
    if not isinstance(question_id, int) or isinstance(question_id, bool):
        raise ValidationError(_("Say which question by its number."))
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("author")
        .filter(pk=question_id, session=session)
        .first()
    )
    if question is None:
        raise ValidationError(_("There is no such question in this room."))
    return question


def _question_changed(session: LiveSession, question: Question, by: User) -> RoomEvent:
    return room_event_append(
        session=session,
        kind=RoomEvent.Kind.QUESTION_UPDATED,
        author=by,
        payload={"question": question_payload(question)},
    )


@transaction.atomic
def question_upvote(*, session: LiveSession, user: User, question_id) -> Question:
    """One vote per person per question; a second vote is refused, not counted."""
    session = _locked_session(session)
    role = room_role(session=session, user=user)
    _check_can_post(session=session, user=user, role=role)
    question = _locked_question(session=session, question_id=question_id)
    if question.status != Question.Status.OPEN:
        raise ValidationError(_("Only open questions can be upvoted."))
    if question.author_id == user.pk:
        raise ValidationError(_("You cannot upvote your own question."))
    try:
        with transaction.atomic():
            QuestionVote.objects.create(question=question, user=user)
    except IntegrityError:
        raise ValidationError(_("You have already upvoted this question.")) from None
    question.votes += 1
    question.save(update_fields=["votes"])
    _question_changed(session, question, user)
    return question


QUESTION_ACTIONS = ("answer", "pin", "unpin", "dismiss", "reopen")


@transaction.atomic
def question_moderate(*, session: LiveSession, user: User, question_id, action) -> Question:
    """The host (or a moderator) marks a question answered, pins, or dismisses it."""
    session = _locked_session(session)
    if not room_role(session=session, user=user).can_moderate:
        raise PermissionDenied(_("Only the host or a moderator can manage questions."))
    if action not in QUESTION_ACTIONS:
        raise ValidationError(
            _("Unknown question action; use one of: %(actions)s.")
            % {"actions": ", ".join(QUESTION_ACTIONS)}
        )
    question = _locked_question(session=session, question_id=question_id)
    fields = ["status", "pinned", "answered_at"]
    if action == "answer":
        question.status, question.pinned = Question.Status.ANSWERED, False
        question.answered_at = question.answered_at or timezone.now()
        _priority_settle(session, question, answered=True)
    elif action == "dismiss":
        question.status, question.pinned = Question.Status.DISMISSED, False
        _priority_settle(session, question, answered=False)
    elif action == "reopen":
        question.status, question.answered_at = Question.Status.OPEN, None
    else:
        if question.status != Question.Status.OPEN:
            raise ValidationError(_("Only open questions can be pinned."))
        question.pinned = action == "pin"
    question.save(update_fields=fields)
    _question_changed(session, question, user)
    return question


# --- host and moderator controls ---------------------------------------------------


def _sanction_target(*, session: LiveSession, by: User, user_id) -> User:
    if not room_role(session=session, user=by).can_moderate:
        raise PermissionDenied(_("Only the host or a moderator can do that."))
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise ValidationError(_("Say which user by their number."))
    target = User.objects.filter(pk=user_id).first()
    if target is None:
        raise ValidationError(_("There is no such user."))
    if room_role(session=session, user=target).can_moderate:
        raise ValidationError(_("The host and moderators cannot be muted or banned."))
    return target


def _system(session: LiveSession, by: User | None, event: str, **extra) -> RoomEvent:
    return room_event_append(
        session=session, kind=RoomEvent.Kind.SYSTEM, author=by, payload={"event": event, **extra}
    )


@transaction.atomic
def user_mute(
    *, session: LiveSession, by: User, user_id, minutes, reason: str = ""
) -> RoomSanction:
    session = _locked_session(session)
    target = _sanction_target(session=session, by=by, user_id=user_id)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 10080:
        raise ValidationError(_("Mute for 1 to 10080 minutes (a week)."))
    sanction = RoomSanction.objects.create(
        session=session,
        user=target,
        kind=RoomSanction.Kind.MUTE,
        expires_at=timezone.now() + timedelta(minutes=minutes),
        reason=str(reason)[:200],
        created_by=by,
    )
    _system(session, by, "user.muted", user=public_user(target), minutes=minutes)
    return sanction


@transaction.atomic
def user_ban(*, session: LiveSession, by: User, user_id, reason: str = "") -> RoomSanction:
    """Ban from this room: the user's open sockets close within a second or two."""
    session = _locked_session(session)
    target = _sanction_target(session=session, by=by, user_id=user_id)
    sanction = RoomSanction.objects.create(
        session=session,
        user=target,
        kind=RoomSanction.Kind.BAN,
        reason=str(reason)[:200],
        created_by=by,
    )
    _system(session, by, "user.banned", user=public_user(target))
    transaction.on_commit(
        lambda: broadcast.room_control_publish(
            session_id=session.pk, action="kick", user_id=target.pk
        )
    )
    return sanction


@transaction.atomic
def sanction_lift(*, session: LiveSession, by: User, user_id, kind: str) -> int:
    session = _locked_session(session)
    target = _sanction_target(session=session, by=by, user_id=user_id)
    lifted = RoomSanction.objects.filter(
        session=session, user=target, kind=kind, lifted_at__isnull=True
    ).update(lifted_at=timezone.now())
    if lifted:
        event = "user.unbanned" if kind == RoomSanction.Kind.BAN else "user.unmuted"
        _system(session, by, event, user=public_user(target))
    return lifted


@transaction.atomic
def room_settings_update(
    *, session: LiveSession, by: User, slow_mode_seconds=None, subscribers_only=None
) -> LiveSession:
    session = _locked_session(session)
    if not room_role(session=session, user=by).can_moderate:
        raise PermissionDenied(_("Only the host or a moderator can change room settings."))
    fields = []
    if slow_mode_seconds is not None:
        if (
            not isinstance(slow_mode_seconds, int)
            or isinstance(slow_mode_seconds, bool)
            or not 0 <= slow_mode_seconds <= 3600
        ):
            raise ValidationError(_("Slow mode takes 0 (off) to 3600 seconds."))
        session.slow_mode_seconds = slow_mode_seconds
        fields.append("slow_mode_seconds")
    if subscribers_only is not None:
        if not isinstance(subscribers_only, bool):
            raise ValidationError(_("Subscribers-only chat is either true or false."))
        session.subscribers_only_chat = subscribers_only
        fields.append("subscribers_only_chat")
    if not fields:
        raise ValidationError(_("Nothing to change."))
    session.save(update_fields=fields)
    room_event_append(
        session=session,
        kind=RoomEvent.Kind.SETTINGS,
        author=by,
        payload=room_settings_payload(session),
    )
    return session


# --- tips --------------------------------------------------------------------------


@transaction.atomic
def room_tip(
    *, session: LiveSession, user: User, amount, currency, client_key, message=""
) -> RoomEvent | None:
    """Tip the host from the wallet; the whole room sees a highlighted alert.

    A repeated `client_key` (a double click, a resend after reconnecting) moves no
    money and announces nothing again: it returns None.
    """
    from payments import services as payment_services
    from payments.models import Tip

    session = _locked_session(session)
    if not isinstance(client_key, str) or not 8 <= len(client_key) <= 64:
        raise ValidationError(_("A tip needs a key of 8 to 64 characters, unique per tip."))
    if Tip.objects.filter(tipper=user, client_key=client_key).exists():
        return None  # a resend: answered the same even if the room closed meanwhile
    role = room_role(session=session, user=user)
    _check_can_post(session=session, user=user, role=role)
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ValidationError(_("The amount must be a whole number of minor units."))
    if not isinstance(message, str):
        raise ValidationError(_("The message must be text."))
    message = " ".join(message.split())
    if message:
        refusal = screening.text_screen(message)
        if refusal:
            raise ValidationError(refusal)
    tip = payment_services.tip_send(
        tipper=user,
        creator=session.channel.creator.user,
        amount=amount,
        currency=str(currency),
        client_key=client_key,
        message=message,
        live_session=session,
    )
    return room_event_append(
        session=session,
        kind=RoomEvent.Kind.TIP,
        author=user,
        payload={
            "user": public_user(user, role.label),
            "amount": tip.amount,
            "currency": tip.currency,
            "message": tip.message,
        },
    )


# --- session lifecycle (the creator's pages) ---------------------------------------


def _check_host(session: LiveSession, user: User) -> None:
    if session.channel.creator.user_id != user.pk:
        raise PermissionDenied(_("Only the channel's creator can run its sessions."))


def _validate_session_fields(
    *, channel: Channel, course, access, required_tier, ticket_price_amount, ticket_currency
) -> None:
    if access not in LiveSession.Access.values:
        raise ValidationError({"access": _("Choose who may watch.")})
    if course is not None and course.channel_id != channel.pk:
        raise ValidationError({"course": _("Choose a course of this channel.")})
    if required_tier is not None and required_tier.channel_id != channel.pk:
        raise ValidationError({"required_tier": _("Choose a tier of this channel.")})
    if access == LiveSession.Access.TICKET:
        if ticket_currency not in settings.MARKETPLACE_CURRENCIES:
            raise ValidationError({"ticket_currency": _("Choose a supported currency.")})
        if not 1 <= ticket_price_amount <= settings.MARKETPLACE_MAX_PRICE_MINOR:
            raise ValidationError({"ticket_price_amount": _("A ticket needs a price.")})


@transaction.atomic
def session_schedule(
    *,
    user: User,
    channel: Channel,
    title: str,
    scheduled_start: datetime,
    description: str = "",
    duration_minutes: int = 60,
    access: str = LiveSession.Access.FREE,
    required_tier: SubscriptionTier | None = None,
    ticket_price_amount: int = 0,
    ticket_currency: str = "",
    course: Course | None = None,
) -> LiveSession:
    if channel.creator.user_id != user.pk:
        raise PermissionDenied(_("Only the channel's creator can schedule its sessions."))
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": _("Give the session a title.")})
    if scheduled_start < timezone.now() - timedelta(minutes=5):
        raise ValidationError({"scheduled_start": _("Choose a start time in the future.")})
    _validate_session_fields(
        channel=channel,
        course=course,
        access=access,
        required_tier=required_tier,
        ticket_price_amount=ticket_price_amount,
        ticket_currency=ticket_currency,
    )
    session = LiveSession(
        channel=channel,
        course=course,
        title=title,
        description=description.strip(),
        scheduled_start=scheduled_start,
        duration_minutes=duration_minutes,
        access=access,
        required_tier=required_tier if access == LiveSession.Access.SUBSCRIBERS else None,
        ticket_price_amount=ticket_price_amount if access == LiveSession.Access.TICKET else 0,
        ticket_currency=ticket_currency if access == LiveSession.Access.TICKET else "",
    )
    session.full_clean(exclude=["channel", "course", "required_tier"])
    session.save()
    _moderation_screen(session)
    return session


def _moderation_screen(session: LiveSession) -> None:
    """Moderation may refuse (rolls back), hold for review, or show the session."""
    from moderation.services import creator_content_screen

    creator_content_screen(obj=session, creator_user=session.channel.creator.user)


SESSION_EDITABLE = (
    "title",
    "description",
    "scheduled_start",
    "duration_minutes",
    "access",
    "required_tier",
    "ticket_price_amount",
    "ticket_currency",
    "course",
)


@transaction.atomic
def session_update(*, session: LiveSession, user: User, **changes) -> LiveSession:
    session = _locked_session(session)
    _check_host(session, user)
    unknown = set(changes) - set(SESSION_EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if not session.is_open:
        raise ValidationError(_("An ended or cancelled session cannot be edited."))
    if session.status == Status.LIVE and {"access", "ticket_price_amount"} & set(changes):
        if (
            changes.get("access", session.access),
            changes.get("ticket_price_amount", session.ticket_price_amount),
        ) != (session.access, session.ticket_price_amount):
            raise ValidationError(_("Access and price cannot change while the session is live."))
    for name, value in changes.items():
        setattr(session, name, value)
    session.title = " ".join(session.title.split())
    if not session.title:
        raise ValidationError({"title": _("Give the session a title.")})
    _validate_session_fields(
        channel=session.channel,
        course=session.course,
        access=session.access,
        required_tier=session.required_tier,
        ticket_price_amount=session.ticket_price_amount,
        ticket_currency=session.ticket_currency,
    )
    session.full_clean(exclude=["channel", "course", "required_tier"])
    session.save(update_fields=list(changes))
    if {"title", "description"} & set(changes):
        _moderation_screen(session)
    return session


@transaction.atomic
def session_start(*, session: LiveSession, user: User | None) -> LiveSession:
    """Go live (the host's button now, the RTMP ingest later). Starting twice is a no-op.

    `user` None means the system (video ingest) started it.
    """
    session = _locked_session(session)
    if user is not None:
        _check_host(session, user)
    if session.status == Status.LIVE:
        return session
    if session.status != Status.SCHEDULED:
        raise ValidationError(_("Only a scheduled session can go live."))
    session.status = Status.LIVE
    session.started_at = timezone.now()
    session.save(update_fields=["status", "started_at"])
    _system(session, user, "session.started")
    transaction.on_commit(lambda: session_reminders_send_task.delay(session.pk))
    transaction.on_commit(lambda: session_audience_notify_task.delay(session.pk))
    return session


@transaction.atomic
def session_end(*, session: LiveSession, user: User | None) -> LiveSession:
    """End the broadcast; the room stays readable. Ending twice is a no-op."""
    session = _locked_session(session)
    if user is not None:
        _check_host(session, user)
    if session.status == Status.ENDED:
        return session
    if session.status != Status.LIVE:
        raise ValidationError(_("Only a live session can end; cancel a scheduled one instead."))
    session.status = Status.ENDED
    session.ended_at = timezone.now()
    session.save(update_fields=["status", "ended_at"])
    _system(session, user, "session.ended")
    unanswered = (
        Question.objects.select_for_update()
        .select_related("author")
        .filter(session=session, priority=Question.Priority.HELD)
        .exclude(status=Question.Status.ANSWERED)
        .order_by("pk")
    )
    for question in unanswered:
        _priority_settle(session, question, answered=False)
        _question_changed(session, question, user)
    if session.recordings.exists():
        transaction.on_commit(lambda: replay_build_task.delay(session.pk))
    return session


@transaction.atomic
def session_cancel(*, session: LiveSession, user: User) -> LiveSession:
    """Call off a session that has not started. Ticket holders are refunded in full."""
    from payments import services as payment_services
    from payments.models import Purchase

    session = _locked_session(session)
    _check_host(session, user)
    if session.status == Status.CANCELLED:
        return session
    if session.status != Status.SCHEDULED:
        raise ValidationError(_("Only a session that has not started can be cancelled."))
    session.status = Status.CANCELLED
    session.save(update_fields=["status"])
    for purchase in Purchase.objects.filter(
        live_session=session,
        status__in=(Purchase.Status.PAID, Purchase.Status.PARTIALLY_REFUNDED),
    ).order_by("pk"):
        payment_services.purchase_refund(
            purchase=purchase,
            amount=purchase.refundable_amount,
            refunded_by=user,
            expected_refunded=purchase.refunded_amount,
        )
    _system(session, user, "session.cancelled")
    transaction.on_commit(
        lambda: broadcast.room_control_publish(session_id=session.pk, action="close")
    )
    return session


@transaction.atomic
def reminder_set(*, session: LiveSession, user: User, on: bool) -> bool:
    """Ask (or stop asking) to be told when the session goes live. Returns the new state."""
    if not on:
        SessionReminder.objects.filter(session=session, user=user).delete()
        return False
    if not session.is_open:
        raise ValidationError(_("This session is over; there is nothing to remind you of."))
    SessionReminder.objects.get_or_create(session=session, user=user)
    return True


def session_audience_notify(*, session_id: int) -> int:
    """Tell everyone who may watch a session that just went live: subscribers of its
    channel and ticket holders get an in-app notification and an email; people with
    a reminder get the notification (their reminder email is sent separately).

    Safe to run twice: each person is notified once per session (Notification key).
    Returns how many people were newly notified.
    """
    from accounts.services import email_send_on_commit, notification_send
    from livestream.emails import live_now_email
    from marketplace.models import Entitlement

    session = (
        LiveSession.objects.select_related("channel__creator", "required_tier", "course")
        .filter(pk=session_id, status=Status.LIVE)
        .first()
    )
    if session is None:
        return 0
    now = timezone.now()
    holders = (
        Entitlement.objects.filter(revoked_at__isnull=True, starts_at__lte=now)
        .exclude(ends_at__lte=now)
        .filter(
            Q(tier__channel_id=session.channel_id)
            | Q(live_session=session)
            | (Q(course_id=session.course_id) if session.course_id else Q(pk__in=[]))
        )
        .values_list("user_id", flat=True)
    )
    reminded = set(
        SessionReminder.objects.filter(session=session).values_list("user_id", flat=True)
    )
    candidates = (set(holders) | reminded) - {session.channel.creator.user_id}
    notified = 0
    for user in User.objects.filter(pk__in=candidates).order_by("pk"):
        if not entitlement_check(user=user, live_session=session):
            continue
        with (
            transaction.atomic(),
            translation.override(user.preferred_language or settings.LANGUAGE_CODE),
        ):
            text = _("“%(title)s” is live now.") % {"title": session.title}
            if notification_send(
                user=user, key=f"live:{session.pk}", text=text, url=session.get_absolute_url()
            ):
                notified += 1
                if user.pk not in reminded:
                    email_send_on_commit(message=live_now_email(session=session, user=user))
    return notified
