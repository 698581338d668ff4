"""Item vectors from word vectors trained on the catalogue's own text (no Django).

TF-IDF (``content``) calls two items alike only when they share words: "股票入门" and
"investing for beginners" score 0 however often the two vocabularies meet elsewhere.
``wordvec`` trains gensim's Word2Vec (skip-gram with negative sampling) on the item
texts themselves, each text one sentence of `core.text.terms` (jieba words for Chinese,
lower-case words for Latin), so words that keep the same company get nearby vectors.
An item's vector is the IDF-weighted mean of its words' vectors with the common
direction of all items taken out (Arora et al.'s SIF, 2017), unit length; two items
with no shared word are close when their words are.

Nothing is downloaded: the vectors are trained here, on the texts given, in one
thread with a fixed seed (the same texts give the same vectors). Scoring is the
content model's: the user's profile is the weighted sum of their items' vectors,
compared with every item by cosine through one items x items similarity matrix.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp

from core.text import terms
from recommend.algorithms import Content


def tokenised(texts: list[str]) -> list[list[str]]:
    return [terms(text or "") for text in texts]


def train_vectors(sentences: list[list[str]], params: dict) -> dict[str, np.ndarray]:
    """word -> vector, trained on `sentences` (a bag of words per item: the window spans
    the whole text up to `max_window` words either side, and gensim's random window
    shrinking is off)."""
    # gensim takes a second to import: only when a model with word vectors is fitted
    from gensim.models import Word2Vec

    logging.getLogger("gensim").setLevel(logging.WARNING)  # it logs every epoch at INFO

    longest = max((len(s) for s in sentences), default=1)
    model = Word2Vec(
        sentences=[s for s in sentences if s],
        vector_size=int(params["dim"]),
        window=max(5, min(longest, int(params["max_window"]))),
        min_count=int(params["min_count"]),
        sg=1,
        negative=int(params["negative"]),
        epochs=int(params["epochs"]),
        sample=0.0,  # short texts: no word is so frequent that it should be dropped
        shrink_windows=False,
        workers=1,  # one thread: the same texts give the same vectors
        seed=int(params["seed"]),
    )
    return {word: model.wv[word] for word in model.wv.index_to_key}


def item_vectors(sentences: list[list[str]], words: dict[str, np.ndarray], dim: int) -> np.ndarray:
    """Unit item vectors (zero for an item with no known word): IDF-weighted mean of its
    words' vectors, the first principal direction of all items removed."""
    n = len(sentences)
    df: dict[str, int] = {}
    for sentence in sentences:
        for word in set(sentence):
            df[word] = df.get(word, 0) + 1
    out = np.zeros((n, dim), dtype=np.float64)
    for i, sentence in enumerate(sentences):
        known = [w for w in sentence if w in words]
        if not known:
            continue
        weights = np.array([np.log((1 + n) / (1 + df[w])) + 1.0 for w in known])
        out[i] = weights @ np.vstack([words[w] for w in known]) / weights.sum()
    present = np.flatnonzero(np.abs(out).sum(axis=1) > 0)
    if present.size > 1:
        # the direction every item shares says nothing about which items are alike
        _, _, vt = np.linalg.svd(out[present] - 0.0, full_matrices=False)
        common = vt[0]
        out[present] -= np.outer(out[present] @ common, common)
    norms = np.linalg.norm(out, axis=1)
    out[norms > 0] /= norms[norms > 0, None]
    return out.astype(np.float32)


class WordVectors(Content):
    """The content model with trained word vectors in place of TF-IDF terms."""

    def fit(self, x: sp.csr_matrix, *, item_text=None, **_):
        if item_text is None or len(item_text) != self.n_items:
            raise ValueError("the wordvec model needs one text per item (item_text)")
        p = self.params
        sentences = tokenised(list(item_text))
        words = train_vectors(sentences, p) if any(sentences) else {}
        vectors = item_vectors(sentences, words, int(p["dim"]))
        self.words = len(words)
        self.vectors = vectors
        # negative cosines say "unlike", not "a little like": they add nothing to a profile
        self.sim = np.maximum(vectors @ vectors.T, 0.0).astype(np.float32)
        self.has_text = np.asarray(np.abs(vectors).sum(axis=1) > 0)
        return self
