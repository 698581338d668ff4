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
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model


@dataclass(frozen=True)
class Moderated:
    text: Callable[[Model], str]  # everything the public sees, as plain text
    author: Callable[[Model], Model]  # the user who wrote it
    url: Callable[[Model], str]  # where it is shown in context
    set_visible: Callable[[Model, bool], None]  # a service that shows or hides it
    channel: Callable[[Model], Model | None] | None = None  # its marketplace.Channel, if any
    long_form: bool = False  # lessons and articles: see screening.text_screen
    # Whether a user may read it (paid or private content); None: anyone who sees it.
    readable_by: Callable[[Model, Model], bool] | None = None


_registry: dict[type[Model], Moderated] = {}


def register(
    model: type[Model],
    *,
    text: Callable[[Model], str],
    author: Callable[[Model], Model],
    url: Callable[[Model], str],
    set_visible: Callable[[Model, bool], None],
    channel: Callable[[Model], Model | None] | None = None,
    long_form: bool = False,
    readable_by: Callable[[Model, Model], bool] | None = None,
) -> None:
    """`channel` (optional) names the marketplace.Channel the content lives in, so a
    mute in that channel stops its author posting there. `long_form`: written material
    (Markdown with code, tables and references) rather than a post. `readable_by(obj,
    user)`: for paid or private content, whether the user may read it (only readers
    may report it)."""
    _registry[model] = Moderated(
        text=text,
        author=author,
        url=url,
        set_visible=set_visible,
        channel=channel,
        long_form=long_form,
        readable_by=readable_by,
    )


def adapter_for(obj_or_model) -> Moderated:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    try:
        return _registry[model._meta.concrete_model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not registered with moderation") from None


def registered_models() -> list[type[Model]]:
    return list(_registry)
