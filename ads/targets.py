"""What a campaign can promote: the advertiser's course, channel or upcoming session."""

from dataclasses import dataclass

from livestream.models import LiveSession
from marketplace.models import Channel, Course


@dataclass(frozen=True)
class Target:
    kind: str
    pk: int
    title: str
    url: str
    owner_id: int
    key: str  # the recommender's item key ("course:3")


def target_get(kind: str, pk: int) -> Target | None:
    """The thing if it exists and is on show (published; a session still to come)."""
    if kind == "course":
        course = Course.objects.filter(pk=pk).select_related("channel__creator").first()
        if course is None or not course.is_published:
            return None
        return Target(kind, pk, course.title, course.get_absolute_url(),
                      course.channel.creator.user_id, f"course:{pk}")  # fmt: skip
    if kind == "channel":
        channel = Channel.objects.filter(pk=pk).select_related("creator").first()
        if channel is None or not channel.is_published:
            return None
        return Target(kind, pk, channel.title, channel.get_absolute_url(),
                      channel.creator.user_id, f"channel:{pk}")  # fmt: skip
    if kind == "session":
        session = LiveSession.objects.filter(pk=pk).select_related("channel__creator").first()
        if session is None or session.status != LiveSession.Status.SCHEDULED:
            return None
        return Target(kind, pk, session.title, session.get_absolute_url(),
                      session.channel.creator.user_id, f"session:{pk}")  # fmt: skip
    return None


def promotable_for(user) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """("course:3", "Course: Python 101") for each thing `user` may promote now."""
    choices: list[tuple[str, str]] = []
    for course in Course.objects.filter(channel__creator__user=user).order_by("title"):
        if course.is_published:
            choices.append((f"course:{course.pk}", f"{course._meta.verbose_name}: {course.title}"))
    for channel in Channel.objects.filter(creator__user=user).order_by("title"):
        if channel.is_published:
            choices.append(
                (f"channel:{channel.pk}", f"{channel._meta.verbose_name}: {channel.title}")
            )
    for session in LiveSession.objects.filter(
        channel__creator__user=user, status=LiveSession.Status.SCHEDULED
    ).order_by("scheduled_start"):
        choices.append((f"session:{session.pk}", f"{session._meta.verbose_name}: {session.title}"))
    return choices
