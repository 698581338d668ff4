"""What each domain event becomes for a creator's webhook: whose endpoints hear it,
its type, a key that names it once, and its `data` (ids, amounts, titles and times;
no one's e-mail address or name). Built in Celery from the ids the event carries."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from hooks.models import EventType
from livestream.models import LiveSession
from marketplace.models import SubscriptionTier


@dataclass(frozen=True)
class HookEvent:
    owner_id: int  # the creator's user id
    type: str
    source_key: str
    data: dict[str, Any]


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _session(fields: dict[str, Any], type_: str) -> HookEvent | None:
    session = (
        LiveSession.objects.select_related("channel__creator")
        .filter(pk=fields["session_id"])
        .first()
    )
    if session is None:
        return None
    return HookEvent(
        owner_id=session.channel.creator.user_id,
        type=type_,
        source_key=f"{type_}:{session.pk}",
        data={
            "session": {
                "id": session.pk,
                "title": session.title,
                "channel": session.channel.slug,
                "scheduled_start": session.scheduled_start.isoformat(),
                "status": session.status,
                "url": _site(session.get_absolute_url()),
            }
        },
    )


def _tier(tier_id: int) -> SubscriptionTier | None:
    return SubscriptionTier.objects.select_related("channel__creator").filter(pk=tier_id).first()


def _subscription(fields: dict[str, Any], type_: str) -> HookEvent | None:
    tier = _tier(fields["tier_id"])
    if tier is None:
        return None
    data: dict[str, Any] = {
        "subscription_id": fields["subscription_id"],
        "tier": {"id": tier.pk, "name": tier.name, "channel": tier.channel.slug},
    }
    if "amount" in fields:
        data |= {"amount": fields["amount"], "currency": fields["currency"]}
    return HookEvent(
        owner_id=tier.channel.creator.user_id,
        type=type_,
        source_key=f"{type_}:{fields['subscription_id']}",
        data=data,
    )


def _ticket(fields: dict[str, Any], type_: str) -> HookEvent:
    return HookEvent(
        owner_id=fields["seller_id"],
        type=type_,
        source_key=f"{type_}:{fields['purchase_id']}",
        data={
            "purchase_id": fields["purchase_id"],
            "course_id": fields["course_id"],
            "session_id": fields["live_session_id"],
            "amount": fields["amount"],
            "currency": fields["currency"],
        },
    )


def _tip(fields: dict[str, Any], type_: str) -> HookEvent:
    return HookEvent(
        owner_id=fields["creator_id"],
        type=type_,
        source_key=f"{type_}:{fields['tip_id']}",
        data={
            "tip_id": fields["tip_id"],
            "session_id": fields["live_session_id"],
            "amount": fields["amount"],
            "currency": fields["currency"],
        },
    )


def _question(fields: dict[str, Any], type_: str) -> HookEvent:
    data = {"question_id": fields["question_id"]}
    if "amount" in fields:
        data |= {"amount": fields["amount"], "currency": fields["currency"]}
    return HookEvent(
        owner_id=fields["expert_id"],
        type=type_,
        source_key=f"{type_}:{fields['question_id']}",
        data=data,
    )


def _payout(fields: dict[str, Any], type_: str) -> HookEvent:
    return HookEvent(
        owner_id=fields["creator_id"],
        type=type_,
        source_key=f"{type_}:{fields['payout_id']}",
        data={
            "payout_id": fields["payout_id"],
            "amount": fields["amount"],
            "currency": fields["currency"],
        },
    )


BUILDERS: dict[str, Callable[[dict[str, Any], str], HookEvent | None]] = {
    EventType.SESSION_SCHEDULED: _session,
    EventType.SESSION_LIVE: _session,
    EventType.SESSION_ENDED: _session,
    EventType.TICKET_SOLD: _ticket,
    EventType.SUBSCRIPTION_STARTED: _subscription,
    EventType.SUBSCRIPTION_CANCELLED: _subscription,
    EventType.TIP_RECEIVED: _tip,
    EventType.QUESTION_ASKED: _question,
    EventType.QUESTION_ANSWERED: _question,
    EventType.PAYOUT_PAID: _payout,
    EventType.PAYOUT_REJECTED: _payout,
}


def build(type_: str, fields: dict[str, Any]) -> HookEvent | None:
    """The webhook event for a domain event's fields; None if its object is gone."""
    return BUILDERS[type_](fields, type_)
