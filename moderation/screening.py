"""One screening service for every piece of public user content.

`text_screen(text)` returns a Verdict: publish, hold for review, or refuse (with
the reason shown to the author). Rules, in order:

1. Blocked terms moderators edit in the admin (`BlockedTerm`): whole-word or
   substring, hold or refuse.
2. Flooding: one character or one word repeated over and over is refused.
3. Contact details (phone numbers, emails, WeChat/QQ/Telegram handles) and
   off-platform payment solicitation (transfers, Alipay/WeChat Pay, PayPal...) are
   held: the marketplace's money rules only hold when money moves on the platform.
4. Link spam: more than LINK_LIMIT links is held.

Live chat cannot wait for a moderator, so the room refuses what would be held (see
livestream.screening).
"""

import re
import time
from dataclasses import dataclass, field
from functools import lru_cache

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
    r"(?:微信|薇信|威信|vx|v信|wechat|weixin|wx|qq|扣扣|telegram|tg|whatsapp)"
    r"\s*(?:号|id)?\s*[:：]?\s*[A-Za-z0-9_-]{5,}",
    re.IGNORECASE,
)
_PAYMENT = re.compile(
    r"转账|转给我|私下付|私下交易|加我.{0,6}(?:付|买|优惠)|支付宝|微信支付|收款码|红包"
    r"|\b(?:pay\s*me|paypal|venmo|cash\s*app|wire\s+(?:me|transfer)|bank\s+transfer)\b",
    re.IGNORECASE,
)
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_SAME_CHAR = re.compile(r"(.)\1{11,}")


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


@lru_cache(maxsize=256)
def _term_pattern(term: str, mode: str) -> re.Pattern:
    escaped = re.escape(term.strip())
    if mode == BlockedTerm.Mode.WORD and not _CJK.search(term):
        escaped = rf"(?<!\w){escaped}(?!\w)"
    return re.compile(escaped, re.IGNORECASE)


def _flooding(text: str) -> bool:
    if _SAME_CHAR.search(text):
        return True
    words = re.findall(r"\w+", text.lower())
    return len(words) >= 8 and len(set(words)) <= len(words) // 4


def text_screen(text: str) -> Verdict:
    held: list[str] = []
    for term, mode, action in _terms():
        if term.strip() and _term_pattern(term, mode).search(text):
            if action == BlockedTerm.Action.REFUSE:
                return Verdict(
                    REFUSE,
                    (f"blocked term: {term}",),
                    _("Your text contains a word that is not allowed here. Please rephrase it."),
                )
            held.append(f"blocked term: {term}")
    if _flooding(text):
        return Verdict(
            REFUSE, ("repeated text",), _("Please don't repeat the same thing over and over.")
        )
    if _PHONE.search(text) or _EMAIL.search(text) or _HANDLE.search(text):
        held.append("contact details")
    if _PAYMENT.search(text):
        held.append("off-platform payment")
    if len(_LINK.findall(text)) > LINK_LIMIT:
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
