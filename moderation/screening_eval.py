"""Measuring screening: the word rules alone, the classifier alone, and what ships
(either one: the rules refuse or hold, or the score passes the hold threshold).

Used by `manage.py screening_evaluate` and by retraining, which compares a new model
with the active one on the same fixed held-out data (`held_out_sets`).
"""

from dataclasses import dataclass

from moderation import screening, screening_data
from moderation.classifier import Scorer, measures
from moderation.screening_data import COLD, DAVIDSON, Example

HELD_OUT_COLD = "cold-dev"
HELD_OUT_DAVIDSON = "davidson-held-out"


def held_out_sets() -> dict[str, list[Example]]:
    """The fixed held-out data every model is measured on (never trained on)."""
    _train, davidson = screening_data.davidson_split(
        screening_data.read(screening_data.data_path("davidson", "train.csv"), DAVIDSON)
    )
    return {
        HELD_OUT_COLD: screening_data.read(screening_data.data_path("cold", "dev.csv"), COLD),
        HELD_OUT_DAVIDSON: davidson,
    }


def rules_flag(text: str) -> bool:
    """Whether the word rules alone would refuse or hold `text`."""
    return screening.text_screen(text).decision != screening.PUBLISH


@dataclass(frozen=True)
class Evaluation:
    rules: dict[str, float]
    classifier: dict[str, float]
    shipped: dict[str, float]
    n: int
    positives: int


def evaluate(scorer: Scorer | None, examples: list[Example], *, threshold: float) -> Evaluation:
    labels = [e.label for e in examples]
    rules = [1.0 if rules_flag(e.text) else 0.0 for e in examples]
    rules_measures = measures(labels, rules, 0.5)
    if scorer is None:
        empty = dict.fromkeys(rules_measures, float("nan"))
        return Evaluation(rules_measures, empty, rules_measures, len(labels), sum(labels))
    scores = [scorer.score(e.text) for e in examples]
    # Shipped: the rules' verdict stands; the classifier adds holds above the threshold.
    # As a ranking (AUC), a rule hit ranks above every score.
    shipped = [1.0 + r if r else s for r, s in zip(rules, scores, strict=True)]
    return Evaluation(
        rules=rules_measures,
        classifier=measures(labels, scores, threshold),
        shipped=measures(labels, shipped, threshold),
        n=len(labels),
        positives=sum(labels),
    )


def classifier_scores(scorer: Scorer, *, threshold: float) -> dict[str, dict[str, float]]:
    """The classifier's held-out measures on each fixed held-out set (what a model
    row keeps and promotion compares)."""
    out = {}
    for name, examples in held_out_sets().items():
        labels = [e.label for e in examples]
        result = measures(labels, [scorer.score(e.text) for e in examples], threshold)
        out[name] = {key: round(value, 4) for key, value in result.items()} | {"n": len(labels)}
    return out
