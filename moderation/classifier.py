"""The learned half of screening: how likely a text is offensive, from 0 to 1.

Features, in two blocks that are TF-IDF weighted (sublinear tf, idf) and
l2-normalised each on its own, as a FeatureUnion of two TfidfVectorizers would be:

- characters: 2- to 4-grams of the normalised text. Chinese has no spaces, and an
  insult survives being misspelt ("f*ck", "傻 逼") in its character grams (single
  characters are left out: a quarter of the grams to look up, and what they told
  the model the jieba words and the pairs tell it too);
- words: jieba words for Chinese runs and lower-case words for Latin text
  (core.text), unigrams and bigrams ("dumb bitch" is worse than its parts).

A logistic regression with balanced class weights is trained on the union, and its
decision value is calibrated with a Platt sigmoid fitted on out-of-fold predictions
(so the score reads as a probability and one threshold means the same in both
languages).

Training uses scikit-learn; scoring does not. `Scorer` holds, per block, a dict from
feature to column and two arrays (idf² and idf·weight per column) and computes the
same number (to rounding) with one C-level dict lookup per gram and a few numpy
operations per message, where a scikit-learn pipeline spends a millisecond on its
own overhead. Which features weighed most is worked out only when a moderator will
read them (the text is held). The artefact is JSON (gzip): loading it runs no
code, which matters for a file read back from object storage.
"""

import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from core import text as core_text
from moderation.screening import normalise

FORMAT = 3  # 3: character 2-4-grams (2: 1-4-grams); Latin words with stop words, jieba without HMM
FORMATS_READ = {2: (1, 4), 3: (2, 4)}  # format -> its character gram range
CHAR_RANGE = FORMATS_READ[FORMAT]
WORD_RANGE = (1, 2)
_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_ENTITY = re.compile(r"&#?\w+;")
_SPACE = re.compile(r"\s+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?|@user")


def prepare(text: str) -> str:
    """What the features read: normalised (moderation.screening.normalise), with
    @mentions, links and HTML entities made neutral tokens, spaces collapsed."""
    text = normalise(text)
    text = _ENTITY.sub(" ", text)
    text = _URL.sub(" url ", text)
    text = _MENTION.sub(" @user ", text)
    return _SPACE.sub(" ", text).strip()


def char_features(prepared: str, char_range: tuple[int, int] = CHAR_RANGE) -> list[str]:
    low, high = char_range
    padded = f" {prepared} "
    length = len(padded)
    out: list[str] = []
    for n in range(low, high + 1):
        out += [padded[i : i + n] for i in range(length - n + 1)]
    if low > 1:
        return out
    # Spaces are collapsed, so only the one-character gram " " is blank.
    return [gram for gram in out if gram != " "]


_LOG_FREQ: dict[str, float] = {}  # a dictionary word -> log(its frequency / the total)


def segment(run: str) -> list[str]:
    """The words of a run of Chinese characters, exactly as jieba's dictionary-only
    cut (HMM=False) gives them: the most probable path through the words of its
    dictionary. The same two passes as jieba's get_DAG and calc, in one loop and with
    each word's log frequency remembered: half the time, and segmenting is what
    scoring a Chinese chat message spends most on."""
    tokenizer = core_text.jieba_tokenizer()
    freq = tokenizer.FREQ
    n = len(run)
    best = [0.0] * (n + 1)
    end = [0] * (n + 1)
    log_total = math.log(tokenizer.total)
    for k in range(n - 1, -1, -1):
        top: tuple[float, int] | None = None
        i = k
        frag = run[k]
        while i < n and frag in freq:
            if freq[frag]:
                weight = _LOG_FREQ.get(frag)
                if weight is None:
                    weight = _LOG_FREQ[frag] = math.log(freq[frag]) - log_total
                candidate = (weight + best[i + 1], i)
                if top is None or candidate > top:
                    top = candidate
            i += 1
            frag = run[k : i + 1]
        if top is None:  # not in the dictionary: the character on its own
            top = (math.log(freq.get(run[k]) or 1) - log_total + best[k + 1], k)
        best[k], end[k] = top
    out = []
    k = 0
    while k < n:
        out.append(run[k : end[k] + 1])
        k = end[k] + 1
    return out


@lru_cache(maxsize=16384)
def _cjk_run_words(run: str) -> tuple[str, ...]:
    return tuple(segment(run))


def _cjk_words(run: str) -> tuple[str, ...]:
    """Chat repeats its short phrases ("老师好", "哈哈哈"): short runs are remembered."""
    if len(run) <= 16:
        return _cjk_run_words(run)
    return tuple(segment(run))


def words(prepared: str) -> list[str]:
    """jieba's dictionary words for Chinese runs (without its HMM guesses at new
    words: a third faster, and the character grams cover them), Latin words as
    written, stop words kept ("you" makes "you idiot" an attack)."""
    out: list[str] = []
    position = 0
    for run in _CJK_RUN.finditer(prepared):
        out.extend(_WORD.findall(prepared[position : run.start()]))
        out.extend(_cjk_words(run.group()))
        position = run.end()
    out.extend(_WORD.findall(prepared[position:]))
    return out


