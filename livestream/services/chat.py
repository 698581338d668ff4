"""Chat in a live room: posting (slow mode, subscribers-only), deleting, and chat the
screening classifier held (released to viewers only when the host, a room moderator
or a site moderator approves it, as Twitch's AutoMod does)."""

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from livestream import screening
from livestream.models import LiveSession, RoomEvent
from livestream.selectors import public_user
from livestream.services.rooms import (
    NewEvent,
    RoomRole,
    check_can_post,
    clean_text,
    engaged_send,
    fresh_session,
    locked_session,
    room_event_append,
    room_events_append,
    room_role,
)
from marketplace.access import channel_subscriber_check
from moderation import services as moderation_services
from moderation.scoring import Score
from moderation.selectors import review_item_for


@dataclass
class ChatPost:
    """One chat message to post (`chat_posts`); `language`: the sender's, for the
    reason if it is refused."""

    user: User
    text: object
    ip: str = ""
    language: str | None = None


@dataclass
class _Checked:
    post: ChatPost
    role: RoomRole
    new: NewEvent
    score: Score | None


def chat_posts(
    *, session: LiveSession, posts: list[ChatPost]
) -> list[RoomEvent | ValidationError | PermissionDenied]:
    """Post several chat messages of one room in one transaction (a busy room's
    writer batches what its sockets sent meanwhile, livestream.chat_writer): for each
    post, in order, its event or why it was refused. A refused post does not stop
    the others; an error of the database fails them all (raised).

    Each post gets the checks of `chat_post`; the room's counter is taken once for
    the batch, last (services.rooms), so the messages take consecutive numbers in
    the order given and reach viewers only after the commit.
    """
    results: list[RoomEvent | ValidationError | PermissionDenied | None] = [None] * len(posts)
    with transaction.atomic():
        session = fresh_session(session)
        roles: dict[int, RoomRole] = {}
        subscribed: dict[int, bool] = {}
        posted: set[int] = set()  # slow mode: one message per user per batch
        checked: list[tuple[int, _Checked]] = []
        for i, post in enumerate(posts):
            # None: the caller's language (an HTTP request's, a test's) stays active.
            with translation.override(post.language) if post.language else nullcontext():
                try:
                    checked.append((i, _chat_check(session, post, roles, subscribed, posted)))
                except (ValidationError, PermissionDenied) as exc:
                    results[i] = exc
        try:
            events = room_events_append(
                session=session, events=[c.new for _, c in checked], open_only=True
            )
        except ValidationError as exc:  # the session ended meanwhile
            for i, _c in checked:
                results[i] = exc
            events = []
        engaged: set[int] = set()
        for (i, check), event in zip(checked, events, strict=True):
            results[i] = event
            if check.new.held and check.score is not None:
                moderation_services.content_hold(obj=event, score=check.score)
            if check.post.user.pk not in engaged:  # once a day anyway: once per batch
                engaged.add(check.post.user.pk)
                engaged_send(user=check.post.user, session=session, kind="comment")
    return [r for r in results if r is not None]


def _chat_check(
    session: LiveSession,
    post: ChatPost,
    roles: dict[int, RoomRole],
    subscribed: dict[int, bool],
    posted: set[int],
) -> _Checked:
    user = post.user
    role = roles.get(user.pk)
    if role is None:
        role = roles[user.pk] = room_role(session=session, user=user)
    check_can_post(session=session, user=user, role=role)
    text = clean_text(post.text, limit=settings.LIVESTREAM_MAX_CHAT_CHARS, what=_("message"))
    if not role.can_moderate:
        if session.subscribers_only_chat:
            if user.pk not in subscribed:
                subscribed[user.pk] = channel_subscriber_check(user=user, channel=session.channel)
            if not subscribed[user.pk]:
                raise ValidationError(_("Chat is open to subscribers of this channel only."))
        if session.slow_mode_seconds:
            since = timezone.now() - timedelta(seconds=session.slow_mode_seconds)
            if (
                user.pk in posted
                or RoomEvent.objects.filter(
                    session=session, author=user, kind=RoomEvent.Kind.CHAT, created_at__gt=since
                ).exists()
            ):
                raise ValidationError(
                    _("Slow mode is on: one message every %(n)d seconds.")
                    % {"n": session.slow_mode_seconds}
                )
            posted.add(user.pk)
    # The host and moderators are not held: they are the ones who would approve.
    score = None if role.can_moderate else screening.chat_score(text)
    payload: dict[str, object] = {"user": public_user(user, role.label), "text": text}
    held = score is not None and score.hold
    if held and score is not None:
        payload["score"] = round(score.value, 2)
        payload["words"] = list(score.words)
    new = NewEvent(kind=RoomEvent.Kind.CHAT, author=user, payload=payload, held=held, ip=post.ip)
    return _Checked(post=post, role=role, new=new, score=score)


