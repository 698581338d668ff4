"""Domain events accounts sends to the apps above it (core/events.py)."""

from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class ConsentChanged(Event):
    """A user switched a consent on or off. Withdrawn consent for personalisation or
    behaviour analytics: recommend deletes what it stored on that basis."""

    user_id: int
    purpose: str
    granted: bool


@dataclass(frozen=True)
class PersonalDataViewed(Event):
    """A staff member opened someone's personal data (a user's admin page, a
    verification document): moderation writes it to the audit trail."""

    staff_id: int | None
    user_id: int
    what: str
