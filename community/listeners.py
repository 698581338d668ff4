"""What community hears from the apps below: new public content for the feeds, and
sessions going live for the followers. Each listener hands its work to Celery."""

from community.models import FeedItem
from community.tasks import (
    feed_item_record_task,
    golive_fanout_task,
    price_change_fanout_task,
    tier_price_notice_task,
)
from core import events
from core.events import KnowledgeChanged
from livestream.events import SessionScheduled, SessionStarted
from marketplace.events import ListingPublished, PriceChanged
from qa.events import QuestionAnswered

Kind = FeedItem.Kind

# KnowledgeChanged kinds (what the assistant re-reads) -> feed kinds.
_KNOWLEDGE_KINDS = {
    "lesson": Kind.LESSON,
    "article": Kind.ARTICLE,
    "answer": Kind.ANSWER,
    "session": Kind.REPLAY,  # replay chapters: the replay is ready, hidden or shown
}


def on_session_scheduled(event: SessionScheduled) -> None:
    feed_item_record_task.delay(Kind.SESSION, event.session_id)


def on_session_started(event: SessionStarted) -> None:
    golive_fanout_task.delay(event.session_id)


def on_listing_published(event: ListingPublished) -> None:
    if event.kind == "course":
        feed_item_record_task.delay(Kind.COURSE, event.object_id)


def on_price_changed(event: PriceChanged) -> None:
    if event.kind in ("course", "session"):
        price_change_fanout_task.delay(
            event.object_id,
            event.channel_id,
            event.old_amount,
            event.new_amount,
            event.currency,
            event.kind,
        )
    elif event.kind == "tier":
        tier_price_notice_task.delay(
            event.object_id, event.old_amount, event.new_amount, event.currency
        )


def on_knowledge_changed(event: KnowledgeChanged) -> None:
    kind = _KNOWLEDGE_KINDS.get(event.kind)
    if kind is not None:
        feed_item_record_task.delay(kind, event.object_id)


def on_question_answered(event: QuestionAnswered) -> None:
    feed_item_record_task.delay(Kind.ANSWER, event.question_id)


def subscribe() -> None:
    events.subscribe(SessionScheduled, on_session_scheduled)
    events.subscribe(SessionStarted, on_session_started)
    events.subscribe(ListingPublished, on_listing_published)
    events.subscribe(KnowledgeChanged, on_knowledge_changed)
    events.subscribe(PriceChanged, on_price_changed)
    events.subscribe(QuestionAnswered, on_question_answered)
