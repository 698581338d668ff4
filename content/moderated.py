"""How moderation reads and switches lessons and articles: registered with
moderation's registry from ContentConfig.ready (moderation never imports content)."""

from django.db.models import Model

from accounts.models import User
from content import services
from content.models import Article, Lesson
from moderation import registry


def _item(obj: Model) -> Lesson | Article:
    if not isinstance(obj, Lesson | Article):
        raise TypeError(f"{obj!r} is no lesson or article")
    return obj


def _text(obj: Model) -> str:
    item = _item(obj)
    return f"{item.title}\n{item.summary}\n{item.body}"


def _author(obj: Model) -> User:
    return _item(obj).author


def _url(obj: Model) -> str:
    return _item(obj).get_absolute_url()


def _set_visible(obj: Model, visible: bool) -> None:
    services.item_set_visible(_item(obj), visible)


def _channel(obj: Model) -> Model | None:
    return _item(obj).channel


def register() -> None:
    for model in (Lesson, Article):
        registry.register(
            model,
            text=_text,
            author=_author,
            url=_url,
            set_visible=_set_visible,
            channel=_channel,
            long_form=True,
        )
