"""What marketplace tells the apps above it (community), after the fact."""

from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class ListingPublished(Event):
    """A channel or course became public for the first time, or again after being a
    draft. kind: "channel" or "course"."""

    kind: str
    object_id: int


@dataclass(frozen=True)
class PriceChanged(Event):
    """The price of a published course or of a session's ticket changed. kind:
    "course" or "session" (livestream sends that one); amounts in minor units."""

    kind: str
    object_id: int
    channel_id: int
    old_amount: int
    new_amount: int
    currency: str
