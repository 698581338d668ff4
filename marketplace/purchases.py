"""Purchases as products: what is for sale, at what terms, and the access it gives.

marketplace decides the terms of a sale (title, price, currency, seller, what the
Purchase refers to) and hands them to payments, which moves the money and knows
nothing of courses or tiers. payments calls back through the `Fulfilment` this
module registers (from MarketplaceConfig.ready()) to grant and end access, inside
the same transaction as the money.

Things sold by the apps above marketplace (live-session tickets, livestream) are
product kinds those apps register here from their own ready(): marketplace never
imports them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from core.money import format_money
from core.refusals import Conflict, Refused
from marketplace import access, entitlements
from marketplace.access import LiveSessionLike
from marketplace.models import Course, Entitlement, SubscriptionTier
from payments import selectors as payment_selectors
from payments import services as payment_services
from payments.models import Purchase, Subscription, TierPlan
from payments.services import Product


@dataclass(frozen=True)
class ProductKind:
    """A kind of thing sold by ticket: how to find one by id (the API names it so),
    and its terms of sale (raises ValidationError if it is not on sale now)."""

    objects: Callable[[], QuerySet[Any]]
    terms: Callable[[Any], Product]


_kinds: dict[str, ProductKind] = {}


def product_kind_register(name: str, kind: ProductKind) -> None:
    """Called from the selling app's AppConfig.ready(); `name` is the Purchase field
    that refers to it ("live_session")."""
    _kinds[name] = kind


def product_kind(name: str) -> ProductKind:
    return _kinds[name]


def course_terms(course: Course) -> Product:
    if not course.is_published or course.is_free:
        raise Refused(_("This course is not for sale."))
    return Product(
        title=course.title,
        amount=course.price_amount,
        currency=course.currency,
        seller=course.channel.creator.user,
        course=course,
        scopes=(("course", course.pk),),
    )


def _terms(*, buyer: User, course: Course | None, live_session: LiveSessionLike | None) -> Product:
    if access.entitlement_check(user=buyer, course=course, live_session=live_session):
        raise Conflict(_("You already have access; there is nothing to buy."))
    if course is not None:
        return course_terms(course)
    return product_kind("live_session").terms(live_session)


@transaction.atomic
def purchase_with_wallet(
    *,
    buyer: User,
    course: Course | None = None,
    live_session: LiveSessionLike | None = None,
    coupon_code: str = "",
) -> Purchase:
    """Buy a ticket from the wallet: paid, posted and granted in one transaction."""
    product = _terms(buyer=buyer, course=course, live_session=live_session)
    return payment_services.purchase_pay_with_wallet(
        buyer=buyer, product=product, coupon_code=coupon_code
    )


def purchase_with_card(
    *,
    buyer: User,
    payment_method: str,
    course: Course | None = None,
    live_session: LiveSessionLike | None = None,
    coupon_code: str = "",
) -> Purchase:
    """Buy a ticket with a card: charged, settled and granted, or failed with a reason."""
    product = _terms(buyer=buyer, course=course, live_session=live_session)
    return payment_services.purchase_pay_with_card(
        buyer=buyer, product=product, payment_method=payment_method, coupon_code=coupon_code
    )


def purchase_off_site(
    *,
    buyer: User,
    method: str,
    return_url: str,
    course: Course | None = None,
    live_session: LiveSessionLike | None = None,
    coupon_code: str = "",
) -> Purchase:
    """Buy a ticket by WeChat Pay or Alipay: a purchase waiting for the payer (access
    comes when Stripe says it is paid), or failed with a reason. A second attempt
    while one waits resumes that one."""
    waiting = payment_selectors.purchase_pending_off_site(
        buyer=buyer, course=course, live_session=live_session
    )
    if waiting is not None:
        return waiting
    product = _terms(buyer=buyer, course=course, live_session=live_session)
    return payment_services.purchase_pay_off_site(
        buyer=buyer,
        product=product,
        method=method,
        return_url=return_url,
        coupon_code=coupon_code,
    )


@dataclass(frozen=True)
class PriceWithCoupon:
    """What the checkout shows: the list price, the coupon's discount, the rest."""

    code: str
    amount: int
    discount: int
    currency: str
    error: str = ""

    @property
    def to_pay(self) -> int:
        return self.amount - self.discount


def checkout_price(
    *,
    buyer: User,
    code: str,
    course: Course | None = None,
    live_session: LiveSessionLike | None = None,
    tier: SubscriptionTier | None = None,
) -> PriceWithCoupon | None:
    """The price `buyer` would pay with coupon `code` (None without a code): for a
    course, a session's ticket, or a tier's first month. A code that does not apply
    comes back with its reason, so the page can say why."""
    code = code.strip()
    if not code or not buyer.is_authenticated:
        return None
    if course is not None:
        product = course_terms(course)
    elif tier is not None:
        product = tier_terms(tier)
    else:
        product = product_kind("live_session").terms(live_session)
    try:
        _coupon, discount = payment_services.coupon_preview(
            code=code, user=buyer, target=payment_services.product_coupon_target(product)
        )
    except ValidationError as exc:
        return PriceWithCoupon(
            code=code,
            amount=product.amount,
            discount=0,
            currency=product.currency,
            error=" ".join(exc.messages),
        )
    return PriceWithCoupon(
        code=code, amount=product.amount, discount=discount, currency=product.currency
    )


