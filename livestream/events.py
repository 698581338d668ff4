"""What livestream tells the apps above it (rewards, community), after the fact."""

from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class SessionWatched(Event):
    """A viewer left a live room after `seconds` in it (one socket's stay)."""

    user_id: int
    session_id: int
    seconds: int


@dataclass(frozen=True)
class SessionScheduled(Event):
    """A creator scheduled a session (followers' feeds, creators' webhooks)."""

    session_id: int
    channel_id: int


@dataclass(frozen=True)
class SessionStarted(Event):
    """A session went live (once per session): followers are told in batches."""

    session_id: int
    channel_id: int


@dataclass(frozen=True)
class SessionEnded(Event):
    session_id: int
    channel_id: int
