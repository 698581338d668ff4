"""An expert's terms, and the quote a learner gets before asking."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.money import format_money, validate_currency
from core.refusals import Conflict, Refused
from marketplace.access import creator_is_verified
from qa import matching, pricing
from qa.models import Difficulty, ExpertSettings, Question, Quote


def bump_index_version() -> None:
    """The matching indexes are stale once this transaction commits."""
    transaction.on_commit(matching.index_version_bump)


@transaction.atomic
def expert_settings_update(
    *, user: User, enabled: bool, base_price: int, currency: str, answer_hours: int
) -> ExpertSettings:
    if getattr(user, "creator_profile", None) is None:
        raise Refused(_("Only creators can take paid questions: become a creator first."))
    validate_currency(currency)
    if not isinstance(base_price, int) or isinstance(base_price, bool):
        raise ValidationError({"base_price": _("The price is a whole number of minor units.")})
    if not settings.QA_MIN_BASE_PRICE <= base_price <= settings.QA_MAX_BASE_PRICE:
        raise ValidationError(
            {
                "base_price": _("The base price must be between %(min)s and %(max)s.")
                % {
                    "min": format_money(settings.QA_MIN_BASE_PRICE, currency),
                    "max": format_money(settings.QA_MAX_BASE_PRICE, currency),
                }
            }
        )
    if not 1 <= answer_hours <= settings.QA_MAX_ANSWER_HOURS:
        raise ValidationError(
            {
                "answer_hours": _("Answer within 1 to %(max)s hours.")
                % {"max": settings.QA_MAX_ANSWER_HOURS}
            }
        )
    terms, _created = ExpertSettings.objects.select_for_update().get_or_create(user=user)
    terms.enabled = enabled
    terms.base_price = base_price
    terms.currency = currency
    terms.answer_hours = answer_hours
    terms.save(update_fields=["enabled", "base_price", "currency", "answer_hours", "updated_at"])
    bump_index_version()
    return terms


def text_digest(text: str) -> str:
    normalised = " ".join(text.split()).casefold()
    return hashlib.sha256(normalised.encode()).hexdigest()


def validate_question(*, asker: User, expert: User, text: str, difficulty: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write your question first: it is empty.")})
    if len(text) < settings.QA_QUESTION_MIN_CHARS:
        raise ValidationError(
            {
                "text": _("Say a little more: at least %(n)s characters.")
                % {"n": settings.QA_QUESTION_MIN_CHARS}
            }
        )
    if len(text) > settings.QA_QUESTION_MAX_CHARS:
        raise ValidationError(
            {
                "text": _("Keep the question under %(n)s characters (it has %(len)s).")
                % {"n": settings.QA_QUESTION_MAX_CHARS, "len": len(text)}
            }
        )
    if difficulty not in Difficulty.values:
        raise ValidationError({"difficulty": _("Pick quick, standard or in depth.")})
    if asker.pk == expert.pk:
        raise Refused(_("You cannot ask yourself a paid question."))
    since = timezone.now() - timedelta(seconds=settings.QA_DUPLICATE_WINDOW_SECONDS)
    if Question.objects.filter(
        asker=asker, expert=expert, text_digest=text_digest(text), created_at__gte=since
    ).exists():
        raise Conflict(
            {
                "text": _(
                    "You asked this expert the same question a few minutes ago; "
                    "it is in My questions."
                )
            }
        )
    return text


def expert_terms(expert: User) -> ExpertSettings:
    terms = ExpertSettings.objects.filter(user=expert, enabled=True).first()
    if terms is None:
        raise Conflict(_("This expert does not take paid questions at the moment."))
    return terms


def price_for(
    *, expert: User, terms: ExpertSettings, difficulty: str, text: str
) -> pricing.PriceQuote:
    standing = pricing.ExpertStanding(
        verified=creator_is_verified(expert),
        answered_count=terms.answered_count,
        rating_count=terms.rating_count,
        rating_sum=terms.rating_sum,
    )
    return pricing.price_quote(
        base_price=terms.base_price,
        currency=terms.currency,
        standing=standing,
        difficulty=difficulty,
        text=text,
    )


@transaction.atomic
def quote_create(
    *, asker: User, expert: User, text: str, difficulty: str, is_public: bool
) -> Quote:
    """Price a question and store the quote the learner will pay (or not)."""
    terms = expert_terms(expert)
    text = validate_question(asker=asker, expert=expert, text=text, difficulty=difficulty)
    price = price_for(expert=expert, terms=terms, difficulty=difficulty, text=text)
    return Quote.objects.create(
        asker=asker,
        expert=expert,
        text=text,
        difficulty=difficulty,
        is_public=is_public,
        amount=price.amount,
        currency=price.currency,
        breakdown=price.lines,
        expires_at=timezone.now() + timedelta(seconds=settings.QA_QUOTE_TTL_SECONDS),
    )
