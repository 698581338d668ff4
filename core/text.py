"""Text into terms, for every part of the site that compares texts.

Chinese runs are segmented with jieba; Latin text is lower-cased and split into
words. Full-width characters are folded first (NFKC), so "Ｐｙｔｈｏｎ" and
"Python" are the same term. Recommendations (item features), expert matching and
similar-question search all build their TF-IDF spaces from `terms`, so a
question and an item meet in one vocabulary. It lives in core because qa (layer 4)
and recommend (layer 5) both use it.
"""

import logging
import re
import unicodedata
from functools import lru_cache
from types import ModuleType
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9+#._-]*[a-z0-9+#]|[a-z0-9]")

# Words too common to tell two texts apart. Short on purpose: TF-IDF weighs the rest.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "you",
        "your",
        "do",
        "does",
        "can",
    ]
    + list("的了和是在我有你他她它们这那就也都而及与或吗呢吧啊")
    + ["如何", "怎么", "什么", "为什么", "一个", "我们", "你们", "他们", "可以", "没有"]
)


@lru_cache(maxsize=1)
def _jieba() -> ModuleType:
    # jieba loads a 50 MB dictionary when imported: only when Chinese text comes
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def jieba_tokenizer() -> Any:
    """jieba's default tokenizer, its dictionary loaded (FREQ: word -> frequency)."""
    return _jieba().dt


def warm_up() -> None:
    """Load jieba's dictionary now (about a second), not in the first task or request
    that meets Chinese text. Celery workers call this as they start (config/celery.py)."""
    _jieba()


def cjk_words(run: str, *, hmm: bool = True) -> list[str]:
    """jieba's words of a run of Chinese characters. `hmm=False`: the dictionary's
    words only (new words come out as single characters), about a third faster."""
    return [word for word in _jieba().cut(run, HMM=hmm) if word.strip()]


def terms(text: str) -> list[str]:
    """The terms of `text`: jieba words for Chinese runs, lower-case words for Latin."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    out: list[str] = []
    position = 0
    for run in _CJK_RUN.finditer(text):
        out.extend(_LATIN_WORD.findall(text[position : run.start()]))
        out.extend(word for word in _jieba().cut(run.group(), HMM=True) if word.strip())
        position = run.end()
    out.extend(_LATIN_WORD.findall(text[position:]))
    return [term for term in out if term not in STOP_WORDS]


def tfidf_vectorizer(**options: Any) -> TfidfVectorizer:
    """A TF-IDF vectorizer over `terms` (sublinear tf, l2-normalised rows)."""
    options.setdefault("sublinear_tf", True)
    options.setdefault("min_df", 1)
    options.setdefault("dtype", np.float32)
    return TfidfVectorizer(tokenizer=terms, lowercase=False, token_pattern=None, **options)
