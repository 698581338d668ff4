"""Every write of community: following, the feed kept in step with what creators
publish, and the go-live notice to followers in batches."""

from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, User
from accounts.services import in_language_of
from accounts.services.notify import notify_many
from community.models import FeedItem, Follow
from community.selectors import follower_ids, target_lookup
from community.sharing import absolute
from content.models import Article, Lesson
from core import events
from core.money import format_money
from livestream.emails import live_now_email
from livestream.models import LiveSession
from livestream.selectors import sessions_public
from livestream.services.sessions import live_notice_key
from marketplace.models import Channel, Course, CreatorProfile
from marketplace.selectors import channels_public
from qa.models import Question

Kind = FeedItem.Kind


# --- following ---------------------------------------------------------------------------


@transaction.atomic
def follow_set(*, user: User, target: CreatorProfile | Channel, on: bool) -> bool:
    """Follow (or stop following) one creator or one channel. Free, and apart from
    subscribing. Twice is the same as once. Returns the new state."""
    lookup = target_lookup(target)
    if not on:
        Follow.objects.filter(user=user, **lookup).delete()
        return False
    owner = target if isinstance(target, CreatorProfile) else target.creator
    if owner.user_id == user.pk:
        raise ValidationError(_("You cannot follow yourself."))
    if isinstance(target, Channel) and not target.is_published:
        raise ValidationError(_("This channel is not public."))
    try:
        with transaction.atomic():
            Follow.objects.get_or_create(user=user, **lookup)
    except IntegrityError:
        pass  # a double click raced us: it is followed either way
    # Interest in the channel (a creator: their newest public channel), for "For you".
    channel = (
        target
        if isinstance(target, Channel)
        else channels_public().filter(creator=target).order_by("-published_at", "-pk").first()
    )
    if channel is not None:
        events.send_on_commit(events.Engaged.about(user_id=user.pk, kind="follow", obj=channel))
    return True


# --- the feed ----------------------------------------------------------------------------


def _put(
    kind: str, object_id: int, *, creator_id: int, channel_id: int | None, title: str, url: str
) -> None:
    FeedItem.objects.update_or_create(
        kind=kind,
        object_id=object_id,
        defaults={
            "creator_id": creator_id,
            "channel_id": channel_id,
            "title": title[:200],
            "url": url,
        },
        create_defaults={
            "creator_id": creator_id,
            "channel_id": channel_id,
            "title": title[:200],
            "url": url,
            "published_at": timezone.now(),
        },
    )


def _drop(kind: str, object_id: int) -> None:
    FeedItem.objects.filter(kind=kind, object_id=object_id).delete()


@transaction.atomic
def feed_item_record(*, kind: str, object_id: int) -> bool:
    """Bring the feed in step with one source object: recorded (title and address kept
    fresh) while it is public, removed once it is not. Safe to run any number of times.
    Returns whether it is in the feed now."""
    found = _public_source(kind, object_id)
    if found is None:
        _drop(kind, object_id)
        return False
    creator_id, channel_id, title, url = found
    _put(kind, object_id, creator_id=creator_id, channel_id=channel_id, title=title, url=url)
    return True


def _public_source(kind: str, object_id: int) -> tuple[int, int | None, str, str] | None:
    """(creator id, channel id, title, url) of a public source object, else None."""
    if kind in (Kind.SESSION, Kind.REPLAY):
        session = sessions_public().select_related("channel").filter(pk=object_id).first()
        if session is None or session.status == LiveSession.Status.CANCELLED:
            return None
        if kind == Kind.REPLAY and (
            session.replay_status != LiveSession.Replay.READY or session.replay_hidden
        ):
            return None
        channel = session.channel
        return channel.creator_id, channel.pk, session.title, session.get_absolute_url()
    if kind == Kind.COURSE:
        course = Course.objects.select_related("channel").filter(pk=object_id).first()
        if course is None or not course.is_published or not course.channel.is_published:
            return None
        return course.channel.creator_id, course.channel_id, course.title, course.get_absolute_url()
    if kind in (Kind.LESSON, Kind.ARTICLE):
        if kind == Kind.LESSON:
            item: Lesson | Article | None = (
                Lesson.objects.select_related("course__channel").filter(pk=object_id).first()
            )
        else:
            item = Article.objects.select_related("channel").filter(pk=object_id).first()
        if item is None or not item.is_public or not item.channel.is_published:
            return None
        channel = item.channel
        return channel.creator_id, channel.pk, item.title, item.get_absolute_url()
    if kind == Kind.ANSWER:
        question = (
            Question.objects.select_related("expert__creator_profile", "answer")
            .filter(pk=object_id, status=Question.Status.ANSWERED, is_public=True, is_visible=True)
            .first()
        )
        answer = getattr(question, "answer", None) if question is not None else None
        creator = getattr(question.expert, "creator_profile", None) if question else None
        if question is None or answer is None or not answer.is_visible or creator is None:
            return None
        title = " ".join(question.text.split())
        title = title if len(title) <= 120 else title[:119] + "…"
        return creator.pk, None, title, question.get_absolute_url()
    raise ValueError(f"unknown feed kind: {kind}")


