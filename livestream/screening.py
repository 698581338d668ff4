"""Screening for live chat, questions and tip messages, before anything is broadcast.

A configurable word list of the rooms' own (`LIVESTREAM_BLOCKED_WORDS`: Latin words
match whole words, case-insensitively; CJK terms as substrings, since Chinese has no
spaces between words), then the site's screening rules (moderation.screening).
"""

import re
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext as _

from moderation import screening as moderation_screening
from moderation.scoring import Score, text_score

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
    """None if the text may be published, else the reason to show its author.

    The room's own word list first, then the site's screening (moderation app).
    A live room cannot wait for a moderator: what screening would hold for review
    is refused here, with the reason.
    """
    pattern = _pattern(tuple(settings.LIVESTREAM_BLOCKED_WORDS))
    if pattern is not None and pattern.search(text):
        return _("Your message contains a word that is not allowed here. Please rephrase it.")
    verdict = moderation_screening.text_screen(text)
    if verdict.decision == moderation_screening.REFUSE:
        return verdict.message
    if verdict.decision == moderation_screening.HOLD:
        return _(
            "This can't be shown in a live room: it seems to contain contact details, "
            "payment outside the platform, many links or a watched word."
        )
    return None


def chat_score(text: str) -> Score | None:
    """The screening classifier's score of a chat message (None without a model).
    Above the "chat" hold threshold the message is held for the room's moderators;
    the score never refuses it."""
    return text_score(text, kind="chat")
