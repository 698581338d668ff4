"""One screening service for every piece of public user content.

`text_screen(text)` returns a Verdict: publish, hold for review, or refuse (with
the reason shown to the author). Rules, in order:

1. Blocked terms moderators edit in the admin (`BlockedTerm`): whole-word or
   substring, hold or refuse.
2. Flooding: one character or one word repeated over and over is refused.
3. Contact details (phone numbers, emails, WeChat/QQ/Telegram handles) and
   off-platform payment solicitation (transfers, Alipay/WeChat Pay, PayPal...) are
   held: the marketplace's money rules only hold when money moves on the platform.
4. Link spam: more than LINK_LIMIT links is held (spelled-out ones like
   "example dot com" or "example[.]com" count too).
5. Repeated text: with `author=`, the same text posted by the same author on more
   than REPEAT_LIMIT different objects within REPEAT_WINDOW seconds is refused.

Evasion: before matching, text is NFKC-folded (full-width letters and digits become
ASCII), case-folded, and zero-width characters are dropped; blocked terms also
match with up to three spaces or punctuation marks between their letters
("i.d.i.o.t", "傻 瓜", "ｉｄｉｏｔ").

Live chat cannot wait for a moderator, so the room refuses what would be held (see
livestream.screening).
"""

import hashlib
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from moderation.models import BlockedTerm

PUBLISH, HOLD, REFUSE = "publish", "hold", "refuse"
LINK_LIMIT = 2
TERMS_TTL = 30.0  # seconds
_loaded: dict = {"terms": None, "at": 0.0}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")

_PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)|\+\d[\d\s-]{8,}\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_HANDLE = re.compile(
    # Not inside a longer Latin word: "PostgreSQL" holds "tg" but names no handle.
    r"(?<![A-Za-z0-9])(?:微信|薇信|威信|vx|v信|wechat|weixin|wx|qq|扣扣|telegram|tg|whatsapp)"
    r"\s*(?:号|id)?\s*[:：]?\s*[A-Za-z0-9_-]{5,}",
    re.IGNORECASE,
)
_PAYMENT = re.compile(
    r"转账|转给我|私下付|私下交易|加我.{0,6}(?:付|买|优惠)|支付宝|微信支付|收款码|红包"
    r"|\b(?:pay\s*me|paypal|venmo|cash\s*app|wire\s+(?:me|transfer)|bank\s+transfer)\b",
    re.IGNORECASE,
)
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_SPELLED_LINK = re.compile(
    r"\b[a-z0-9-]{2,}\s*(?:\[\.\]|\(\.\)|\(dot\)|\[dot\]|\s+dot\s+|点)\s*"
    r"(?:com|net|org|cn|io|xyz|top|me|cc|info|ru)\b",
    re.IGNORECASE,
)
_SAME_CHAR = re.compile(r"(.)\1{11,}")
_SAME_LETTER = re.compile(r"([^\W\d_])\1{11,}")
# Written material cites sources: one link more allowed per this many characters.
LONG_FORM_CHARS_PER_LINK = 300
# Zero-width and invisible formatting characters used to split words.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\ufeff\u00ad\u180e"),
    None,
)
_SEPARATOR = r"[\W_]{0,3}"  # what an evader slips between letters
REPEAT_LIMIT = 3
REPEAT_WINDOW = 600  # seconds


@dataclass(frozen=True)
class Verdict:
    decision: str
    reasons: tuple[str, ...] = field(default_factory=tuple)
    message: str = ""  # what the author is told, in their language

    @property
    def published(self) -> bool:
        return self.decision == PUBLISH


def _terms() -> list[tuple[str, str, str]]:
    """Active terms, kept in this process for TERMS_TTL seconds.

    Not in the shared cache: screening runs on every chat message, and a chat must
    keep working while Redis restarts. An edit applies at once in the process that
    made it (terms_changed) and within TERMS_TTL everywhere else.
    """
    now = time.monotonic()
    if _loaded["terms"] is None or now - _loaded["at"] > TERMS_TTL:
        _loaded["terms"] = list(
            BlockedTerm.objects.filter(active=True).values_list("term", "mode", "action")
        )
        _loaded["at"] = now
    return _loaded["terms"]


def terms_changed() -> None:
    """Called when moderators edit the list (signals in moderation.apps)."""
    _loaded["terms"] = None


def normalise(text: str) -> str:
    """What screening reads: NFKC-folded, case-folded, without invisible characters."""
    return unicodedata.normalize("NFKC", text or "").translate(_INVISIBLE).casefold()


