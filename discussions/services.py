"""Every discussion write: threads, replies, moderation switches and likes."""

from datetime import datetime, timedelta
from typing import Literal, TypeVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, User
from accounts.services import in_language_of
from accounts.services.notify import notify
from core import events
from discussions import kinds
from discussions.models import Like, LikeTally, Reply, Thread
from moderation.services import content_screen

Post = TypeVar("Post", Thread, Reply)

# --- input -------------------------------------------------------------------------


def _title_clean(title: str) -> str:
    title = " ".join((title or "").split())  # a title is one line
    if not title:
        raise ValidationError({"title": _("Give your thread a title.")})
    limit = settings.DISCUSSIONS_MAX_TITLE_CHARS
    if len(title) > limit:
        raise ValidationError(
            {"title": _("Keep the title to %(limit)d characters or fewer.") % {"limit": limit}}
        )
    return title


def _body_clean(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something first: the text is empty.")})
    limit = settings.DISCUSSIONS_MAX_BODY_CHARS
    if len(body) > limit:
        raise ValidationError(
            {"body": _("Keep the text to %(limit)d characters or fewer.") % {"limit": limit}}
        )
    return body


def edit_window() -> timedelta:
    return timedelta(minutes=settings.DISCUSSIONS_EDIT_WINDOW_MINUTES)


def _check_editable(post: Thread | Reply, *, user: User, now: datetime | None) -> None:
    if post.author_id != user.pk:
        raise PermissionDenied(_("You can only change your own posts."))
    if post.is_deleted:
        raise ValidationError(_("This post was deleted."))
    now = now or timezone.now()
    if now - post.created_at > edit_window():
        raise ValidationError(
            _("Posts can be edited for %(minutes)d minutes after posting; this one no longer.")
            % {"minutes": settings.DISCUSSIONS_EDIT_WINDOW_MINUTES}
        )


def _target_for_write(*, user: User, target: Model) -> kinds.Discussable:
    kind = kinds.discussable_for_model(target)
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to take part in the discussion."))
    if not kind.may_write(user, target):
        raise PermissionDenied(
            _("Only people with access to this content can take part in its discussion.")
        )
    return kind


def _thread_target(thread: Thread) -> Model:
    target: Model | None = getattr(thread, "target_obj", None) or thread.target
    if target is None:
        raise LookupError(f"what thread {thread.pk} discusses is gone")
    return target


def _is_moderator(*, user: User, thread: Thread) -> bool:
    target = _thread_target(thread)
    kind = kinds.discussable_for_model(target)
    return user.is_authenticated and (user.is_staff or kind.moderator_user_id(target) == user.pk)


def _engaged(*, user: User, obj: Model | None, kind: str) -> None:
    """Tell whoever listens (recommend) about a like or comment on `obj` (the session
    or course), once the transaction commits: a refused post says nothing."""
    if obj is not None:
        events.send_on_commit(events.Engaged.about(user_id=user.pk, kind=kind, obj=obj))


# --- threads -------------------------------------------------------------------------


@transaction.atomic
def thread_create(*, author: User, target: Model, title: str, body: str) -> Thread:
    """Start a thread. Refused text raises ValidationError and nothing is saved;
    held text is saved hidden (only its author sees it, waiting for review)."""
    _target_for_write(user=author, target=target)
    thread = Thread.objects.create(
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        author=author,
        title=_title_clean(title),
        body=_body_clean(body),
    )
    content_screen(obj=thread)
    thread.refresh_from_db(fields=["is_visible"])
    _engaged(user=author, obj=target, kind="comment")
    return thread


@transaction.atomic
def thread_edit(
    *, user: User, thread: Thread, title: str, body: str, now: datetime | None = None
) -> Thread:
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    _check_editable(thread, user=user, now=now)
    thread.title = _title_clean(title)
    thread.body = _body_clean(body)
    thread.edited_at = timezone.now()
    thread.save(update_fields=["title", "body", "edited_at"])
    content_screen(obj=thread)
    thread.refresh_from_db(fields=["is_visible"])
    return thread


def _soft_delete(post: Post, *, user: User, cleared: dict[str, object]) -> Post:
    """The text goes (`cleared`), a placeholder keeps the replies in place. The
    caller runs in a transaction: the row stays locked until it commits."""
    post = type(post)._default_manager.select_for_update().get(pk=post.pk)
    if post.author_id != user.pk:
        raise PermissionDenied(_("You can only delete your own posts."))
    if not post.is_deleted:
        post.deleted_at = timezone.now()
        for name, value in cleared.items():
            setattr(post, name, value)
        post.save(update_fields=["deleted_at", *cleared])
    return post


@transaction.atomic
def thread_delete(*, user: User, thread: Thread) -> Thread:
    return _soft_delete(thread, user=user, cleared={"title": "", "body": "", "is_pinned": False})


ThreadFlag = Literal["pin", "lock"]
_FLAG_FIELDS: dict[ThreadFlag, str] = {"pin": "is_pinned", "lock": "is_locked"}


def thread_flag_set(*, user: User, thread: Thread, flag: ThreadFlag, on: bool) -> Thread:
    """Pin or lock a thread (`on`), or undo it: the channel's creator or staff only."""
    if not _is_moderator(user=user, thread=thread):
        raise PermissionDenied(_("Only the creator of this channel can pin or lock threads."))
    field = _FLAG_FIELDS[flag]
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        if locked.is_deleted:
            raise ValidationError(_("This thread was deleted."))
        setattr(locked, field, on)
        locked.save(update_fields=[field])
    return locked


def thread_pin(*, user: User, thread: Thread, pinned: bool) -> Thread:
    return thread_flag_set(user=user, thread=thread, flag="pin", on=pinned)


def thread_lock(*, user: User, thread: Thread, locked: bool) -> Thread:
    return thread_flag_set(user=user, thread=thread, flag="lock", on=locked)


def thread_set_visible(thread: Thread, visible: bool) -> None:
    """Moderation's switch (registered in DiscussionsConfig.ready)."""
    Thread.objects.filter(pk=thread.pk).update(is_visible=visible)
    thread.is_visible = visible


# --- replies -----------------------------------------------------------------------


@transaction.atomic
def reply_create(
    *, author: User, thread: Thread, body: str, in_reply_to: Reply | None = None
) -> Reply:
    """Reply to a thread, or to a reply (shown flat under its top-level reply).

    The thread row is locked so that a lock taking effect and a reply racing it
    agree: a reply is either in before the lock or refused."""
    target = _thread_target(thread)
    _target_for_write(user=author, target=target)
    thread_row = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread_row.is_locked:
        raise ValidationError(_("This thread is locked: the creator closed it to new replies."))
    if thread_row.is_deleted or not thread_row.is_visible:
        raise ValidationError(_("This thread is not open for replies."))
    parent = None
    if in_reply_to is not None:
        if in_reply_to.thread_id != thread.pk:
            raise ValidationError(_("That reply belongs to another thread."))
        if in_reply_to.is_deleted or not in_reply_to.is_visible:
            raise ValidationError(_("That reply is no longer shown; reply to the thread instead."))
        parent = in_reply_to if in_reply_to.parent_id is None else in_reply_to.parent
    reply = Reply.objects.create(
        thread=thread_row,
        parent=parent,
        in_reply_to=in_reply_to,
        author=author,
        body=_body_clean(body),
    )
    content_screen(obj=reply)
    reply.refresh_from_db(fields=["is_visible"])
    thread_row.target_obj = target
    reply.thread = thread_row
    if reply.is_visible:
        _reply_announce(reply)
    _engaged(user=author, obj=target, kind="comment")
    return reply


@transaction.atomic
def reply_edit(*, user: User, reply: Reply, body: str, now: datetime | None = None) -> Reply:
    thread = reply.thread
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    _check_editable(reply, user=user, now=now)
    reply.body = _body_clean(body)
    reply.edited_at = timezone.now()
    reply.save(update_fields=["body", "edited_at"])
    content_screen(obj=reply)
    reply.refresh_from_db(fields=["is_visible"])
    reply.thread = thread
    return reply


@transaction.atomic
def reply_delete(*, user: User, reply: Reply) -> Reply:
    return _soft_delete(reply, user=user, cleared={"body": ""})


def reply_set_visible(reply: Reply, visible: bool) -> None:
    """Moderation's switch: approving a held reply also tells the people it answers."""
    with transaction.atomic():
        Reply.objects.filter(pk=reply.pk).update(is_visible=visible)
        reply.is_visible = visible
        if visible:
            _reply_announce(Reply.objects.select_related("thread").get(pk=reply.pk))


def _reply_announce(reply: Reply) -> None:
    """Notify the thread's author and the author of the reply answered, once."""
    if reply.notified_at is not None:
        return
    reply.notified_at = timezone.now()
    Reply.objects.filter(pk=reply.pk).update(notified_at=reply.notified_at)
    thread = reply.thread
    recipients: list[tuple[User, str]] = []
    if thread.author_id != reply.author_id:
        recipients.append((thread.author, "thread"))
    answered = reply.in_reply_to
    if (
        answered is not None
        and answered.author_id not in (reply.author_id, thread.author_id)
        and not answered.is_deleted
    ):
        recipients.append((answered.author, "reply"))
    url = reply.get_absolute_url()
    for user, what in recipients:
        _reply_notify(user=user, reply=reply, thread=thread, what=what, url=url)


def _reply_notify(*, user: User, reply: Reply, thread: Thread, what: str, url: str) -> None:
    name = reply.author.public_name

    def text() -> str:
        if what == "thread":
            line = _("%(name)s replied to your thread “%(title)s”: %(excerpt)s")
        else:
            line = _("%(name)s replied to you in “%(title)s”: %(excerpt)s")
        return line % {"name": name, "title": thread.title, "excerpt": reply.body[:120]}

    def email(user: User) -> EmailMultiAlternatives:
        context = {
            "recipient": user,
            "author_name": name,
            "thread_title": thread.title,
            "body": reply.body,
            "url": settings.SITE_URL.rstrip("/") + url,
            "what": what,
        }
        with in_language_of(user):
            message = EmailMultiAlternatives(
                subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
                + _("New reply in “%(title)s”") % {"title": thread.title},
                body=render_to_string("discussions/email/reply.txt", context),
                to=[user.email],
            )
            message.attach_alternative(
                render_to_string("discussions/email/reply.html", context), "text/html"
            )
        return message

    notify(
        user=user,
        kind=NotificationKind.REPLY,
        key=f"discussions:reply:{reply.pk}:{what}",
        text=text,
        url=url,
        email=email if user.email else None,
    )


# --- likes ---------------------------------------------------------------------------


def _counter_add(obj: Model, ct: ContentType, delta: int) -> None:
    if hasattr(obj, "like_count"):
        type(obj)._default_manager.filter(pk=obj.pk).update(like_count=F("like_count") + delta)
        return
    # The tally row may not exist yet: create it without racing (ON CONFLICT DO
    # NOTHING waits for a concurrent insert to commit), then add atomically.
    LikeTally.objects.bulk_create(
        [LikeTally(content_type=ct, object_id=obj.pk, count=0)], ignore_conflicts=True
    )
    LikeTally.objects.filter(content_type=ct, object_id=obj.pk).update(count=F("count") + delta)


def _count_read(obj: Model, ct: ContentType) -> int:
    if hasattr(obj, "like_count"):
        return type(obj)._default_manager.values_list("like_count", flat=True).get(pk=obj.pk)
    return (
        LikeTally.objects.filter(content_type=ct, object_id=obj.pk)
        .values_list("count", flat=True)
        .first()
        or 0
    )


def like_set(*, user: User, obj: Model, liked: bool) -> tuple[bool, int]:
    """Make the user's like of `obj` be `liked`; returns (liked, count).

    Idempotent, so a double click never counts twice: the unique constraint
    decides which of two concurrent inserts wins, and the counter moves in the same
    transaction as the Like row, only when a row was really inserted or deleted."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to like things."))
    ct = ContentType.objects.get_for_model(obj)
    changed = False
    with transaction.atomic():
        if liked:
            try:
                with transaction.atomic():
                    Like.objects.create(user=user, content_type=ct, object_id=obj.pk)
                changed = True
            except IntegrityError:
                changed = False  # already liked (perhaps by a concurrent click)
            if changed:
                _counter_add(obj, ct, +1)
        else:
            deleted, _detail = Like.objects.filter(
                user=user, content_type=ct, object_id=obj.pk
            ).delete()
            changed = bool(deleted)
            if changed:
                _counter_add(obj, ct, -1)
        count = _count_read(obj, ct)
    if changed and liked:
        target: Model | None = obj
        if isinstance(obj, Thread):
            target = obj.target
        elif isinstance(obj, Reply):
            target = obj.thread.target
        _engaged(user=user, obj=target, kind="like")
    return liked, count


def like_toggle(*, user: User, obj: Model) -> tuple[bool, int]:
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to like things."))
    ct = ContentType.objects.get_for_model(obj)
    exists = Like.objects.filter(user=user, content_type=ct, object_id=obj.pk).exists()
    return like_set(user=user, obj=obj, liked=not exists)
