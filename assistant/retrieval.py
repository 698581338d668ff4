"""The assistant's retrieval core: no Django, no database, so the offline evaluation,
the benchmark and the live index all run exactly the same code.

A question becomes terms (core.text: jieba for Chinese, words for Latin, plus a light
English suffix stripper here); BM25 and the semantic space score every passage and
their best few hundred each are the candidates, scored three ways and blended (so a
question's cost barely grows with the index beyond those two cheap products):

- lexical: Okapi BM25 over the terms (the bm25s package: a sparse index of
  precomputed term weights, summed per query);
- character n-grams: TF-IDF cosine over 2-4 character grams, which forgives typos,
  inflections and Chinese segmentation slips (a paraphrase rarely keeps its words);
- semantic: latent semantic vectors (truncated SVD of the TF-IDF term matrix, trained
  here on the indexed text itself; nothing downloaded), cosine in that space, which
  lets "remove" meet "delete" when the site's own text uses them together.

The three are normalised per query and blended with weights tuned offline
(`assistant_evaluate --tune` on the evaluation sets); the blended top score is the
confidence the answer is shown with.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import bm25s
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from threadpoolctl import ThreadpoolController

from core.text import terms

# bm25s sets its own logger to DEBUG when imported (a line per index built): back to
# warnings only, whatever the logging settings say for the rest.
logging.getLogger("bm25s").setLevel(logging.WARNING)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "edly", "ies", "ied", "ed", "es", "ly", "s")


def language_detect(text: str) -> str:
    """ "zh", "en", "mixed" (both scripts in earnest) or "other" (neither)."""
    cjk = len(_CJK.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]{2,}", text))
    if cjk and latin_words:
        # A product name or two inside a Chinese sentence is still Chinese.
        if latin_words <= 2 or cjk >= 4 * latin_words:
            return "zh"
        if cjk <= 2:
            return "en"
        return "mixed"
    if cjk:
        return "zh"
    if _LATIN.search(text):
        return "en"
    return "other"


def _stem(word: str) -> str:
    if not word.isascii() or len(word) <= 4:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                word += "y"
            break
    return word


def tokens(text: str) -> list[str]:
    """Search terms: core.text's terms with English suffixes stripped."""
    return [_stem(term) for term in terms(text)]


def cjk_grams(text: str) -> list[str]:
    """Single characters and character pairs of the Chinese runs: a paraphrase that
    jieba segments differently still shares them (measured on AFQMC: BM25 over words
    plus these beats words alone by a sixth)."""
    out: list[str] = []
    for run in _CJK_RUN.findall(unicodedata.normalize("NFKC", text or "")):
        out += list(run)
        out += [run[i : i + 2] for i in range(len(run) - 1)]
    return out


def index_terms(text: str) -> list[str]:
    """What BM25 and the semantic space read: search terms, then Chinese grams."""
    return tokens(text) + cjk_grams(text)


def char_text(text: str) -> str:
    """The text the character-gram space reads: folded, lower-case, no punctuation."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return re.sub(r"[^\w]+", " ", text).strip()


class BM25:
    """Okapi BM25 from the bm25s package (the Lucene idf, k1 and b as usual).

    bm25s's "lucene" variant leaves out the classic (k1 + 1) numerator factor, which
    only rescales; it is put back so the scores (squashed as s / (s + 12) in the blend)
    stay what they were when this class computed them itself."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)
        self.documents = 0
        self._model: bm25s.BM25 | None = None

    def fit(self, documents: Sequence[Sequence[str]]) -> BM25:
        self.documents = len(documents)
        self.vocabulary, self.idf, self._model = {}, np.zeros(0, dtype=np.float32), None
        corpus = [list(document) for document in documents]
        if not any(corpus):  # nothing to index (bm25s wants at least one term)
            return self
        model = bm25s.BM25(k1=self.k1, b=self.b, method="lucene", backend="numpy")
        model.index(corpus, create_empty_token=False, show_progress=False)
        model.scores["data"] = model.scores["data"] * np.float32(self.k1 + 1)
        self.vocabulary, self._model = model.vocab_dict, model
        # bm25s keeps documents x terms in CSC form: a term's document frequency is
        # the number of entries in its column.
        df = np.diff(model.scores["indptr"]).astype(np.float32)
        n = self.documents
        self.idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        return self

    def query_weight(self, query: Sequence[str]) -> float:
        """What a passage holding every query term once, at average length, scores: the
        sum of the terms' idf, an unknown term at the highest idf (it is evidence the
        index lacks)."""
        unknown = float(np.log(1 + (self.documents + 0.5) / 0.5))
        return sum(
            float(self.idf[self.vocabulary[t]]) if t in self.vocabulary else unknown
            for t in set(query)
        )

    def scores(self, query: Sequence[str]) -> np.ndarray:
        cols = [self.vocabulary[t] for t in set(query) if t in self.vocabulary]
        if self._model is None or not cols:
            return np.zeros(self.documents, dtype=np.float32)
        return self._model.get_scores_from_ids(cols)


