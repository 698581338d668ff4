"""Text into terms: moved to core/text.py (qa uses it too, and qa sits below
recommend). Re-exported here for recommend's own modules."""

from core.text import STOP_WORDS, _jieba, terms, tfidf_vectorizer, warm_up

__all__ = ["STOP_WORDS", "_jieba", "terms", "tfidf_vectorizer", "warm_up"]