def word_features(prepared: str) -> list[str]:
    words_ = words(prepared)
    low, high = WORD_RANGE
    out: list[str] = []
    for n in range(low, high + 1):
        out.extend(" ".join(words_[i : i + n]) for i in range(len(words_) - n + 1))
    return out


BLOCKS = (("char", char_features), ("word", word_features))


Found = tuple[Counter, float]  # a text's grams with their counts, its block's norm


@dataclass
class Block:
    """One TF-IDF block: feature -> (idf, weight)."""

    features: dict[str, tuple[float, float]]
    shown: Callable[[str], bool] = lambda gram: True  # may a moderator be shown it

    def __post_init__(self) -> None:
        # What scoring multiplies per feature, multiplied once here: (idf², idf·weight),
        # in one dict (a lookup into a dict this size is what scoring mostly waits
        # for: one per gram, not two).
        self._products = {g: (i * i, i * w) for g, (i, w) in self.features.items()}
        # The features that push a decision up and that a moderator may read.
        self._pushing = frozenset(
            g for g, (_i, w) in self.features.items() if w > 0 and self.shown(g)
        )

    def contributions(self, grams: list[str]) -> tuple[float, Found]:
        """This block's share of the decision value, and what `parts` needs to tell
        which features gave most (worked out only when asked)."""
        known = self._products
        counts = Counter(grams)
        dot = norm = 0.0
        for gram, count in counts.items():
            entry = known.get(gram)
            if entry is None:
                continue
            if count == 1:
                norm += entry[0]
                dot += entry[1]
            else:  # sublinear term frequency
                tf = 1.0 + math.log(count)
                norm += tf * tf * entry[0]
                dot += tf * entry[1]
        if not norm:
            return 0.0, (counts, 0.0)
        norm = math.sqrt(norm)
        return dot / norm, (counts, norm)

    def parts(self, found: Found) -> list[tuple[str, float]]:
        """The shown features of a text that pushed its decision up, with their shares."""
        counts, norm = found
        if not norm:
            return []
        return [
            (gram, (1.0 + math.log(counts[gram])) * self._products[gram][1] / norm)
            for gram in self._pushing.intersection(counts)
        ]


@dataclass
class Scorer:
    """A trained classifier, ready to score text without scikit-learn."""

    blocks: dict[str, Block]
    intercept: float
    calibration: tuple[float, float]  # Platt: p = 1 / (1 + exp(a * d + b))
    meta: dict[str, Any] = field(default_factory=dict)
    char_range: tuple[int, int] = CHAR_RANGE

    def evaluate(self, text: str) -> tuple[float, dict[str, Found]]:
        """The decision value of `text`, and each block's found features (for
        `parts`, only when a moderator will read them)."""
        prepared = prepare(text)
        total = self.intercept
        found: dict[str, Found] = {}
        for name, grams in (
            ("char", char_features(prepared, self.char_range)),
            ("word", word_features(prepared)),
        ):
            block_total, found[name] = self.blocks[name].contributions(grams)
            total += block_total
        return total, found

    def parts(self, found: dict[str, Found]) -> list[tuple[str, float]]:
        """The features that pushed the decision up, with their shares."""
        return [part for name, block_found in found.items()
                for part in self.blocks[name].parts(block_found)]  # fmt: skip

    def decision(self, text: str, *, shares: bool = False) -> tuple[float, list[tuple[str, float]]]:
        total, found = self.evaluate(text)
        return total, (self.parts(found) if shares else [])

    def probability(self, decision: float) -> float:
        a, b = self.calibration
        z = a * decision + b
        if z >= 0:
            return math.exp(-z) / (1.0 + math.exp(-z))
        return 1.0 / (1.0 + math.exp(z))

    def score(self, text: str) -> float:
        """How likely `text` is offensive, 0 to 1."""
        return self.probability(self.decision(text)[0])

    def explain(self, text: str, top: int = 5) -> tuple[float, list[str]]:
        """The score and the words that pushed it up most (shown to moderators)."""
        decision, parts = self.decision(text, shares=True)
        return self.probability(decision), weightiest(parts, top=top)

    # --- the artefact ---------------------------------------------------------------

    def dumps(self) -> bytes:
        data = {
            "format": next(f for f, r in FORMATS_READ.items() if r == tuple(self.char_range)),
            "intercept": self.intercept,
            "calibration": list(self.calibration),
            "meta": self.meta,
            "blocks": {
                name: [[g, round(i, 5), round(w, 6)] for g, (i, w) in block.features.items()]
                for name, block in self.blocks.items()
            },
        }
        return gzip.compress(json.dumps(data, ensure_ascii=False).encode(), compresslevel=6)

    @classmethod
    def loads(cls, raw: bytes) -> "Scorer":
        data = json.loads(gzip.decompress(raw))
        char_range = FORMATS_READ.get(data.get("format"))
        if char_range is None:
            raise ValueError(f"unknown screening model format {data.get('format')!r}")
        blocks = {
            name: Block({g: (float(i), float(w)) for g, i, w in rows}, SHOWN[name])
            for name, rows in data["blocks"].items()
        }
        a, b = data["calibration"]
        return cls(
            blocks, float(data["intercept"]), (float(a), float(b)), data.get("meta", {}),
            char_range,
        )  # fmt: skip


