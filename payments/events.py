"""What payments tells the apps above it, after the money has moved and committed.

Frozen dataclasses of ids and plain values (core.events). payments never knows who
listens: `recommend` records behaviour from them (recommend/listeners.py).
"""

from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class TipSent(Event):
    tip_id: int
    tipper_id: int
    creator_id: int
    live_session_id: int | None
    amount: int
    currency: str


@dataclass(frozen=True)
class PurchaseCompleted(Event):
    """A ticket (a course or a live session) was paid, by wallet or card."""

    purchase_id: int
    buyer_id: int
    seller_id: int
    course_id: int | None
    live_session_id: int | None
    amount: int
    currency: str


@dataclass(frozen=True)
class SubscriptionInvoicePaid(Event):
    """A subscription invoice was settled; `first` for a new subscriber's first one."""

    subscription_id: int
    user_id: int
    tier_id: int
    invoice_id: str
    amount: int
    currency: str
    first: bool


@dataclass(frozen=True)
class PurchaseRefunded(Event):
    """A ticket was refunded in full: whatever it earned (points) is undone."""

    purchase_id: int
    buyer_id: int
    seller_id: int


@dataclass(frozen=True)
class SubscriptionCancelled(Event):
    """A subscriber stopped renewing (access lasts until the paid period ends)."""

    subscription_id: int
    user_id: int
    tier_id: int


@dataclass(frozen=True)
class PayoutDecided(Event):
    """Staff paid (status "paid") or refused ("rejected") a creator's payout."""

    payout_id: int
    creator_id: int
    status: str
    amount: int
    currency: str