@dataclass(frozen=True)
class WalletShortfall:
    """The wallet cannot pay a price: the top-up that would, and why it is needed."""

    top_up: int  # at least the need, and at least the smallest top-up
    currency: str
    reason: str


def wallet_shortfall(*, buyer: User, amount: int, currency: str) -> WalletShortfall | None:
    """What `buyer`'s wallet lacks to pay `amount` in `currency` (None: it can pay).

    Wallet money is never converted between currencies: a learner holding only yuan
    is told so and offered a top-up in the price's currency."""
    balance = payment_selectors.wallet_balance(user=buyer, currency=currency)
    if balance >= amount:
        return None
    need = amount - balance
    top_up = max(need, settings.PAYMENTS_MIN_TOP_UP)
    others = [
        format_money(row["balance"], row["currency"])
        for row in payment_selectors.wallet_balances(user=buyer)
        if row["currency"] != currency and row["balance"] > 0
    ]
    if balance <= 0 and others:
        reason = _(
            "This is priced in %(currency)s and your wallet holds no %(currency)s (it holds "
            "%(held)s). Wallet money is not converted between currencies."
        ) % {"currency": currency, "held": ", ".join(others)}
    elif balance > 0:
        reason = _("Your wallet holds %(balance)s; %(need)s more is needed.") % {
            "balance": format_money(balance, currency),
            "need": format_money(need, currency),
        }
    else:
        reason = _("Your wallet is empty.")
    if top_up > need:
        reason += " " + _("The smallest top-up is %(min)s; what is left stays in your wallet.") % {
            "min": format_money(top_up, currency)
        }
    return WalletShortfall(top_up=top_up, currency=currency, reason=reason)


def tier_terms(tier: SubscriptionTier) -> Product:
    return Product(
        title=f"{tier.channel.title}: {tier.name}",
        amount=tier.price_amount,
        currency=tier.currency,
        seller=tier.channel.creator.user,
        scopes=(("tier", tier.pk),),
    )


def tier_plan(tier: SubscriptionTier) -> TierPlan:
    """The Stripe plan billing this tier at its current price."""
    terms = tier_terms(tier)
    return payment_services.tier_plan_get(
        tier=tier, name=terms.title, amount=terms.amount, currency=terms.currency
    )


def subscription_start(
    *, user: User, tier: SubscriptionTier, payment_method: str, coupon_code: str = ""
) -> Subscription:
    """Subscribe to a channel tier with a card: Stripe bills monthly from now on; a
    coupon takes its discount off the first month."""
    if not tier.is_active or not tier.channel.is_published:
        raise Refused(_("This tier is not on sale."))
    if tier.channel.creator.user_id == user.pk:
        raise Refused(_("You cannot subscribe to your own channel."))
    if (
        payment_selectors.subscriptions_current(user=user)
        .filter(tier__channel=tier.channel)
        .exists()
    ):
        raise Conflict(_("You already subscribe to this channel."))
    return payment_services.subscription_start(
        user=user,
        tier=tier,
        product=tier_terms(tier),
        payment_method=payment_method,
        coupon_code=coupon_code,
    )


def subscription_change_tier(
    *, user: User, subscription: Subscription, tier: SubscriptionTier
) -> payment_services.TierChange:
    """Move a subscriber to another tier of the same channel, prorated as Stripe
    does (see payments' subscription_change_tier)."""
    if tier.channel_id != subscription.tier.channel_id:
        raise Refused(_("You can only change to another tier of the same channel."))
    if not tier.is_active or not tier.channel.is_published:
        raise Refused(_("This tier is not on sale."))
    if tier.currency != subscription.tier.currency:
        raise Refused(
            _("This tier is billed in another currency: cancel and subscribe to it instead.")
        )
    return payment_services.subscription_change_tier(
        subscription=subscription, user=user, tier=tier, product=tier_terms(tier)
    )


class MarketplaceFulfilment:
    """Access follows money: payments calls these inside its own transaction."""

    def purchase_paid(self, purchase: Purchase) -> None:
        entitlements.entitlement_grant(
            user=purchase.buyer,
            source=Entitlement.Source.TICKET,
            source_ref=f"purchase:{purchase.pk}",
            course=purchase.course,
            live_session=purchase.live_session,
        )

    def purchase_refunded(self, purchase: Purchase) -> None:
        entitlements.entitlement_revoke(
            source=Entitlement.Source.TICKET, source_ref=f"purchase:{purchase.pk}"
        )

    def purchase_reinstated(self, purchase: Purchase) -> None:
        entitlements.entitlement_reinstate(
            source=Entitlement.Source.TICKET, source_ref=f"purchase:{purchase.pk}"
        )

    def subscription_paid(self, subscription: Subscription, *, paid_until: datetime) -> None:
        entitlements.entitlement_extend(
            user=subscription.user,
            tier=subscription.tier,
            source_ref=subscription.stripe_subscription_id,
            ends_at=paid_until,
        )

    def subscription_seller(self, subscription: Subscription) -> User:
        tier = SubscriptionTier.objects.select_related("channel__creator__user").get(
            pk=subscription.tier_id
        )
        return tier.channel.creator.user
