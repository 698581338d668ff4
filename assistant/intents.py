"""The intent classifier: which of topic / support / expert / other a question is.

A scikit-learn pipeline (character-gram TF-IDF, which reads Chinese and English alike,
and a logistic regression) trained on the labelled examples kept in
assistant/intents.json plus those staff add in the admin (IntentExample, from the
questions the assistant was asked). Trained once per process, again when staff add
examples (a cache version moves).
"""

import json
import threading
from functools import cache
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline, make_pipeline

from assistant.models import IntentExample
from core.versions import version_bump, version_get

INTENTS = ("topic", "support", "expert", "other")
EXAMPLES = Path(__file__).with_name("intents.json")
VERSION_KEY = "assistant:intents:version"
_lock = threading.Lock()
_model: dict[str, tuple[int, Pipeline]] = {}


@cache
def repository_examples() -> tuple[tuple[str, str], ...]:
    rows = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    return tuple((row["text"], row["intent"]) for row in rows)


def train(examples: list[tuple[str, str]]) -> Pipeline:
    # Loaded when the first question is classified, not in every process at start-up.
    from sklearn.linear_model import LogisticRegression

    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, lowercase=True),
        LogisticRegression(C=10.0, max_iter=1000),
    )
    model.fit([text for text, _ in examples], [intent for _, intent in examples])
    return model


def _current() -> Pipeline:
    version = version_get(VERSION_KEY)
    held = _model.get("model")
    if held is None or held[0] != version:
        examples = list(repository_examples()) + list(
            IntentExample.objects.values_list("text", "intent")
        )
        with _lock:
            _model["model"] = (version, train(examples))
    return _model["model"][1]


def intent_classify(text: str) -> str:
    return str(_current().predict([text])[0])


def examples_changed() -> None:
    version_bump(VERSION_KEY)
