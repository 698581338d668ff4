"""What the webhooks hear from the apps below (after commit): each event becomes one
Celery task that finds the creator's endpoints and delivers to them. A tip's listener
runs in a worker already (`events.subscribe_in_worker`: one task message per tip for
every app that listens there), and queues that task from there."""

from dataclasses import asdict
from typing import Any

from core import events
from hooks.models import EventType
from hooks.tasks import hook_event_task
from livestream.events import SessionEnded, SessionScheduled, SessionStarted
from payments.events import (
    PayoutDecided,
    PurchaseCompleted,
    SubscriptionCancelled,
    SubscriptionInvoicePaid,
    TipSent,
)
from qa.events import QuestionAnswered, QuestionAsked


def _queue(type_: str, event: Any) -> None:
    hook_event_task.delay(type_, asdict(event))


def on_session_scheduled(event: SessionScheduled) -> None:
    _queue(EventType.SESSION_SCHEDULED, event)


def on_session_started(event: SessionStarted) -> None:
    _queue(EventType.SESSION_LIVE, event)


def on_session_ended(event: SessionEnded) -> None:
    _queue(EventType.SESSION_ENDED, event)


def on_purchase_completed(event: PurchaseCompleted) -> None:
    _queue(EventType.TICKET_SOLD, event)


def on_invoice_paid(event: SubscriptionInvoicePaid) -> None:
    if event.first:  # renewals are not a new subscriber
        _queue(EventType.SUBSCRIPTION_STARTED, event)


def on_subscription_cancelled(event: SubscriptionCancelled) -> None:
    _queue(EventType.SUBSCRIPTION_CANCELLED, event)


def on_tip_sent(event: TipSent) -> None:
    _queue(EventType.TIP_RECEIVED, event)


def on_question_asked(event: QuestionAsked) -> None:
    _queue(EventType.QUESTION_ASKED, event)


def on_question_answered(event: QuestionAnswered) -> None:
    _queue(EventType.QUESTION_ANSWERED, event)


def on_payout_decided(event: PayoutDecided) -> None:
    paid = event.status == "paid"
    _queue(EventType.PAYOUT_PAID if paid else EventType.PAYOUT_REJECTED, event)


def subscribe() -> None:
    events.subscribe(SessionScheduled, on_session_scheduled)
    events.subscribe(SessionStarted, on_session_started)
    events.subscribe(SessionEnded, on_session_ended)
    events.subscribe(PurchaseCompleted, on_purchase_completed)
    events.subscribe(SubscriptionInvoicePaid, on_invoice_paid)
    events.subscribe(SubscriptionCancelled, on_subscription_cancelled)
    events.subscribe_in_worker(TipSent, on_tip_sent)
    events.subscribe(QuestionAsked, on_question_asked)
    events.subscribe(QuestionAnswered, on_question_answered)
    events.subscribe(PayoutDecided, on_payout_decided)
