"""What can be discussed and liked, and who may read and write there.

Access rule (decided for issue 6): a discussion is as public as the content it is
about. Whoever may see the page may see that it has a discussion; reading it needs
the right to watch the content (free courses and free sessions: everyone, including
visitors without an account; paid or subscriber content: ticket holders,
subscribers, the creator, staff), and writing needs an account on top, plus, for live
sessions, not being banned from the room (`viewer_may_watch`). The creator of the
channel and staff moderate (pin, lock).

A new kind (an article, a lesson) is one more `Discussable` in `DISCUSSABLE`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Model, QuerySet
from django.http import Http404

from accounts.models import User
from livestream.models import LiveSession
from livestream.selectors import session_get_for_user, sessions_public
from livestream.services import viewer_may_watch
from marketplace.holdings import course_follow_check
from marketplace.models import Channel, Course
from marketplace.selectors import course_get_for_user


@dataclass(frozen=True)
class Discussable:
    name: str  # in URLs: /discussions/<name>/<pk>/
    model_label: str
    get_for_user: Callable[[int, User], Model]  # the page's own visibility; Http404
    may_read: Callable[[User, Model], bool]
    may_write: Callable[[User, Model], bool]
    # The ids of the objects whose discussion anyone may read, visitors included (a
    # queryset of pks, for search); None when every discussion of the kind is paid.
    public_ids: Callable[[], QuerySet[Any]] | None = None

    @property
    def model(self) -> type[Model]:
        return apps.get_model(self.model_label)

    def moderator_user_id(self, obj: Model) -> int:
        """The user id of the channel's creator, who moderates its discussions."""
        return _channel_of(obj).creator.user_id


def _discussed(obj: Model) -> LiveSession | Course:
    if not isinstance(obj, LiveSession | Course):
        raise LookupError(f"{obj._meta.label} has no discussion area")
    return obj


def _channel_of(obj: Model) -> Channel:
    return _discussed(obj).channel


def _session_get(pk: int, user: User) -> LiveSession:
    return session_get_for_user(pk=pk, user=user)


def _session_may_read(user: User, session: Model) -> bool:
    if isinstance(session, LiveSession) and session.access == LiveSession.Access.FREE:
        return True
    return _session_may_write(user, session)


def _session_public_ids() -> QuerySet[Any]:
    """Free sessions whose page is public: what _session_may_read admits anyone to."""
    return sessions_public().filter(access=LiveSession.Access.FREE).values("pk")


def _session_may_write(user: User, session: Model) -> bool:
    return (
        user.is_authenticated
        and isinstance(session, LiveSession)
        and viewer_may_watch(session=session, user=user)
    )


def _course_get(pk: int, user: User) -> Course:
    slug = Course.objects.filter(pk=pk).values_list("slug", flat=True).first()
    if slug is None:
        raise Http404
    return course_get_for_user(slug=slug, user=user)


def _course_may_read(user: User, course: Model) -> bool:
    """Its ticket holders and its channel's subscribers (the tier opens the course)."""
    return isinstance(course, Course) and course_follow_check(user=user, course=course)


def _course_may_write(user: User, course: Model) -> bool:
    return user.is_authenticated and _course_may_read(user, course)


DISCUSSABLE: dict[str, Discussable] = {
    "session": Discussable(
        name="session",
        model_label="livestream.LiveSession",
        get_for_user=_session_get,
        may_read=_session_may_read,
        may_write=_session_may_write,
        public_ids=_session_public_ids,
    ),
    "course": Discussable(
        name="course",
        model_label="marketplace.Course",
        get_for_user=_course_get,
        may_read=_course_may_read,
        may_write=_course_may_write,
    ),
}


def _label(obj_or_model: Model | type[Model]) -> str:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    concrete = model._meta.concrete_model
    return (concrete or model)._meta.label


def discussable_for_model(obj_or_model: Model | type[Model]) -> Discussable:
    label = _label(obj_or_model)
    for kind in DISCUSSABLE.values():
        if kind.model_label == label:
            return kind
    raise LookupError(f"{label} has no discussion area")


def discussable_get(name: str) -> Discussable:
    try:
        return DISCUSSABLE[name]
    except KeyError:
        raise Http404 from None


# Likeable kinds: the discussable ones, threads, replies, and what apps above
# discussions register from their ready() (qa's paid answers): qa imports
# discussions (its pages show like buttons), so discussions never imports qa.
LIKEABLE_MODELS: dict[str, str] = {
    "session": "livestream.LiveSession",
    "course": "marketplace.Course",
    "thread": "discussions.Thread",
    "reply": "discussions.Reply",
}

# Kinds whose content is paid for: who may like them is decided by their own app
# (a function taking obj= and user=, returning whether the user may read the object).
LIKE_ACCESS: dict[str, Callable[..., bool]] = {}


def likeable_register(
    name: str, *, model_label: str, readable_by: Callable[..., bool] | None = None
) -> None:
    """Let `name` (in like URLs) be liked; `readable_by(obj=, user=)`, for paid
    content, says who may read it and so like it."""
    LIKEABLE_MODELS[name] = model_label
    if readable_by is not None:
        LIKE_ACCESS[name] = readable_by


def like_access_check(name: str) -> Callable[..., bool] | None:
    """The read check of a paid kind, or None when seeing it is enough."""
    return LIKE_ACCESS.get(name)


def likeable_model(name: str) -> type[Model]:
    label = LIKEABLE_MODELS.get(name)
    if label is None:
        raise Http404
    try:
        return apps.get_model(label)
    except LookupError:
        raise Http404 from None
