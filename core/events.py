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
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base class of every domain event."""


E = TypeVar("E", bound=Event)

_listeners: dict[type[Event], list[Callable[[Any], None]]] = defaultdict(list)


def subscribe(event_type: type[E], listener: Callable[[E], None]) -> None:
    """Call `listener(event)` for every `event_type` sent from now on (once, however
    often the same listener subscribes: `ready()` may run twice in tests)."""
    if listener not in _listeners[event_type]:
        _listeners[event_type].append(listener)


def send(event: Event) -> None:
    """Deliver now. Services call `send_on_commit`; this is what runs after commit."""
    for listener in list(_listeners[type(event)]):
        try:
            listener(event)
        except Exception:
            logger.exception("Listener %r failed on %r", listener, event)


def send_on_commit(event: Event) -> None:
    """Deliver once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send(event))


def listeners(event_type: type[Event]) -> list[Callable[[Any], None]]:
    """Who listens to `event_type` (for tests and the architecture doc)."""
    return list(_listeners[event_type])
