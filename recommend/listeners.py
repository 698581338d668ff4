"""What recommend hears from the apps below it; subscribed in RecommendConfig.ready().

- `core.events.Engaged` (a view, a like, a comment, a question, a lesson read);
- payments' money events: a tip, a purchase, a subscription's first invoice.

Each becomes a behaviour event (recommend.services.event_record, which never raises
and ignores unknown kinds, opted-out users and objects that are no item); a tip does
in a Celery worker (`events.subscribe_in_worker`), off the tipper's request.
"""

from accounts.events import ConsentChanged
from accounts.models import ConsentPurpose, User
from core import events
from core.visit import Origin
from livestream.models import LiveSession
from marketplace.models import Course, SubscriptionTier
from payments.events import PurchaseCompleted, SubscriptionInvoicePaid, TipSent
from recommend import services
from recommend.items import item_key_for_label


def engaged_record(event: events.Engaged) -> None:
    """Store the interest signal. The user is not loaded (event_record needs only the
    id); the item is resolved without a query when it is a channel, course or session."""
    item = item_key_for_label(event.item_model, event.item_id)
    if item is None:
        return
    services.event_record(
        user=User(pk=event.user_id),
        kind=event.kind,
        item=item,
        once_per=event.once_per,
        origin=Origin(city=event.city, device=event.device, referrer=event.referrer),
    )


def on_tip_sent(event: TipSent) -> None:
    """A tip, in a Celery worker (subscribed in-worker): about the session it was sent
    in, else the creator's newest channel. A tip is a hot path (a live room's audience
    tipping at once): this look-up, the Redis gate and the event INSERT cost the
    tipper's request more than the posting itself (the ledger benchmark). The people
    are not loaded (event_record and the channel look-up need only their ids; a tip's
    people exist, their accounts are protected by the ledger)."""
    tipper, creator = User(pk=event.tipper_id), User(pk=event.creator_id)
    live_session = (
        LiveSession.objects.filter(pk=event.live_session_id).first()
        if event.live_session_id
        else None
    )
    services.tip_record(tipper=tipper, creator=creator, live_session=live_session)


def on_purchase_completed(event: PurchaseCompleted) -> None:
    buyer = User.objects.filter(pk=event.buyer_id).first()
    item: Course | LiveSession | None = None
    if event.course_id is not None:
        item = Course.objects.filter(pk=event.course_id).first()
    elif event.live_session_id is not None:
        item = LiveSession.objects.filter(pk=event.live_session_id).first()
    if buyer is not None and item is not None:
        services.event_record(user=buyer, kind="purchase", item=item)


def on_subscription_invoice_paid(event: SubscriptionInvoicePaid) -> None:
    """A new subscriber (the first invoice) is interest in the tier's channel."""
    if not event.first:
        return
    user = User.objects.filter(pk=event.user_id).first()
    tier = SubscriptionTier.objects.select_related("channel").filter(pk=event.tier_id).first()
    if user is not None and tier is not None:
        services.event_record(user=user, kind="subscribe", item=tier.channel)


def on_consent_changed(event: ConsentChanged) -> None:
    """Consent to personalisation or analytics withdrawn: what was stored on that
    basis goes at once."""
    if not event.granted and event.purpose in (
        ConsentPurpose.PERSONALISATION,
        ConsentPurpose.ANALYTICS,
    ):
        services.behaviour_forget(user_id=event.user_id)


def subscribe() -> None:
    events.subscribe(ConsentChanged, on_consent_changed)
    events.subscribe(events.Engaged, engaged_record)
    events.subscribe_in_worker(TipSent, on_tip_sent)
    events.subscribe(PurchaseCompleted, on_purchase_completed)
    events.subscribe(SubscriptionInvoicePaid, on_subscription_invoice_paid)