@dataclass(frozen=True)
class Weights:
    """The blend of the three signals, each in [0, 1]."""

    lexical: float
    chars: float
    semantic: float
    lexical_scale: float = 12.0  # BM25 is unbounded: squashed as s / (s + scale)

    @classmethod
    def for_language(cls, language: str) -> Weights:
        """Tuned by `assistant_evaluate --tune` (two-fold, README): English paraphrases
        lean on character grams and the semantic space, Chinese ones on BM25 over words
        and character grams (the character space adds little to what BM25 already has)."""
        if language == "zh":
            return ZH_WEIGHTS
        if language == "mixed":
            return MIXED_WEIGHTS
        return EN_WEIGHTS


EN_WEIGHTS = Weights(lexical=0.3, chars=0.5, semantic=0.2)
ZH_WEIGHTS = Weights(lexical=0.8, chars=0.1, semantic=0.1)
MIXED_WEIGHTS = Weights(lexical=0.55, chars=0.3, semantic=0.15)


@dataclass
class Passage:
    """One indexed text: `question` is matched harder than `body`."""

    key: str
    question: str
    body: str = ""


class SparseSpace:
    """A fitted TF-IDF space read without scikit-learn at query time: its per-call input
    checks cost milliseconds, more than the arithmetic on one short question. The
    query is weighted as the vectorizer would (sublinear tf x idf, l2) and scored either
    with a few rows of the transposed document matrix (`scores`: every document, for
    small spaces) or against chosen rows of the document matrix (`scores_at`: only the
    candidates, whose cost does not grow with the space; a character 1-gram is in
    nearly every document, so its row of the transposed matrix is as long as the index).
    `layout` keeps only the matrix the space is read with ("features", "documents" or
    "none" for a space used only to weight queries)."""

    def __init__(
        self, vectorizer: TfidfVectorizer, matrix: sp.spmatrix, layout: str = "features"
    ) -> None:
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf = vectorizer.idf_.astype(np.float32)
        self.analyse = vectorizer.build_analyzer()
        self.size = matrix.shape[0]
        empty = sp.csr_matrix((0, 0), dtype=np.float32)
        self.by_feature = (
            sp.csr_matrix(matrix.T, dtype=np.float32) if layout == "features" else empty
        )
        self.by_document = (
            sp.csr_matrix(matrix, dtype=np.float32) if layout == "documents" else empty
        )

    def query(self, document: object) -> tuple[np.ndarray, np.ndarray]:
        counts: dict[int, int] = {}
        for feature in self.analyse(document):
            col = self.vocabulary.get(feature)
            if col is not None:
                counts[col] = counts.get(col, 0) + 1
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        weights = (1 + np.log(tf)) * self.idf[cols]
        return cols, weights / max(float(np.linalg.norm(weights)), 1e-9)

    def scores(self, document: object) -> np.ndarray:
        cols, weights = self.query(document)
        if not cols.size:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.by_feature[cols].T @ weights).ravel()

    def scores_at(self, document: object, rows: np.ndarray) -> np.ndarray:
        """The cosine of `document` with the documents at `rows` (a "documents" layout)."""
        cols, weights = self.query(document)
        if not cols.size or not rows.size:
            return np.zeros(rows.size, dtype=np.float32)
        dense = np.zeros(self.by_document.shape[1], dtype=np.float32)
        dense[cols] = weights
        return np.asarray(self.by_document[rows] @ dense, dtype=np.float32).ravel()