# --- go-live to followers ----------------------------------------------------------------


def _in_batches(ids: Iterable[int]) -> Iterator[list[int]]:
    size = settings.COMMUNITY_FANOUT_BATCH
    batch: list[int] = []
    for user_id in ids:
        batch.append(user_id)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def golive_followers_batches(*, session_id: int) -> Iterator[list[int]]:
    """The followers to tell that a session went live (of its channel or its creator,
    each once, the host left out), in batches of COMMUNITY_FANOUT_BATCH user ids read
    by one query. Nothing if the session is no longer live or not public."""
    session = (
        sessions_public()
        .select_related("channel__creator")
        .filter(pk=session_id, status=LiveSession.Status.LIVE)
        .first()
    )
    if session is None:
        return
    size = settings.COMMUNITY_FANOUT_BATCH
    yield from _in_batches(follower_ids(channel=session.channel).iterator(chunk_size=size))


def golive_followers_notify(*, session_id: int, user_ids: list[int]) -> int:
    """Tell one batch of followers that the session is live, as each wants go-live
    notices (in the site, e-mail, both, none): a fixed number of queries per batch.
    Anyone already told (a subscriber, a ticket holder, an earlier try) is skipped.
    Returns how many were newly told."""
    session = (
        LiveSession.objects.select_related("channel")
        .filter(pk=session_id, status=LiveSession.Status.LIVE)
        .first()
    )
    if session is None:
        return 0  # ended before this batch ran: "it is live" would be wrong
    users = list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))
    told = notify_many(
        users=users,
        kind=NotificationKind.GO_LIVE,
        key=live_notice_key(session.pk),
        text=lambda user: (
            _("“%(title)s” on %(channel)s is live now.")
            % {"title": session.title, "channel": session.channel.title}
        ),
        url=session.get_absolute_url(),
        email=lambda user: live_now_email(session=session, user=user, follower=True),
    )
    return len(told)


# --- price changes to followers -----------------------------------------------------------


def price_change_batches(*, channel_id: int) -> Iterator[list[int]]:
    channel = Channel.objects.select_related("creator").filter(pk=channel_id).first()
    if channel is None:
        return
    size = settings.COMMUNITY_FANOUT_BATCH
    yield from _in_batches(follower_ids(channel=channel).iterator(chunk_size=size))


def price_change_notify(
    *, course_id: int, old_amount: int, new_amount: int, currency: str, user_ids: list[int]
) -> int:
    """Tell one batch of the channel's followers that a course's price changed, as each
    wants price-change notices. Once per person and change. Returns how many were told."""
    course = Course.objects.select_related("channel").filter(pk=course_id).first()
    if course is None or not course.is_published:
        return 0
    if course.price_amount != new_amount or course.currency != currency:
        return 0  # changed again since: that change tells its own story
    old, new = format_money(old_amount, currency), format_money(new_amount, currency)
    url = course.get_absolute_url()

    def line(user: User) -> str:
        return _("The price of “%(title)s” changed from %(old)s to %(new)s.") % {
            "title": course.title,
            "old": old,
            "new": new,
        }

    def email(user: User) -> EmailMessage:
        with in_language_of(user):
            text = line(user)
        return EmailMessage(
            subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + text[:120],
            body=f"{text}\n\n{absolute(url)}",
            to=[user.email],
        )

    users = list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))
    told = notify_many(
        users=users,
        kind=NotificationKind.PRICE_CHANGE,
        key=f"price:course:{course.pk}:{old_amount}:{new_amount}{currency}",
        text=line,
        url=url,
        email=email,
    )
    return len(told)
