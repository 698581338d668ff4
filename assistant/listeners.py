"""What the assistant hears: a source it may quote changed (core.events.KnowledgeChanged,
sent on commit by content, qa and livestream), or a help article was saved. Each hands
the re-read to Celery; a purchase or an unlock needs nothing here, because who may read
paid text is checked at every question (assistant/selectors.py)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from assistant.models import HelpArticle
from core import events


def on_knowledge_changed(event: events.KnowledgeChanged) -> None:
    from assistant.tasks import knowledge_sync_task  # tasks import services: only when needed

    knowledge_sync_task.delay(event.kind, event.object_id)


def on_help_article_saved(sender, instance: HelpArticle, **kwargs) -> None:
    pk = instance.pk
    transaction.on_commit(lambda: on_knowledge_changed(events.KnowledgeChanged("help", pk)))


def subscribe() -> None:
    events.subscribe(events.KnowledgeChanged, on_knowledge_changed)
    post_save.connect(on_help_article_saved, sender=HelpArticle, dispatch_uid="assistant-help")
    post_delete.connect(
        on_help_article_saved, sender=HelpArticle, dispatch_uid="assistant-help-del"
    )
