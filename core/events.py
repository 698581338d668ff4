"""Domain events: how a lower app tells the apps above it what happened.

The lower app defines its events (frozen dataclasses of ids and plain values, never
model instances a listener might save) in its own `events.py` and ends a service
with one call:

    events.send_on_commit(TipSent(tip_id=tip.pk, ...))

A higher app subscribes from its `AppConfig.ready()`:

    events.subscribe(TipSent, on_tip_sent)

The sender never imports its listeners, so imports keep pointing down the layers.
Listeners run after the sender's transaction commits (a rolled-back write announces
nothing), in the order they subscribed. They must be cheap or hand their work to
Celery; one that fails is logged and does not stop the others, nor turn the
sender's committed work into an error.

A listener whose work need not be done on the sender's request subscribes with
`subscribe_in_worker`: after commit, all of an event's in-worker listeners go to a
Celery worker together, as one task message (`core.tasks.event_deliver_task`), where
they run in the order they subscribed, each failure logged like here. On a hot path
(a live room's audience tipping) that one message replaces a task message per app
and any database work of the listeners on the request. Such an event's fields must
be what Celery's JSON carries (ids, strings, numbers, booleans, None).
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from django.db import transaction
from django.http import HttpRequest

from core.visit import Origin, origin_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base class of every domain event."""


E = TypeVar("E", bound=Event)

_listeners: dict[type[Event], list[Callable[[Any], None]]] = defaultdict(list)
_worker_listeners: dict[type[Event], list[Callable[[Any], None]]] = defaultdict(list)
# "module.ClassName" -> the event type, for the in-worker task to rebuild an event.
_worker_types: dict[str, type[Event]] = {}


def _type_name(event_type: type[Event]) -> str:
    return f"{event_type.__module__}.{event_type.__qualname__}"


def subscribe(event_type: type[E], listener: Callable[[E], None]) -> None:
    """Call `listener(event)` for every `event_type` sent from now on (once, however
    often the same listener subscribes: `ready()` may run twice in tests)."""
    if listener not in _listeners[event_type]:
        _listeners[event_type].append(listener)


def subscribe_in_worker(event_type: type[E], listener: Callable[[E], None]) -> None:
    """Call `listener(event)` in a Celery worker for every `event_type` sent from now on
    (the event's in-worker listeners share one task message; see the module's notes)."""
    _worker_types[_type_name(event_type)] = event_type
    if listener not in _worker_listeners[event_type]:
        _worker_listeners[event_type].append(listener)


def unsubscribe(event_type: type[E], listener: Callable[[E], None]) -> None:
    """Stop calling `listener` (a test's temporary listener, mostly)."""
    for registry in (_listeners, _worker_listeners):
        if listener in registry[event_type]:
            registry[event_type].remove(listener)


def send(event: Event) -> None:
    """Deliver now. Services call `send_on_commit`; this is what runs after commit.
    In-worker listeners: one task message for all of them."""
    for listener in list(_listeners[type(event)]):
        try:
            listener(event)
        except Exception:
            logger.exception("Listener %r failed on %r", listener, event)
    if _worker_listeners[type(event)]:
        from core.tasks import event_deliver_task  # tasks import this module

        try:
            # The reprs given: Celery's own (for its logs) cost a third of a publish.
            event_deliver_task.apply_async(  # type: ignore[call-arg] # Celery's options
                (_type_name(type(event)), asdict(event)), argsrepr=repr(event), kwargsrepr=""
            )
        except Exception:
            logger.exception("In-worker listeners of %r not queued", event)


def deliver_in_worker(type_name: str, fields: dict[str, Any]) -> int:
    """What `event_deliver_task` runs: the event's in-worker listeners, in order, each
    failure logged. Returns how many listeners ran without an error."""
    event_type = _worker_types.get(type_name)
    if event_type is None:
        logger.warning("No in-worker listener for event type %r", type_name)
        return 0
    event = event_type(**fields)
    ran = 0
    for listener in list(_worker_listeners[event_type]):
        try:
            listener(event)
            ran += 1
        except Exception:
            logger.exception("In-worker listener %r failed on %r", listener, event)
    return ran


def send_on_commit(event: Event) -> None:
    """Deliver once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send(event))


def listeners(event_type: type[Event]) -> list[Callable[[Any], None]]:
    """Who listens to `event_type`, on commit then in a worker (for tests and the
    architecture doc)."""
    return list(_listeners[event_type]) + list(_worker_listeners[event_type])


@dataclass(frozen=True)
class Engaged(Event):
    """A signed-in user did something with a catalogue item that shows interest: a
    view, a like, a comment, a question, a lesson read. Apps below `recommend` send
    it; `recommend` stores it as a behaviour event (it ignores kinds it does not
    know, users who opted out, and objects that are no item).

    Money events (a tip, a purchase, a paid invoice) are `payments` events of their
    own; `recommend` listens to those too.
    """

    user_id: int
    kind: str  # recommend.models.Event.Kind: view, like, comment, question, ...
    item_model: str  # "app_label.model_name" of the item, e.g. "marketplace.course"
    item_id: int
    once_per: int | None = None  # seconds: count at most once per user and item per window
    # Coarse labels of a page view (core.visit; never the IP address): "" otherwise.
    city: str = ""
    device: str = ""
    referrer: str = ""

    @classmethod
    def about(
        cls,
        *,
        user_id: int,
        kind: str,
        obj: Any,
        once_per: int | None = None,
        request: HttpRequest | None = None,
    ) -> "Engaged":
        """`request`: the page view itself, whose coarse origin goes along."""
        origin = origin_of(request) if request is not None else Origin()
        return cls(
            user_id=user_id,
            kind=kind,
            item_model=obj._meta.label_lower,
            item_id=obj.pk,
            once_per=once_per,
            city=origin.city,
            device=origin.device,
            referrer=origin.referrer,
        )


@dataclass(frozen=True)
class KnowledgeChanged(Event):
    """Something the assistant may quote was created, edited, published, unpublished,
    hidden or shown by moderation: `assistant` re-reads it (in Celery) and updates its
    knowledge index. kind: "answer" (a question id), "lesson", "article", "session"
    (its replay chapters)."""

    kind: str
    object_id: int
