"""A purchase of a promoted thing after a click on its campaign is a conversion."""

from ads import services
from core import events
from payments.events import PurchaseCompleted


def on_purchase(event: PurchaseCompleted) -> None:
    if event.course_id is not None:
        services.conversion_record(
            user_id=event.buyer_id, target="course", target_id=event.course_id
        )
    if event.live_session_id is not None:
        services.conversion_record(
            user_id=event.buyer_id, target="session", target_id=event.live_session_id
        )


def subscribe() -> None:
    events.subscribe(PurchaseCompleted, on_purchase)