@lru_cache(maxsize=256)
def _term_pattern(term: str, mode: str) -> re.Pattern:
    letters = [c for c in normalise(term).strip() if c.isalnum()]
    if letters:
        escaped = _SEPARATOR.join(re.escape(c) for c in letters)
    else:  # a term of symbols only ("$$$") is matched as written
        escaped = re.escape(normalise(term).strip())
    if mode == BlockedTerm.Mode.WORD and not _CJK.search(term):
        escaped = rf"(?<!\w){escaped}(?!\w)"
    return re.compile(escaped, re.IGNORECASE)


def _repeat_count(text: str, *, author, ref) -> int:
    """How many different objects (`ref`) the author posted this text on lately.

    Kept in the shared cache; if the cache is down, repetition is not checked
    rather than stopping all posting.
    """
    squashed = re.sub(r"[\W_]+", "", text)
    if len(squashed) < 8:  # "thanks!" twice is not spam
        return 0
    digest = hashlib.sha256(squashed.encode()).hexdigest()[:16]
    key = f"moderation:repeat:{author.pk}:{digest}"
    try:
        refs = cache.get(key) or []
        ref = str(ref) if ref is not None else f"call-{len(refs)}"
        if ref not in refs:
            refs = [*refs, ref][-20:]
            cache.set(key, refs, getattr(settings, "MODERATION_REPEAT_WINDOW", REPEAT_WINDOW))
        return len(refs)
    except Exception:  # noqa: BLE001 - a cache outage must not stop posting
        return 0


def _flooding(text: str, *, long_form: bool = False) -> bool:
    if long_form:
        # Markdown rules, table borders and code ("-----", "|====|", "0x000000000000")
        # repeat characters on purpose: in written material only a run of one letter
        # counts, one word making up half the text, or a long text of a handful of
        # words ("buy now" x 200: real prose uses far more than one word in 30).
        if _SAME_LETTER.search(text):
            return True
        words = re.findall(r"\w+", text.lower())
        if len(words) < 8:
            return False
        if len(words) >= 120 and len(set(words)) * 30 < len(words):
            return True
        return Counter(words).most_common(1)[0][1] * 2 > len(words)
    if _SAME_CHAR.search(text):
        return True
    words = re.findall(r"\w+", text.lower())
    if len(words) < 8:
        return False
    # A short post of few distinct words is flooding ("buy buy buy ..."); a long text
    # naturally repeats its words, so there only one word making up half of it counts.
    if len(words) <= 60 and len(set(words)) <= len(words) // 4:
        return True
    return Counter(words).most_common(1)[0][1] * 2 > len(words)


def text_screen(text: str, *, author=None, ref=None, long_form: bool = False) -> Verdict:
    """Screen `text`. With `author` (and `ref`, e.g. "course:12", naming the object so
    edits of one object don't count as repeats), repeated posting is refused.
    `long_form` (lessons, articles): repeated punctuation is not flooding, and the
    link limit grows with the length of the text."""
    text = normalise(text)
    held: list[str] = []
    for term, mode, action in _terms():
        if (
            term.strip()
            and _term_pattern(term, mode).pattern
            and _term_pattern(term, mode).search(text)
        ):
            if action == BlockedTerm.Action.REFUSE:
                return Verdict(
                    REFUSE,
                    (f"blocked term: {term}",),
                    _("Your text contains a word that is not allowed here. Please rephrase it."),
                )
            held.append(f"blocked term: {term}")
    if _flooding(text, long_form=long_form):
        return Verdict(
            REFUSE, ("repeated text",), _("Please don't repeat the same thing over and over.")
        )
    if author is not None and getattr(author, "pk", None):
        limit = getattr(settings, "MODERATION_REPEAT_LIMIT", REPEAT_LIMIT)
        if _repeat_count(text, author=author, ref=ref) > limit:
            return Verdict(
                REFUSE,
                ("repeated text",),
                _("You already posted this same text several times. Please don't repeat it."),
            )
    if _PHONE.search(text) or _EMAIL.search(text) or _HANDLE.search(text):
        held.append("contact details")
    if _PAYMENT.search(text):
        held.append("off-platform payment")
    link_limit = LINK_LIMIT
    if long_form:
        link_limit = max(LINK_LIMIT, len(text) // LONG_FORM_CHARS_PER_LINK)
    if len(_LINK.findall(text)) + len(_SPELLED_LINK.findall(text)) > link_limit:
        held.append("too many links")
    if held:
        return Verdict(
            HOLD,
            tuple(held),
            _(
                "A moderator will look at this before it is shown: it seems to contain "
                "contact details, payment outside the platform, many links or a "
                "watched word."
            ),
        )
    return Verdict(PUBLISH)
