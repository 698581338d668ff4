"""What livestream tells the apps above it (rewards), after the fact."""

from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class SessionWatched(Event):
    """A viewer left a live room after `seconds` in it (one socket's stay)."""

    user_id: int
    session_id: int
    seconds: int
