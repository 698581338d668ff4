"""What marketplace tells the apps above it (community), after the fact."""

from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class ListingPublished(Event):
    """A channel or course became public for the first time, or again after being a
    draft. kind: "channel" or "course"."""

    kind: str
    object_id: int
