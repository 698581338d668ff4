"""How moderation reads and switches lessons and articles: registered with
moderation's registry from ContentConfig.ready (moderation never imports content)."""

from typing import TypeVar

from content import services
from content.models import Article, Lesson
from moderation import registry

Item = TypeVar("Item", Lesson, Article)


def _register(model: type[Item]) -> None:
    registry.register(
        model,
        text=lambda item: registry.public_text(item.title, item.summary, item.body),
        author=lambda item: item.author,
        url=lambda item: item.get_absolute_url(),
        set_visible=services.item_set_visible,
        channel=lambda item: item.channel,
        long_form=True,
    )


def register() -> None:
    _register(Lesson)
    _register(Article)
