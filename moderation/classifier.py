"""The learned half of screening: how likely a text is offensive, from 0 to 1.

Features, in two blocks that are TF-IDF weighted (sublinear tf, idf) and
l2-normalised each on its own, as a FeatureUnion of two TfidfVectorizers would be:

- characters: 2- and 3-grams of the normalised text. Chinese has no spaces, and an
  insult survives being misspelt ("f*ck", "傻 逼") in its character grams (single
  characters and 4-grams are left out: what they told the model the jieba words,
  the pairs and the triples tell it too, and a third of the grams to look up per
  message and of the model's size go with them);
- words: jieba words for Chinese runs and lower-case words for Latin text
  (core.text), unigrams and bigrams ("dumb bitch" is worse than its parts).

A logistic regression with balanced class weights is trained on the union, and its
decision value is calibrated with a Platt sigmoid fitted on out-of-fold predictions
(so the score reads as a probability and one threshold means the same in both
languages).

Training uses scikit-learn; scoring does not, and computes the same number (to
rounding) without a scikit-learn pipeline's millisecond of overhead. The word block
holds a dict from feature to (idf², idf·weight): one C-level lookup per word. The
character block (`CharBlock`) turns the text's code points into 64-bit gram keys
with a few numpy operations, finds them by binary search in the sorted keys of its
vocabulary, and weighs them with array arithmetic: no string made per gram, and a
time that hardly grows with the length of the message. Which features weighed most
is worked out only when a moderator will read them (the text is held). The
artefact is JSON (gzip): loading it runs no code, which matters for a file read
back from object storage.
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

# 4: character 2-3-grams (3: 2-4-grams, 2: 1-4-grams); Latin words with stop words,
# jieba without HMM.
FORMAT = 4
FORMATS_READ = {2: (1, 4), 3: (2, 4), 4: (2, 3)}  # format -> its character gram range
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


_PREFIX_ONLY = 1.0  # in _LOG_P: a fragment that only begins dictionary words
_LOG_P: dict[str, float] = {}  # jieba's dictionary: word -> log(frequency / total)


def _log_probabilities() -> dict[str, float]:
    """Each entry of jieba's dictionary (its words and the prefixes it keeps of
    them) with its log probability worked out once (a prefix that is no word:
    _PREFIX_ONLY), so the walk below does one lookup per fragment."""
    if not _LOG_P:
        tokenizer = core_text.jieba_tokenizer()
        log_total = math.log(tokenizer.total)
        _LOG_P.update(
            {
                word: (math.log(freq) - log_total) if freq else _PREFIX_ONLY
                for word, freq in tokenizer.FREQ.items()
            }
        )
    return _LOG_P


def segment(run: str) -> list[str]:
    """The words of a run of Chinese characters, exactly as jieba's dictionary-only
    cut (HMM=False) gives them: the most probable path through the words of its
    dictionary (ties to the longer word, as jieba's max over (value, end)). The
    same two passes as jieba's get_DAG and calc, in one loop over a table of log
    probabilities: a third of the time, and segmenting is what scoring a Chinese
    chat message spends most on."""
    log_p = _log_probabilities()
    unknown = -math.log(core_text.jieba_tokenizer().total)  # log(1 / total)
    n = len(run)
    best = [0.0] * (n + 1)
    end = [0] * (n + 1)
    for k in range(n - 1, -1, -1):
        top = None
        top_end = k
        i = k + 1
        weight = log_p.get(run[k])
        while weight is not None:
            if weight != _PREFIX_ONLY:
                value = weight + best[i]
                if top is None or value >= top:
                    top, top_end = value, i - 1
            if i == n:
                break
            i += 1
            weight = log_p.get(run[k:i])
        if top is None:  # not in the dictionary: the character on its own
            top = unknown + best[k + 1]
        best[k], end[k] = top, top_end
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


# Gram keys: a 64-bit multiplicative hash of a gram's code points, one after the
# other (so an n-gram's key is the (n-1)-gram's key stepped once more), the same for
# a vocabulary gram (at load) and a text's gram (when scoring). No two of a
# vocabulary's grams share one (checked at load), and an unknown gram taking a known
# one's key has a chance of about 1 in 10^13 per gram.
_START = np.uint64(0x9E3779B97F4A7C15)
_MIX = np.uint64(0xBF58476D1CE4E5B9)
_SHIFT = np.uint64(31)


def _step(keys: np.ndarray | np.uint64, points: np.ndarray) -> np.ndarray:
    keys = (keys ^ points) * _MIX
    return keys ^ (keys >> _SHIFT)


def _points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _text_keys(prepared: str, char_range: tuple[int, int]) -> np.ndarray:
    """The keys of char_features(prepared, char_range), computed without a string
    per gram (the one-character gram " " left out, as there)."""
    points = _points(f" {prepared} ")
    low, high = char_range
    keys = _step(_START, points)  # 1-grams
    parts = [keys[points != ord(" ")]] if low == 1 else []
    for n in range(2, high + 1):
        if len(keys) < 2:
            break
        keys = _step(keys[:-1], points[n - 1 :])
        if n >= low:
            parts.append(keys)
    return np.concatenate(parts) if parts else keys[:0]


def _vocabulary_keys(grams: list[str]) -> np.ndarray:
    """The key of each gram of a vocabulary, in its order (grams of one length at a
    time, as one array)."""
    keys = np.empty(len(grams), dtype=np.uint64)
    by_length: dict[int, list[int]] = {}
    for j, gram in enumerate(grams):
        by_length.setdefault(len(gram), []).append(j)
    for n, rows in by_length.items():
        points = _points("".join(grams[j] for j in rows)).reshape(len(rows), n)
        key = np.full(len(rows), _START, dtype=np.uint64)
        for k in range(n):
            key = _step(key, points[:, k])
        keys[rows] = key
    return keys


HashedFound = tuple[np.ndarray, np.ndarray, float]  # columns, their tf, the block's norm


@dataclass
class CharBlock(Block):
    """The character block, scored with arrays: a text's grams become 64-bit keys
    (numpy, no string per gram), found in the sorted keys of the vocabulary by binary
    search, counted and weighed in a few array operations. The same sums as
    Block.contributions over char_features (to rounding), in a time that hardly
    grows with the text: a 500-character message has 1,500 grams."""

    def __post_init__(self) -> None:
        # No per-gram dict here (Block's): arrays, sorted by key.
        grams = list(self.features)
        keys = _vocabulary_keys(grams)
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        if len(self._keys) and bool((self._keys[1:] == self._keys[:-1]).any()):
            raise ValueError("two character grams of the model share a key")
        values = np.array([self.features[g] for g in grams], dtype=np.float64).reshape(-1, 2)
        idf, weight = values[order, 0], values[order, 1]
        self._idf2, self._idfw = idf * idf, idf * weight
        self._grams = [grams[j] for j in order]
        self._pushes = np.array(
            [self.features[g][1] > 0 and self.shown(g) for g in self._grams], dtype=bool
        )

    def contributions_of(
        self, prepared: str, char_range: tuple[int, int]
    ) -> tuple[float, HashedFound]:
        if not len(self._keys):
            return 0.0, (np.empty(0, dtype=np.intp), np.empty(0), 0.0)
        keys, counts = np.unique(_text_keys(prepared, char_range), return_counts=True)
        at = np.searchsorted(self._keys, keys)
        at[at == len(self._keys)] = 0
        hit = self._keys[at] == keys
        columns = at[hit]
        tf = 1.0 + np.log(counts[hit])
        norm = float(np.dot(tf * tf, self._idf2[columns]))
        if not norm:
            return 0.0, (columns, tf, 0.0)
        norm = math.sqrt(norm)
        return float(np.dot(tf, self._idfw[columns])) / norm, (columns, tf, norm)

    def parts(self, found: HashedFound) -> list[tuple[str, float]]:  # type: ignore[override]
        columns, tf, norm = found
        if not norm:
            return []
        pushing = self._pushes[columns]
        shares = tf[pushing] * self._idfw[columns[pushing]] / norm
        grams = self._grams
        return [
            (grams[j], float(s))
            for j, s in zip(columns[pushing].tolist(), shares.tolist(), strict=True)
        ]


@dataclass
class Scorer:
    """A trained classifier, ready to score text without scikit-learn."""

    blocks: dict[str, Block]
    intercept: float
    calibration: tuple[float, float]  # Platt: p = 1 / (1 + exp(a * d + b))
    meta: dict[str, Any] = field(default_factory=dict)
    char_range: tuple[int, int] = CHAR_RANGE

    def evaluate(self, text: str) -> tuple[float, dict[str, Any]]:
        """The decision value of `text`, and each block's found features (for
        `parts`, only when a moderator will read them)."""
        prepared = prepare(text)
        total = self.intercept
        found: dict[str, Any] = {}
        char = self.blocks["char"]
        if isinstance(char, CharBlock):
            block_total, found["char"] = char.contributions_of(prepared, self.char_range)
        else:
            block_total, found["char"] = char.contributions(
                char_features(prepared, self.char_range)
            )
        total += block_total
        block_total, found["word"] = self.blocks["word"].contributions(word_features(prepared))
        return total + block_total, found

    def parts(self, found: dict[str, Any]) -> list[tuple[str, float]]:
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
            name: BLOCK_TYPES[name]({g: (float(i), float(w)) for g, i, w in rows}, SHOWN[name])
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


BLOCK_TYPES: dict[str, type[Block]] = {"char": CharBlock, "word": Block}


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
        blocks[name] = BLOCK_TYPES[name](
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
