"""Which kinds of content moderation looks after, and how it reads and switches them.

Each app registers its public content once (in its `AppConfig.ready`):

    moderation.registry.register(
        Thread,
        text=lambda t: f"{t.title}\n{t.body}",
        author=lambda t: t.author,
        url=lambda t: t.get_absolute_url(),
        set_visible=thread_set_visible,       # service: show (True) or hide (False)
    )

The review queue, reports and appeals only ever go through these functions, so they
work for every registered kind alike and never need to know the model.

The app that owns creator profiles (marketplace) also tells moderation who is a
creator and who is a verified expert (`creators_register`): creator rules and
verification ask here rather than import it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Model

from accounts.models import User

M = TypeVar("M", bound=Model)
# The marketplace.Channel content lives in: one, several (a queryset), or none.
Channels = Model | Iterable[Model] | None


@dataclass(frozen=True)
class Moderated(Generic[M]):
    text: Callable[[M], str]  # everything the public sees, as plain text
    author: Callable[[M], User | None]  # the user who wrote it
    url: Callable[[M], str]  # where it is shown in context
    set_visible: Callable[[M, bool], None]  # a service that shows or hides it
    channel: Callable[[M], Channels] | None = None  # its marketplace.Channel(s), if any
    long_form: bool = False  # lessons and articles: see screening.text_screen
    # Whether a user may read it (paid or private content); None: anyone who sees it.
    readable_by: Callable[[M, User], bool] | None = None
    # The kind whose classifier hold threshold applies (MODERATION_CLASSIFIER_HOLD);
    # empty: the model's name ("question", "thread"...).
    kind: str = ""
    # Its uploaded picture (a cover), if it has one: the URL moderators see beside the
    # text ("" when none), and the owning app's service that removes it (the files
    # leave after commit; pages show the placeholder).
    picture: Callable[[M], str] | None = None
    picture_remove: Callable[[M], None] | None = None


_registry: dict[type[Model], Moderated[Any]] = {}


def register(
    model: type[M],
    *,
    text: Callable[[M], str],
    author: Callable[[M], User | None],
    url: Callable[[M], str],
    set_visible: Callable[[M, bool], None],
    channel: Callable[[M], Channels] | None = None,
    long_form: bool = False,
    readable_by: Callable[[M, User], bool] | None = None,
    kind: str = "",
    picture: Callable[[M], str] | None = None,
    picture_remove: Callable[[M], None] | None = None,
) -> None:
    """`channel` (optional) names the marketplace.Channel the content lives in, so a
    mute in that channel stops its author posting there. `long_form`: written material
    (Markdown with code, tables and references) rather than a post. `readable_by(obj,
    user)`: for paid or private content, whether the user may read it (only readers
    may report it). `kind`: the name of its classifier hold threshold (default: the
    model's name). `picture(obj)` / `picture_remove(obj)`: the object's uploaded
    picture, for kinds that have one, so a report on the object covers its picture and a
    moderator may remove the picture alone."""
    _registry[model] = Moderated(
        text=text,
        author=author,
        url=url,
        set_visible=set_visible,
        channel=channel,
        long_form=long_form,
        readable_by=readable_by,
        kind=kind or model._meta.model_name or "",
        picture=picture,
        picture_remove=picture_remove,
    )


def public_text(*parts: str) -> str:
    """The public parts of an object (title, summary, body...) as one text to screen;
    empty parts are left out."""
    return "\n".join(part for part in parts if part)


def adapter_for(obj_or_model: Model | type[Model]) -> Moderated[Any]:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    try:
        return _registry[model._meta.concrete_model or model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not registered with moderation") from None


def registered_models() -> list[type[Model]]:
    return list(_registry)


# --- creators ---------------------------------------------------------------------


@dataclass(frozen=True)
class Creators:
    is_creator: Callable[[User], bool]  # the user has a creator profile
    is_verified: Callable[[User], bool]  # ... and wears the verified-expert badge


_creators: list[Creators] = []


def creators_register(
    *, is_creator: Callable[[User], bool], is_verified: Callable[[User], bool]
) -> None:
    """The creator profiles' owner answers these (one owner; a second call replaces)."""
    _creators[:] = [Creators(is_creator=is_creator, is_verified=is_verified)]


def creator_is(user: User) -> bool:
    """True when `user` has a creator profile (False if no app keeps creators)."""
    return bool(_creators) and _creators[0].is_creator(user)


def creator_is_verified(user: User) -> bool:
    """True for a creator with the verified-expert badge."""
    return bool(_creators) and _creators[0].is_verified(user)
