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


Builder = Callable[[dict[str, Any], str], HookEvent | None]


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


def _copied(owner: str, key: str, *names: str, money_always: bool = True) -> Builder:
    """A builder whose `data` copies `names` from the event's fields ("out=field" renames
    one), then the amount and currency (always, or only where the event has them). The
    creator is the `owner` field; `key` names the event once."""

    def build(fields: dict[str, Any], type_: str) -> HookEvent:
        data = {}
        for name in names:
            out, _sep, field = name.partition("=")
            data[out] = fields[field or out]
        if money_always or "amount" in fields:
            data |= {"amount": fields["amount"], "currency": fields["currency"]}
        return HookEvent(
            owner_id=fields[owner],
            type=type_,
            source_key=f"{type_}:{fields[key]}",
            data=data,
        )

    return build


_ticket = _copied(
    "seller_id", "purchase_id", "purchase_id", "course_id", "session_id=live_session_id"
)
_tip = _copied("creator_id", "tip_id", "tip_id", "session_id=live_session_id")
_question = _copied("expert_id", "question_id", "question_id", money_always=False)
_payout = _copied("creator_id", "payout_id", "payout_id")


BUILDERS: dict[str, Builder] = {
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