def _is_cjk_word(gram: str) -> bool:
    """Whether a character gram is Chinese characters only (spaces aside); the plain
    ASCII test first, because most grams of English text are."""
    return not gram.isascii() and _CJK_RUN.fullmatch(gram.strip()) is not None


# A moderator reads words: of the character grams only Chinese ones ("傻逼"), not
# fragments of Latin words ("ss" of "worthless").
SHOWN: dict[str, Callable[[str], bool]] = {"char": _is_cjk_word, "word": lambda gram: True}


def weightiest(parts: list[tuple[str, float]], *, top: int = 5) -> list[str]:
    """The features that pushed a decision up most: of more than one character (or
    a Chinese word), a gram left out when a heavier one contains it."""
    merged: dict[str, float] = {}
    for gram, share in parts:
        gram = gram.strip()
        if share > 0 and (len(gram) > 1 or _CJK_RUN.fullmatch(gram)):
            merged[gram] = merged.get(gram, 0.0) + share
    heaviest = sorted(merged, key=lambda g: (-merged[g], g))[: top * 4]
    return _unshadowed(heaviest)[:top]


def _unshadowed(words: list[str]) -> list[str]:
    """Leave out a gram already inside a heavier one ("idio" after "idiot")."""
    kept: list[str] = []
    for word in words:
        if not any(word in other for other in kept):
            kept.append(word)
    return kept


# --- training (scikit-learn) ----------------------------------------------------------


def train(
    texts: list[str],
    labels: list[int],
    *,
    weights: list[float] | None = None,
    c: float = 4.0,
    min_df: int = 2,
) -> Scorer:
    """Fit a Scorer on `texts` (1 = offensive). `weights` (optional) weigh samples,
    e.g. moderators' decisions above public data."""
    # scikit-learn's estimators load only where a model is trained or measured: a
    # process that only scores never imports them (tests check it).
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    prepared = [prepare(t) for t in texts]
    y = np.asarray(labels, dtype=int)
    if len(set(y.tolist())) < 2:
        raise ValueError("training needs both offensive and clean examples")
    sample_weight = None if weights is None else np.asarray(weights, dtype=float)
    vectorizers = []
    matrices = []
    for _name, extract in BLOCKS:
        vectorizer = TfidfVectorizer(
            analyzer=extract, sublinear_tf=True, min_df=min_df, dtype=np.float64
        )
        matrices.append(vectorizer.fit_transform(prepared))
        vectorizers.append(vectorizer)
    x = hstack(matrices).tocsr()
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, solver="liblinear")
    folds = StratifiedKFold(
        n_splits=min(5, int(np.bincount(y).min())), shuffle=True, random_state=7
    )
    out_of_fold = cross_val_predict(
        model, x, y, cv=folds, method="decision_function", params={"sample_weight": sample_weight}
    )
    model.fit(x, y, sample_weight=sample_weight)
    calibration = _platt(out_of_fold, y)
    coef = model.coef_[0]
    blocks = {}
    offset = 0
    for (name, _extract), vectorizer in zip(BLOCKS, vectorizers, strict=True):
        idf = vectorizer.idf_
        vocabulary = vectorizer.vocabulary_
        blocks[name] = Block(
            {gram: (float(idf[j]), float(coef[offset + j])) for gram, j in vocabulary.items()},
            SHOWN[name],
        )
        offset += len(vocabulary)
    return Scorer(blocks, float(model.intercept_[0]), calibration)


def _platt(decisions: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling, as scikit-learn's CalibratedClassifierCV(method="sigmoid")."""
    from sklearn.linear_model import LogisticRegression  # training only (see train)

    fit = LogisticRegression(C=1e6, max_iter=1000).fit(decisions.reshape(-1, 1), y)
    return -float(fit.coef_[0][0]), -float(fit.intercept_[0])


# --- measures -------------------------------------------------------------------------


def measures(labels: list[int], scores: list[float], threshold: float) -> dict[str, float]:
    """Precision, recall and F1 of the offensive class at `threshold`, and ROC AUC."""
    # Measuring only (see train).
    from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

    y = np.asarray(labels, dtype=int)
    s = np.asarray(scores, dtype=float)
    predicted = (s >= threshold).astype(int)
    precision, recall, f1, _support = precision_recall_fscore_support(
        y, predicted, average="binary", zero_division=0
    )
    auc = float(roc_auc_score(y, s)) if len(set(y.tolist())) == 2 else float("nan")
    return {
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "auc": auc,
    }
