"""The one price formula for paid questions.

    price = base price x seniority factor x difficulty factor

Factors are integers in basis points (10_000 = x1.00) read from the QA_* settings;
the product is rounded half up to a whole minor unit, once, at the end. `price_quote`
returns the amount and the lines that explain it, which the quote page, the API and
the stored Quote all show unchanged.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from core.money import format_money

BPS = 10_000

_CODE_MARKERS = re.compile(
    r"```|`[^`\n]+`|\b\w+\(\)|[{};]|\b\w+\.\w+\(|=>|->|::|\$[^$]+\$|\b(?:sql|api|http|regex|"
    r"kubernetes|docker|python|java|rust|golang|c\+\+|gpu|cpu|tcp|dns|json)\b|"
    r"算法|复杂度|并发|编译|数据库|架构|协议|内核|微积分|矩阵",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ExpertStanding:
    """What seniority is computed from."""

    verified: bool
    answered_count: int
    rating_count: int
    rating_sum: int


@dataclass
class PriceQuote:
    amount: int
    currency: str
    base_price: int
    seniority_bps: int
    difficulty_bps: int
    lines: list[dict] = field(default_factory=list)


def _signed(bps: int) -> str:
    return f"{'+' if bps >= 0 else ''}{bps / BPS:.2f}"


def _factor(bps: int) -> str:
    return f"x{bps / BPS:.2f}"


def seniority_bps(standing: ExpertStanding) -> tuple[int, list[dict]]:
    lines = []
    total = BPS
    if standing.verified:
        total += settings.QA_SENIORITY_VERIFIED_BPS
        lines.append({"label": _("Verified expert"), "bps": settings.QA_SENIORITY_VERIFIED_BPS})
    tier_bonus = 0
    for threshold, bonus in settings.QA_SENIORITY_ANSWER_TIERS:
        if standing.answered_count >= threshold:
            tier_bonus = bonus
    if tier_bonus:
        total += tier_bonus
        lines.append(
            {
                "label": _("%(count)s answers given") % {"count": standing.answered_count},
                "bps": tier_bonus,
            }
        )
    if standing.rating_count >= settings.QA_SENIORITY_MIN_RATINGS:
        # (average - 3) stars, in integer arithmetic: (sum - 3 * count) / count.
        rating_bonus = (
            (standing.rating_sum - 3 * standing.rating_count)
            * settings.QA_SENIORITY_BPS_PER_STAR
            // standing.rating_count
        )
        if rating_bonus:
            total += rating_bonus
            lines.append(
                {
                    "label": _("Rated %(avg).1f / 5")
                    % {"avg": standing.rating_sum / standing.rating_count},
                    "bps": rating_bonus,
                }
            )
    clamped = min(max(total, settings.QA_SENIORITY_MIN_BPS), settings.QA_SENIORITY_MAX_BPS)
    if clamped != total:
        lines.append({"label": _("Limited to the allowed range"), "bps": clamped - total})
    return clamped, lines


def technical_markers(text: str) -> int:
    return len(_CODE_MARKERS.findall(text or ""))


def difficulty_bps(*, difficulty: str, text: str) -> tuple[int, list[dict]]:
    try:
        base = settings.QA_DIFFICULTY_BPS[difficulty]
    except KeyError:
        raise ValueError(f"Unknown difficulty {difficulty!r}") from None
    lines = [{"label": _("Chosen depth"), "bps": base - BPS}] if base != BPS else []
    total = base
    extra_chars = max(0, len(text) - settings.QA_LENGTH_FREE_CHARS)
    steps = -(-extra_chars // settings.QA_LENGTH_STEP_CHARS)  # ceiling
    length_bonus = min(steps * settings.QA_LENGTH_STEP_BPS, settings.QA_LENGTH_MAX_BPS)
    if length_bonus:
        total += length_bonus
        lines.append(
            {"label": _("Long question (%(n)s characters)") % {"n": len(text)}, "bps": length_bonus}
        )
    if technical_markers(text) >= settings.QA_TECHNICAL_MIN_MARKERS:
        total += settings.QA_TECHNICAL_BPS
        lines.append({"label": _("Technical question"), "bps": settings.QA_TECHNICAL_BPS})
    return total, lines


def round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def price_quote(
    *, base_price: int, currency: str, standing: ExpertStanding, difficulty: str, text: str
) -> PriceQuote:
    s_bps, s_lines = seniority_bps(standing)
    d_bps, d_lines = difficulty_bps(difficulty=difficulty, text=text)
    amount = max(1, round_half_up(base_price * s_bps * d_bps, BPS * BPS))
    lines = [{"label": _("Expert's base price"), "value": format_money(base_price, currency)}]
    lines += [{"label": line["label"], "value": _signed(line["bps"])} for line in s_lines]
    lines.append({"label": _("Seniority factor"), "value": _factor(s_bps)})
    lines += [{"label": line["label"], "value": _signed(line["bps"])} for line in d_lines]
    lines.append({"label": _("Difficulty factor"), "value": _factor(d_bps)})
    lines.append(
        {
            "label": _("Price (rounded half up to the smallest unit)"),
            "value": format_money(amount, currency),
        }
    )
    return PriceQuote(
        amount=amount,
        currency=currency,
        base_price=base_price,
        seniority_bps=s_bps,
        difficulty_bps=d_bps,
        lines=lines,
    )
