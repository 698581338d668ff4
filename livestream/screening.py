"""Blocked-word screening for live chat, questions and tip messages.

A stop-gap until the moderation app supplies its rules: a configurable word list
(`LIVESTREAM_BLOCKED_WORDS`). Latin words match whole words, case-insensitively;
CJK terms match as substrings, since Chinese has no spaces between words.
"""

import re
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext as _

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=8)
def _pattern(words: tuple[str, ...]) -> re.Pattern | None:
    parts = []
    for word in words:
        word = word.strip().lower()
        if not word:
            continue
        escaped = re.escape(word)
        parts.append(escaped if _CJK.search(word) else rf"\b{escaped}\b")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def text_screen(text: str) -> str | None:
    """None if the text may be published, else the reason to show its author."""
    pattern = _pattern(tuple(settings.LIVESTREAM_BLOCKED_WORDS))
    if pattern is not None and pattern.search(text):
        return _("Your message contains a word that is not allowed here. Please rephrase it.")
    return None
