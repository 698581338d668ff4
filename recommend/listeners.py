"""What recommend hears from the apps below it; subscribed in RecommendConfig.ready().

`core.events.Engaged` (a view, a like, a comment, a question, a lesson read) becomes a
behaviour event. Money events (payments) follow at the end of this module.
"""

from accounts.models import User
from core import events
from recommend.items import item_key_for_label
from recommend.services import event_record


def engaged_record(event: events.Engaged) -> None:
    """Store the interest signal. The user is not loaded (event_record needs only the
    id); the item is resolved without a query when it is a channel, course or session.
    event_record ignores unknown kinds, opted-out users and objects that are no item."""
    item = item_key_for_label(event.item_model, event.item_id)
    if item is None:
        return
    event_record(user=User(pk=event.user_id), kind=event.kind, item=item, once_per=event.once_per)


def subscribe() -> None:
    events.subscribe(events.Engaged, engaged_record)