def chat_post(*, session: LiveSession, user: User, text: object, ip: str = "") -> RoomEvent:
    """Post a chat message. `ip` (the sender's address, kept encrypted for
    PRIVACY_IP_RETENTION_DAYS for abuse reports) is stored, never broadcast.

    Takes no lock on the session: the room's counter is held only from the INSERT
    to the commit (services.rooms)."""
    (result,) = chat_posts(session=session, posts=[ChatPost(user=user, text=text, ip=ip)])
    if isinstance(result, Exception):
        raise result
    return result


@transaction.atomic
def chat_message_set_visible(event: RoomEvent, visible: bool) -> None:
    """Moderation's switch for a chat message (registered in livestream.moderated), held
    by screening or reported from the room.

    Showing a held message releases it: viewers receive it as `message.released`
    (with its text) under a new number; showing a hidden one again puts it back in
    history. Hiding one deletes it from every screen.
    """
    session = locked_session(event.session)
    event = RoomEvent.objects.select_for_update().get(pk=event.pk)
    if visible:
        if not event.held:
            if event.deleted_at is not None:
                event.deleted_at = None
                event.save(update_fields=["deleted_at"])
            return
        event.held = False
        event.save(update_fields=["held"])
        released = {k: v for k, v in event.payload.items() if k not in ("score", "words")}
        room_event_append(
            session=session,
            kind=RoomEvent.Kind.MESSAGE_RELEASED,
            author=event.author,
            payload={**released, "target": event.seq},
        )
    elif event.deleted_at is None:
        _message_hide(session, event, by=None)


def held_message_decide(
    *, session: LiveSession, user: User, seq: object, approve: object, reason: object = ""
) -> None:
    """The host or a moderator approves (released to viewers) or rejects a chat
    message screening held, from the room; the decision is the review queue's, so it
    is audited and reaches the next training set like one made in the admin."""
    if not room_role(session=session, user=user).can_moderate:
        raise PermissionDenied(_("Only the host or a moderator can decide held messages."))
    if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(approve, bool):
        raise ValidationError(_("Say which held message (its number) and approve true or false."))
    event = RoomEvent.objects.filter(
        session=session, seq=seq, kind=RoomEvent.Kind.CHAT, held=True, deleted_at__isnull=True
    ).first()
    item = review_item_for(event) if event is not None else None
    if item is None or not item.is_open:
        raise ValidationError(_("There is no such held message, or it was already decided."))
    if approve:
        moderation_services.review_approve(item=item, moderator=user)
    else:
        why = str(reason or "").strip() or _("Not allowed in this live room.")
        moderation_services.review_reject(item=item, moderator=user, reason=why)


@transaction.atomic
def message_delete(*, session: LiveSession, user: User, seq: object) -> RoomEvent:
    """Hide a chat message from history and from every open screen."""
    session = locked_session(session)
    if not room_role(session=session, user=user).can_moderate:
        raise PermissionDenied(_("Only the host or a moderator can delete messages."))
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise ValidationError(_("Say which message to delete by its number."))
    target = RoomEvent.objects.filter(
        session=session, seq=seq, kind=RoomEvent.Kind.CHAT, deleted_at__isnull=True
    ).first()
    if target is None:
        raise ValidationError(_("There is no such message, or it is already deleted."))
    return _message_hide(session, target, by=user)


def _message_hide(session: LiveSession, event: RoomEvent, *, by: User | None) -> RoomEvent:
    """Mark a chat message deleted and tell every open screen (only the host and
    moderators when it was held: viewers never saw it, there is nothing to take back)."""
    event.deleted_at = timezone.now()
    event.save(update_fields=["deleted_at"])
    if session.pinned_seq == event.seq:  # a deleted message is no longer pinned
        session.pinned_seq = None
        session.save(update_fields=["pinned_seq"])
    return room_event_append(
        session=session,
        kind=RoomEvent.Kind.MESSAGE_DELETED,
        author=by,
        payload={"target": event.seq},
        held=event.held,
    )
