"""What qa tells the apps above it (rewards), after commit: ids and plain values."""

from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class QuestionAnswered(Event):
    """An answer was accepted (screened and paid out to the expert)."""

    question_id: int
    asker_id: int
    expert_id: int


@dataclass(frozen=True)
class AnswerRated(Event):
    question_id: int
    asker_id: int
    rating: int


@dataclass(frozen=True)
class AnswerHidden(Event):
    """Moderation hid an answer after it was accepted: what it earned is undone."""

    question_id: int
    expert_id: int


@dataclass(frozen=True)
class QuestionAsked(Event):
    """A paid question passed screening and reached its expert (now open)."""

    question_id: int
    asker_id: int
    expert_id: int
    amount: int
    currency: str
