"""Reads of discussions: what a user may see, in few queries."""

from collections.abc import Iterable
from typing import TypedDict

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from discussions import kinds
from discussions.models import Like, LikeTally, Reply, Thread

SORTS = ("newest", "liked")
REPLY_SORTS = ("oldest", "newest", "liked")


def _shown_to(user: User, prefix: str = "") -> Q:
    """Visible content, plus the user's own held content ("waiting for review")."""
    q = Q(**{f"{prefix}is_visible": True})
    if user.is_authenticated:
        q |= Q(**{f"{prefix}author_id": user.pk})
    return q


def target_of(kind_name: str, pk: int, user: User) -> tuple[kinds.Discussable, Model]:
    """The discussed object if its page is visible to the user, else Http404."""
    kind = kinds.discussable_get(kind_name)
    return kind, kind.get_for_user(pk, user)


class AreaAccess(TypedDict):
    may_read: bool
    may_write: bool
    is_moderator: bool


def area_access(*, user: User, target: Model) -> AreaAccess:
    kind = kinds.discussable_for_model(target)
    may_read = kind.may_read(user, target)
    return {
        "may_read": may_read,
        "may_write": may_read and kind.may_write(user, target),
        "is_moderator": user.is_authenticated
        and (user.is_staff or kind.moderator_user_id(target) == user.pk),
    }


def threads_for_target(*, target: Model, user: User, sort: str = "newest") -> QuerySet[Thread]:
    """Pinned threads first, then newest or most liked; held threads only for their
    author; deleted threads stay (as a placeholder) while they have replies."""
    ct = ContentType.objects.get_for_model(target)
    order = ("-like_count", "-created_at", "-id") if sort == "liked" else ("-created_at", "-id")
    return (
        Thread.objects.filter(content_type=ct, object_id=target.pk)
        .filter(_shown_to(user))
        .select_related("author")
        .annotate(
            replies_shown=Count(
                "replies",
                filter=Q(replies__is_visible=True, replies__deleted_at__isnull=True),
            )
        )
        .exclude(deleted_at__isnull=False, replies_shown=0)
        .order_by("-is_pinned", *order)
    )


def threads_public() -> QuerySet[Thread]:
    """Threads anyone may read, visitors included (for site-wide search): visible, not
    deleted, about an object whose discussion is open to all (a free public session);
    the discussions of paid content never."""
    open_to_all = Q(pk__in=[])
    for kind in kinds.DISCUSSABLE.values():
        if kind.public_ids is not None:
            ct = ContentType.objects.get_for_model(kind.model)
            open_to_all |= Q(content_type=ct, object_id__in=kind.public_ids())
    return Thread.objects.filter(
        open_to_all, is_visible=True, deleted_at__isnull=True
    ).select_related("author")


def thread_reply_count(*, thread: Thread) -> int:
    """Replies everyone sees (what threads_for_target annotates as replies_shown)."""
    return thread.replies.filter(is_visible=True, deleted_at__isnull=True).count()


def thread_get_for_user(*, pk: int, user: User) -> Thread:
    """The thread if the user may read it: Http404 if it does not exist or is held
    (and not theirs); PermissionDenied if the content is paid and not theirs."""
    thread = Thread.objects.select_related("author", "content_type").filter(pk=pk).first()
    if thread is None or not (thread.is_visible or thread.author_id == user.pk):
        raise Http404
    model = thread.content_type.model_class()
    if model is None:  # the discussed kind's app is gone
        raise Http404
    kind = kinds.discussable_for_model(model)
    target = kind.get_for_user(thread.object_id, user)
    if not kind.may_read(user, target):
        raise PermissionDenied(
            _("Only people with access to this content can read its discussion.")
        )
    thread.target_obj = target
    return thread


def reply_get_for_user(*, pk: int, user: User) -> Reply:
    reply = Reply.objects.select_related("author").filter(pk=pk).first()
    if reply is None or not (reply.is_visible or reply.author_id == user.pk):
        raise Http404
    reply.thread = thread_get_for_user(pk=reply.thread_id, user=user)
    return reply


def replies_for_thread(*, thread: Thread, user: User, sort: str = "oldest") -> list[Reply]:
    """Top-level replies, each with `.shown_children` (its replies, oldest first).

    One query. A deleted reply stays as a placeholder so its children keep their place.
    """
    replies = list(
        Reply.objects.filter(thread=thread)
        .filter(_shown_to(user))
        .select_related("author", "in_reply_to__author")
        .order_by("created_at", "id")
    )
    top: list[Reply] = []
    by_id: dict[int, Reply] = {}
    for reply in replies:
        reply.shown_children = []
        by_id[reply.pk] = reply
    for reply in replies:
        if reply.parent_id is None:
            top.append(reply)
        elif reply.parent_id in by_id and not reply.is_deleted:
            # A deleted reply under a reply has nothing hanging from it: it just goes.
            by_id[reply.parent_id].shown_children.append(reply)
    top = [r for r in top if not (r.is_deleted and not r.shown_children)]
    if sort == "newest":
        top.sort(key=lambda r: (r.created_at, r.pk), reverse=True)
    elif sort == "liked":
        top.sort(key=lambda r: (-r.like_count, r.created_at, r.pk))
    return top


def liked_ids(*, user: User, model: type[Model], ids: Iterable[int]) -> set[int]:
    if not user.is_authenticated or not ids:
        return set()
    ct = ContentType.objects.get_for_model(model)
    return set(
        Like.objects.filter(user=user, content_type=ct, object_id__in=list(ids)).values_list(
            "object_id", flat=True
        )
    )


def like_count(obj: Model) -> int:
    if hasattr(obj, "like_count"):
        return obj.like_count
    ct = ContentType.objects.get_for_model(obj)
    tally = LikeTally.objects.filter(content_type=ct, object_id=obj.pk).first()
    return tally.count if tally else 0


def like_target_get_for_user(*, kind_name: str, pk: int, user: User) -> Model:
    """The object to like if the user may see it, else Http404 (or PermissionDenied)."""
    model = kinds.likeable_model(kind_name)
    if kind_name == "thread":
        thread = thread_get_for_user(pk=pk, user=user)
        if thread.is_deleted or not thread.is_visible:
            raise Http404
        return thread
    if kind_name == "reply":
        reply = reply_get_for_user(pk=pk, user=user)
        if reply.is_deleted or not reply.is_visible:
            raise Http404
        return reply
    if kind_name in kinds.DISCUSSABLE:
        return kinds.DISCUSSABLE[kind_name].get_for_user(pk, user)
    # Kinds owned by other apps (paid-question answers): it must exist and be shown,
    # and what is paid for can be liked only by those who may read it.
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None or getattr(obj, "is_visible", True) is False:
        raise Http404
    check = kinds.like_access_check(kind_name)
    if check is not None and not check(obj=obj, user=user):
        raise PermissionDenied(_("Only people who can read this can like it."))
    return obj
