"""Scoring text with the active screening model, and the hold thresholds.

The classifier's score never refuses anything on its own. Above the hold threshold
of the content's kind (MODERATION_CLASSIFIER_HOLD, a setting shown in the admin's
screening models page) the content waits for a moderator, who sees the score and the
words that weighed most; live chat above it is held from broadcast (livestream).

The active model is kept in this process and checked against the database every
MODEL_TTL seconds (a promotion or a rollback applies everywhere within that time).
With no trained model, nothing is scored and screening is the rules alone.
"""

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from moderation.classifier import Scorer, weightiest
from moderation.models import ScreeningModel

log = logging.getLogger(__name__)

MODEL_TTL = 60.0  # seconds
DEFAULT_KIND = "default"
_state: dict = {"version": None, "scorer": None, "checked": float("-inf")}
_lock = threading.Lock()


@dataclass(frozen=True)
class Score:
    value: float  # 0-1, how likely offensive
    words: tuple[str, ...]  # what weighed most, for the moderator
    threshold: float
    version: int

    @property
    def hold(self) -> bool:
        return self.value >= self.threshold

    @property
    def reason(self) -> str:
        return f"classifier: {self.value:.2f} (hold at {self.threshold:.2f})"


def hold_thresholds() -> dict[str, float]:
    """The hold threshold of each content kind ("default" for kinds not listed)."""
    configured = dict(getattr(settings, "MODERATION_CLASSIFIER_HOLD", {}))
    configured.setdefault(DEFAULT_KIND, 0.7)
    return configured


def hold_threshold(kind: str) -> float:
    thresholds = hold_thresholds()
    return float(thresholds.get(kind, thresholds[DEFAULT_KIND]))


def model_changed() -> None:
    """Look at the database on the next score (a promotion or rollback here)."""
    _state["checked"] = float("-inf")


def no_model_assumed() -> None:
    """Take it that there is no active model, for MODEL_TTL seconds (the test suite
    starts each test so, without a query; a test that trains one calls model_changed)."""
    _state.update(version=None, scorer=None, checked=time.monotonic())


def _load(row: ScreeningModel) -> Scorer:
    with row.file.open("rb") as handle:
        scorer = Scorer.loads(handle.read())
    scorer.meta["version"] = row.version
    return scorer


def active_scorer() -> Scorer | None:
    """The active model, loaded once per process and version; None if there is none
    (or its file cannot be read: screening falls back to the rules, and says so)."""
    now = time.monotonic()
    if now - _state["checked"] < MODEL_TTL:
        return _state["scorer"]
    with _lock:
        if now - _state["checked"] < MODEL_TTL:
            return _state["scorer"]
        row = ScreeningModel.objects.filter(status=ScreeningModel.Status.ACTIVE).first()
        if row is None:
            _state.update(version=None, scorer=None)
        elif row.version != _state["version"]:
            try:
                _state.update(version=row.version, scorer=_load(row))
            except Exception:  # noqa: BLE001 - a missing file must not stop posting
                log.exception("screening model v%s could not be loaded", row.version)
                _state.update(version=None, scorer=None)
        _state["checked"] = time.monotonic()
        return _state["scorer"]


def text_score(text: str, *, kind: str) -> Score | None:
    """The active model's score of `text` against the hold threshold of `kind`
    (None without a model); the weightiest words only when it holds (the moderator
    reads them; a clean chat message does not pay for them)."""
    scorer = active_scorer()
    if scorer is None or not (text or "").strip():
        return None
    return score_with(scorer, text, kind=kind)


def score_with(scorer: Scorer, text: str, *, kind: str) -> Score:
    """`scorer`'s Score of `text` against the hold threshold of `kind`."""
    threshold = hold_threshold(kind)
    decision, found = scorer.evaluate(text)
    value = scorer.probability(decision)
    # The words are worked out only for what is held: a moderator reads them.
    words = weightiest(scorer.parts(found)) if value >= threshold else []
    return Score(
        value=value,
        words=tuple(words),
        threshold=threshold,
        version=int(scorer.meta.get("version", 0)),
    )