@dataclass
class HybridIndex:
    passages: list[Passage]
    weights: Weights | None = None  # None: by the question's language
    semantic_dimensions: int = 200
    pool: int = 300  # candidates per generator (BM25, semantic) re-ranked per question

    def __post_init__(self) -> None:
        texts = [f"{p.question} {p.question} {p.body}" for p in self.passages]
        tokenised = [index_terms(text) for text in texts]
        self.bm25 = BM25().fit(tokenised)
        self.keys = [p.key for p in self.passages]
        self.chars: SparseSpace | None = None
        self.semantic: np.ndarray | None = None  # dimensions x vocabulary
        if not self.passages:
            return
        chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, dtype=np.float32
        )
        matrix = chars.fit_transform([char_text(p.question) for p in self.passages])
        self.chars = SparseSpace(chars, matrix, layout="documents")
        words = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float32)
        word_matrix = words.fit_transform(tokenised)
        self.words = SparseSpace(words, word_matrix, layout="none")
        dims = min(self.semantic_dimensions, word_matrix.shape[1] - 1, len(texts) - 1)
        if dims >= 2:
            # scikit-learn's decomposition (and scipy's linear algebra under it) loads
            # only where an index is built: a process starting up does not pay for it.
            from sklearn.decomposition import TruncatedSVD

            svd = TruncatedSVD(n_components=dims, random_state=0)
            vectors = svd.fit_transform(word_matrix)
            self.vectors = _normalise(vectors.astype(np.float32))
            self.semantic = svd.components_.astype(np.float32)

    def __len__(self) -> int:
        return len(self.keys)

    def signals(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every passage's (lexical, character, semantic) scores, each in [0, 1] (offline
        tuning; a question is answered from `candidates`)."""
        query = index_terms(text)
        raw, semantic = self.bm25.scores(query), self._semantic(query)
        everything = np.arange(len(self.keys))
        lexical, chars, _coverage = self._at(text, query, raw, everything)
        return lexical, chars, semantic

    def _semantic(self, query: Sequence[str]) -> np.ndarray:
        """Every passage's cosine with the question in the semantic space."""
        if self.semantic is None or not query:
            return np.zeros(len(self.keys), dtype=np.float32)
        cols, weights = self.words.query(query)
        if not cols.size:
            return np.zeros(len(self.keys), dtype=np.float32)
        vector = self.semantic[:, cols] @ weights
        vector /= max(float(np.linalg.norm(vector)), 1e-9)
        # One BLAS thread: a multi-threaded product for one question spins on a
        # busy machine (measured: the whole ranking 2x slower at 20,000 items).
        with _blas().limit(limits=1, user_api="blas"):
            return np.clip(self.vectors @ vector, 0, 1)

    def _at(
        self, text: str, query: Sequence[str], raw: np.ndarray, positions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lexical, character, coverage) of the passages at `positions`."""
        picked = raw[positions]
        lexical = picked / (picked + EN_WEIGHTS.lexical_scale)
        # The share of the question's term weight a passage holds: unlike the squashed
        # score it does not depend on how big the index is, so it can say "confident".
        coverage = np.minimum(1.0, picked / max(self.bm25.query_weight(query), 1e-9))
        chars = np.zeros(positions.size, dtype=np.float32)
        if self.chars is not None:
            chars = self.chars.scores_at(char_text(text), positions)
        return lexical, chars, coverage

    def candidates(
        self, text: str, weights: Weights | None = None, extra: Sequence[int] = ()
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(positions, ranking scores, confidences) of the passages worth ranking: the
        best `pool` by BM25 and the best `pool` in the semantic space (every passage
        when the index is no bigger than both), plus `extra` positions. The character
        grams and the blend are computed for these only, so a question's cost barely
        grows with the index. The confidence blends the same signals with the lexical
        one as term coverage: what the threshold is set on."""
        w = weights or self.weights or Weights.for_language(language_detect(text))
        query = index_terms(text)
        raw, semantic = self.bm25.scores(query), self._semantic(query)
        if len(self.keys) <= 2 * self.pool:
            positions = np.arange(len(self.keys))
        else:
            pools = [_best(raw, self.pool), _best(semantic, self.pool)]
            positions = np.unique(np.concatenate([*pools, np.asarray(extra, dtype=np.int64)]))
        lexical, chars, coverage = self._at(text, query, raw, positions)
        rest = w.chars * chars + w.semantic * semantic[positions]
        return positions, w.lexical * lexical + rest, w.lexical * coverage + rest

    def scored(self, text: str, weights: Weights | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(ranking scores, confidences) per passage, zero outside the candidates."""
        positions, scores, confidences = self.candidates(text, weights)
        full = np.zeros((2, len(self.keys)), dtype=np.float32)
        full[0, positions], full[1, positions] = scores, confidences
        return full[0], full[1]

    def scores(self, text: str, weights: Weights | None = None) -> np.ndarray:
        return self.scored(text, weights)[0]

    def search(self, text: str, limit: int = 10) -> list[tuple[str, float]]:
        if not self.keys:
            return []
        return top(self.keys, self.scores(text), limit)


@lru_cache(maxsize=1)
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def _identity(words: list[str]) -> list[str]:
    return words


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-9)


def _best(scores: np.ndarray, limit: int) -> np.ndarray:
    """The positions of the `limit` best positive scores, in position order; among
    equal scores the first positions (as a stable sort of every passage would)."""
    positive = np.flatnonzero(scores > 0)
    if positive.size <= limit:
        return positive.astype(np.int64)
    values = scores[positive]
    threshold = np.partition(values, values.size - limit)[values.size - limit]
    above = positive[values > threshold]
    tied = positive[values == threshold][: limit - above.size]
    return np.union1d(above, tied).astype(np.int64)


def top_positions(scores: np.ndarray, limit: int) -> list[int]:
    """The positions of the `limit` best positive scores, best first (ties: first first)."""
    best = _best(scores, limit)
    return [int(i) for i in best[np.argsort(-scores[best], kind="stable")]]


def top(keys: Sequence[str], scores: np.ndarray, limit: int) -> list[tuple[str, float]]:
    """The `limit` best (key, score) pairs with a positive score, best first."""
    return [(keys[i], float(scores[i])) for i in top_positions(scores, limit)]


def idf_keywords(index: HybridIndex, text: str, limit: int = 5) -> list[str]:
    """The query's rarest known terms, most telling first ("understood: refund, ticket")."""
    seen: dict[str, float] = {}
    for term in tokens(text):
        col = index.bm25.vocabulary.get(term)
        weight = float(index.bm25.idf[col]) if col is not None else math.log(len(index) + 2)
        seen.setdefault(term, weight)
    return [t for t, _ in sorted(seen.items(), key=lambda kv: -kv[1])][:limit]


@dataclass(frozen=True)
class Vote:
    """A learner's thumbs on a passage shown for a question (+1 up, -1 down), or a
    staff member's canonical answer for it (weighs as several ups)."""

    question: str
    key: str
    value: float


class FeedbackMemory:
    """Feedback as a ranking signal: a new question close to one that was voted on
    (character-gram cosine at least `min_similarity`) moves the voted passage up or
    down by `strength` x similarity x vote. What it is worth is measured offline
    (`assistant_evaluate`: votes simulated on half the queries, measured on the
    other half), not assumed."""

    def __init__(
        self, votes: Sequence[Vote], *, strength: float = 0.3, min_similarity: float = 0.35
    ) -> None:
        self.votes = list(votes)
        self.strength, self.min_similarity = strength, min_similarity
        self.space: SparseSpace | None = None
        if self.votes:
            space = TfidfVectorizer(
                analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, dtype=np.float32
            )
            matrix = space.fit_transform([char_text(v.question) for v in self.votes])
            self.space = SparseSpace(space, matrix)
        self._position: dict[int, dict[str, int]] = {}

    def boosts(self, keys: Sequence[str], text: str) -> dict[int, float]:
        """What the votes close to `text` add to the passages at these positions of `keys`."""
        if self.space is None:
            return {}
        similarity = self.space.scores(char_text(text))
        close = np.flatnonzero(similarity >= self.min_similarity)
        if not close.size:
            return {}
        # The key -> position map of the last key list (the index's, between rebuilds).
        position = self._position.get(id(keys))
        if position is None:
            position = {key: i for i, key in enumerate(keys)}
            self._position = {id(keys): position}
        out: dict[int, float] = {}
        for v in close:
            i = position.get(self.votes[v].key)
            if i is not None:
                delta = self.strength * float(similarity[v]) * self.votes[v].value
                out[i] = out.get(i, 0.0) + delta
        return out

    def adjust(self, keys: Sequence[str], scores: np.ndarray, text: str) -> np.ndarray:
        boosts = self.boosts(keys, text)
        if not boosts:
            return scores
        adjusted = scores.copy()
        for i, delta in boosts.items():
            adjusted[i] += delta
        return np.clip(adjusted, 0, None)
