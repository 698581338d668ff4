"""Money movements: every one is a balanced ledger posting (payments.ledger.post).

Amounts are integer minor units; every public service validates amount and currency
before anything is written, and raises ValidationError with a message a person can
act on.
"""

import logging
import uuid
from datetime import UTC, datetime, timedelta

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.money import format_money, validate_currency
from payments import gateway, ledger
from payments.ledger import Leg
from payments.models import (
    LedgerAccount,
    LedgerTransaction,
    Payout,
    Purchase,
    StripeCustomer,
    Subscription,
    TierPlan,
    Tip,
    TopUp,
)
from recommend import services as recommend_services  # behaviour events, on commit

Kind = LedgerAccount.Kind
logger = logging.getLogger(__name__)


def platform_fee(*, amount: int, income: str) -> int:
    """The platform's share of `amount` for this kind of income, rounded down."""
    return amount * settings.PAYMENTS_FEE_BPS[income] // 10_000


def validate_amount(*, amount, currency: str, minimum: int = 1, maximum: int | None = None):
    """Refuse zero, negative, fractional, absurd amounts and unknown currencies."""
    validate_currency(currency)
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ValidationError(
            {"amount": _("Amounts are whole numbers of minor units (990 is 9.90).")}
        )
    maximum = settings.MARKETPLACE_MAX_PRICE_MINOR if maximum is None else maximum
    if amount < minimum:
        raise ValidationError(
            {
                "amount": _("The smallest amount is %(min)s.")
                % {"min": format_money(minimum, currency)}
            }
        )
    if amount > maximum:
        raise ValidationError(
            {
                "amount": _("The largest amount is %(max)s.")
                % {"max": format_money(maximum, currency)}
            }
        )


@transaction.atomic
def wallet_top_up_credit(
    *, user: User, amount: int, currency: str, payment_intent_id: str
) -> LedgerTransaction:
    """Credit a wallet for a card payment that Stripe reported as succeeded.

    Keyed on the PaymentIntent: the webhook and the browser's return can both call
    this, any number of times, and the wallet is credited once.
    """
    validate_amount(amount=amount, currency=currency)
    return ledger.post(
        kind=LedgerTransaction.Kind.TOP_UP,
        idempotency_key=f"top_up:{payment_intent_id}",
        reference_type="stripe.payment_intent",
        reference_id=payment_intent_id,
        legs=[
            Leg(ledger.account_get(kind=Kind.STRIPE_CLEARING, currency=currency), -amount),
            Leg(ledger.account_get(kind=Kind.WALLET, currency=currency, owner=user), amount),
        ],
        memo=f"Top-up by {user.email}",
    )


@transaction.atomic
def tip_send(
    *,
    tipper: User,
    creator: User,
    amount: int,
    currency: str,
    client_key: str,
    message: str = "",
    live_session=None,
) -> Tip:
    """Move a tip from the tipper's wallet to the creator's earnings, minus the fee.

    Raises ValidationError (nothing written) for a bad amount, a tip to oneself, or
    a wallet that does not hold enough. The same `client_key` returns the first tip.
    """
    existing = Tip.objects.filter(tipper=tipper, client_key=client_key).first()
    if existing is not None:
        return existing
    validate_amount(amount=amount, currency=currency, minimum=settings.PAYMENTS_MIN_TIP)
    if tipper.pk == creator.pk:
        raise ValidationError(_("You cannot tip yourself."))
    if len(message) > 200:
        raise ValidationError({"message": _("Keep the message under 200 characters.")})

    fee = platform_fee(amount=amount, income="tip")
    legs = [
        Leg(ledger.account_get(kind=Kind.WALLET, currency=currency, owner=tipper), -amount),
        Leg(
            ledger.account_get(kind=Kind.EARNINGS, currency=currency, owner=creator),
            amount - fee,
        ),
    ]
    if fee:
        legs.append(Leg(ledger.account_get(kind=Kind.PLATFORM_REVENUE, currency=currency), fee))
    try:
        txn = ledger.post(
            kind=LedgerTransaction.Kind.TIP,
            idempotency_key=f"tip:{tipper.pk}:{client_key}",
            reference_type="payments.tip",
            reference_id=client_key,
            legs=legs,
            memo=f"Tip from {tipper.email} to {creator.email}",
        )
    except ledger.InsufficientFunds as exc:
        raise ValidationError(
            {
                "amount": _("Your wallet does not hold enough for this tip. %(detail)s")
                % {"detail": exc.messages[0]}
            }
        ) from exc
    recommend_services.tip_record(tipper=tipper, creator=creator, live_session=live_session)
    try:
        with transaction.atomic():
            return Tip.objects.create(
                tipper=tipper,
                creator=creator,
                live_session=live_session,
                amount=amount,
                currency=currency,
                fee=fee,
                message=message.strip(),
                client_key=client_key,
                ledger_transaction=txn,
            )
    except IntegrityError:
        # The same tip was recorded by a concurrent twin request.
        return Tip.objects.get(tipper=tipper, client_key=client_key)


# --- tickets -----------------------------------------------------------------------


def _ticket_terms(*, course=None, live_session=None) -> tuple[str, int, str, User]:
    """(title, price, currency, seller) of a course or a ticketed live session."""
    if course is not None:
        if not course.is_published or course.is_free:
            raise ValidationError(_("This course is not for sale."))
        return course.title, course.price_amount, course.currency, course.channel.creator.user
    from livestream.models import LiveSession

    if live_session.access != LiveSession.Access.TICKET or not live_session.ticket_price_amount:
        raise ValidationError(_("This session does not sell tickets."))
    if live_session.status in (LiveSession.Status.ENDED, LiveSession.Status.CANCELLED):
        raise ValidationError(_("This session is over; tickets are no longer sold."))
    return (
        live_session.title,
        live_session.ticket_price_amount,
        live_session.ticket_currency,
        live_session.channel.creator.user,
    )


def _sale_legs(*, source: LedgerAccount, amount: int, currency: str, seller: User, fee: int):
    legs = [
        Leg(source, -amount),
        Leg(ledger.account_get(kind=Kind.EARNINGS, currency=currency, owner=seller), amount - fee),
    ]
    if fee:
        legs.append(Leg(ledger.account_get(kind=Kind.PLATFORM_REVENUE, currency=currency), fee))
    return legs


def _purchase_open(*, buyer: User, method: str, course=None, live_session=None) -> Purchase:
    from marketplace.selectors import entitlement_check

    if entitlement_check(user=buyer, course=course, live_session=live_session):
        raise ValidationError(_("You already have access; there is nothing to buy."))
    title, amount, currency, seller = _ticket_terms(course=course, live_session=live_session)
    validate_amount(amount=amount, currency=currency)
    try:
        with transaction.atomic():
            return Purchase.objects.create(
                buyer=buyer,
                seller=seller,
                course=course,
                live_session=live_session,
                title=title,
                amount=amount,
                currency=currency,
                fee=platform_fee(amount=amount, income="purchase"),
                method=method,
            )
    except IntegrityError:
        raise ValidationError(
            _("A purchase of this is already under way; reload the page to see it.")
        ) from None


def _purchase_complete(purchase: Purchase, *, source: LedgerAccount) -> Purchase:
    """Caller holds the purchase row lock. Posts the sale and grants access, once."""
    from marketplace import services as marketplace_services
    from marketplace.models import Entitlement

    if purchase.status != Purchase.Status.PENDING:
        return purchase
    ledger.post(
        kind=LedgerTransaction.Kind.PURCHASE,
        idempotency_key=f"purchase:{purchase.pk}",
        reference_type="payments.purchase",
        reference_id=str(purchase.pk),
        legs=_sale_legs(
            source=source,
            amount=purchase.amount,
            currency=purchase.currency,
            seller=purchase.seller,
            fee=purchase.fee,
        ),
        memo=f"Ticket: {purchase.title}",
    )
    purchase.status = Purchase.Status.PAID
    purchase.paid_at = timezone.now()
    purchase.save(update_fields=["status", "paid_at"])
    marketplace_services.entitlement_grant(
        user=purchase.buyer,
        source=Entitlement.Source.TICKET,
        source_ref=f"purchase:{purchase.pk}",
        course=purchase.course,
        live_session=purchase.live_session,
    )
    recommend_services.event_record(
        user=purchase.buyer, kind="purchase", item=purchase.course or purchase.live_session
    )
    return purchase


@transaction.atomic
def purchase_with_wallet(*, buyer: User, course=None, live_session=None) -> Purchase:
    """Buy a ticket from the wallet: paid, posted and granted in one transaction."""
    purchase = _purchase_open(
        buyer=buyer, method=Purchase.Method.WALLET, course=course, live_session=live_session
    )
    wallet = ledger.account_get(kind=Kind.WALLET, currency=purchase.currency, owner=buyer)
    try:
        return _purchase_complete(purchase, source=wallet)
    except ledger.InsufficientFunds as exc:
        raise ValidationError(
            _("Your wallet does not hold enough for this ticket. %(detail)s Top up first.")
            % {"detail": exc.messages[0]},
            code="insufficient_funds",
        ) from exc


def purchase_with_card(
    *, buyer: User, payment_method: str, course=None, live_session=None
) -> Purchase:
    """Buy a ticket with a card: charged, settled and granted, or failed with a reason.

    A declined card leaves a failed purchase (the receipt says why), no ledger
    entry and no access; the learner may try again.
    """
    with transaction.atomic():
        purchase = _purchase_open(
            buyer=buyer, method=Purchase.Method.CARD, course=course, live_session=live_session
        )
    try:
        intent = gateway.card_charge(
            amount=purchase.amount,
            currency=purchase.currency,
            payment_method=payment_method,
            metadata={"purpose": "purchase", "purchase": str(purchase.pk)},
            idempotency_key=f"purchase-{purchase.pk}",
        )
    except gateway.CardDeclined as exc:
        Purchase.objects.filter(pk=purchase.pk, status=Purchase.Status.PENDING).update(
            status=Purchase.Status.FAILED, failure_message=str(exc)[:300]
        )
        purchase.refresh_from_db()
        return purchase
    Purchase.objects.filter(pk=purchase.pk).update(payment_intent_id=intent.id)
    return payment_intent_settle(payment_intent_id=intent.id)


@transaction.atomic
def purchase_refund(
    *, purchase: Purchase, amount: int, refunded_by: User, expected_refunded: int
) -> Purchase:
    """Give back part or all of a ticket's price to the buyer's wallet (staff only).

    The creator's earnings and the platform's fee give back their shares in
    proportion. A full refund ends the buyer's access. `expected_refunded` is what
    the staff member saw as already refunded: if it changed meanwhile (a second tab,
    a double submit) nothing is refunded twice.
    """
    from marketplace import services as marketplace_services
    from marketplace.models import Entitlement

    purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
    if purchase.status not in (Purchase.Status.PAID, Purchase.Status.PARTIALLY_REFUNDED):
        raise ValidationError(_("Only a paid ticket can be refunded."))
    if purchase.refunded_amount != expected_refunded:
        raise ValidationError(
            _("This purchase was refunded meanwhile; reload it and check before refunding again.")
        )
    validate_amount(amount=amount, currency=purchase.currency, maximum=purchase.refundable_amount)
    fee_part = purchase.fee * amount // purchase.amount
    legs = [
        Leg(
            ledger.account_get(
                kind=Kind.EARNINGS, currency=purchase.currency, owner=purchase.seller
            ),
            -(amount - fee_part),
        ),
        Leg(
            ledger.account_get(kind=Kind.WALLET, currency=purchase.currency, owner=purchase.buyer),
            amount,
        ),
    ]
    if fee_part:
        legs.append(
            Leg(
                ledger.account_get(kind=Kind.PLATFORM_REVENUE, currency=purchase.currency),
                -fee_part,
            )
        )
    try:
        ledger.post(
            kind=LedgerTransaction.Kind.REFUND,
            idempotency_key=f"refund:purchase:{purchase.pk}:{purchase.refunded_amount}:{amount}",
            reference_type="payments.purchase",
            reference_id=str(purchase.pk),
            legs=legs,
            memo=f"Refund of {purchase.title} by {refunded_by.email}",
        )
    except ledger.InsufficientFunds as exc:
        raise ValidationError(
            _("The creator's earnings no longer cover this refund. %(detail)s")
            % {"detail": exc.messages[0]}
        ) from exc
    purchase.refunded_amount += amount
    full = purchase.refunded_amount == purchase.amount
    purchase.status = Purchase.Status.REFUNDED if full else Purchase.Status.PARTIALLY_REFUNDED
    purchase.save(update_fields=["refunded_amount", "status"])
    if full:
        marketplace_services.entitlement_revoke(
            source=Entitlement.Source.TICKET, source_ref=f"purchase:{purchase.pk}"
        )
    return purchase


# --- payouts -----------------------------------------------------------------------


@transaction.atomic
def payout_request(*, creator: User, amount: int, currency: str) -> Payout:
    """Set earnings aside for a payout; staff approve or reject it."""
    validate_amount(amount=amount, currency=currency, minimum=settings.PAYMENTS_MIN_PAYOUT)
    payout = Payout.objects.create(creator=creator, amount=amount, currency=currency)
    try:
        ledger.post(
            kind=LedgerTransaction.Kind.PAYOUT_REQUEST,
            idempotency_key=f"payout:{payout.pk}:request",
            reference_type="payments.payout",
            reference_id=str(payout.pk),
            legs=[
                Leg(
                    ledger.account_get(kind=Kind.EARNINGS, currency=currency, owner=creator),
                    -amount,
                ),
                Leg(
                    ledger.account_get(kind=Kind.PAYOUT_HOLD, currency=currency, owner=creator),
                    amount,
                ),
            ],
            memo=f"Payout requested by {creator.email}",
        )
    except ledger.InsufficientFunds as exc:
        raise ValidationError(
            {
                "amount": _("You can request at most your available earnings. %(detail)s")
                % {"detail": exc.messages[0]}
            }
        ) from exc
    return payout


def _payout_decide(payout: Payout) -> Payout:
    payout = Payout.objects.select_for_update().get(pk=payout.pk)
    if payout.status != Payout.Status.REQUESTED:
        raise ValidationError(_("This payout was already decided."))
    return payout


def _payout_release(payout: Payout, *, kind: str, to: LedgerAccount, memo: str) -> None:
    """Move the held amount out of the creator's payout hold, once per decision."""
    ledger.post(
        kind=kind,
        idempotency_key=f"payout:{payout.pk}:{kind}",
        reference_type="payments.payout",
        reference_id=str(payout.pk),
        legs=[
            Leg(
                ledger.account_get(
                    kind=Kind.PAYOUT_HOLD, currency=payout.currency, owner=payout.creator
                ),
                -payout.amount,
            ),
            Leg(to, payout.amount),
        ],
        memo=memo,
    )


@transaction.atomic
def payout_approve(*, payout: Payout, approved_by: User) -> Payout:
    """Pay the creator: the held amount leaves the platform, once."""
    payout = _payout_decide(payout)
    payout.transfer_reference = gateway.payout_transfer(payout=payout)
    _payout_release(
        payout,
        kind=LedgerTransaction.Kind.PAYOUT,
        to=ledger.account_get(kind=Kind.PAYOUTS, currency=payout.currency),
        memo=f"Payout approved by {approved_by.email}",
    )
    payout.status = Payout.Status.PAID
    payout.decided_at = timezone.now()
    payout.decided_by = approved_by
    payout.save(update_fields=["status", "decided_at", "decided_by", "transfer_reference"])
    return payout


@transaction.atomic
def payout_reject(*, payout: Payout, rejected_by: User, reason: str) -> Payout:
    """Return the held amount to the creator's earnings, with a reason they see."""
    if not reason.strip():
        raise ValidationError({"reason": _("Tell the creator why.")})
    payout = _payout_decide(payout)
    _payout_release(
        payout,
        kind=LedgerTransaction.Kind.PAYOUT_REJECTED,
        to=ledger.account_get(kind=Kind.EARNINGS, currency=payout.currency, owner=payout.creator),
        memo=f"Payout rejected by {rejected_by.email}: {reason[:200]}",
    )
    payout.status = Payout.Status.REJECTED
    payout.decided_at = timezone.now()
    payout.decided_by = rejected_by
    payout.reason = reason.strip()[:300]
    payout.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    return payout


# --- card payments: wallet top-ups ------------------------------------------------------


def top_up_start(*, user: User, amount: int, currency: str) -> TopUp:
    """Record a top-up the learner is about to pay by card."""
    validate_amount(
        amount=amount,
        currency=currency,
        minimum=settings.PAYMENTS_MIN_TOP_UP,
        maximum=settings.PAYMENTS_MAX_TOP_UP,
    )
    return TopUp.objects.create(user=user, amount=amount, currency=currency)


def top_up_pay(*, top_up: TopUp, payment_method: str) -> TopUp:
    """Charge the card for a pending top-up and settle it at once.

    A declined card marks the top-up failed with the bank's reason and moves no
    money. Stripe's webhook settles the same payment again later; that is a no-op.
    """
    if top_up.status != TopUp.Status.PENDING or top_up.payment_intent_id:
        return top_up
    try:
        intent = gateway.card_charge(
            amount=top_up.amount,
            currency=top_up.currency,
            payment_method=payment_method,
            metadata={"purpose": "top_up", "top_up": str(top_up.pk), "user": str(top_up.user_id)},
            idempotency_key=f"top-up-{top_up.pk}",
        )
    except gateway.CardDeclined as exc:
        return _top_up_fail(top_up, str(exc))
    TopUp.objects.filter(pk=top_up.pk, payment_intent_id__isnull=True).update(
        payment_intent_id=intent.id
    )
    return payment_intent_settle(payment_intent_id=intent.id)


def _top_up_fail(top_up: TopUp, message: str) -> TopUp:
    with transaction.atomic():
        top_up = TopUp.objects.select_for_update().get(pk=top_up.pk)
        if top_up.status == TopUp.Status.PENDING:
            top_up.status = TopUp.Status.FAILED
            top_up.failure_message = message[:300]
            top_up.save(update_fields=["status", "failure_message"])
    return top_up


@transaction.atomic
def payment_intent_settle(*, payment_intent_id: str):
    """Bring our records in line with a PaymentIntent's state at Stripe.

    Called from the browser's return and from webhooks, in any order and any number
    of times: it asks Stripe for the current state rather than trusting the event,
    and each ledger posting is keyed on the PaymentIntent, so money moves once.
    Returns the TopUp or Purchase it settled, or None for an unknown intent.
    """
    top_up = TopUp.objects.select_for_update().filter(payment_intent_id=payment_intent_id).first()
    purchase = (
        Purchase.objects.select_for_update().filter(payment_intent_id=payment_intent_id).first()
    )
    if top_up is None and purchase is None:
        return None
    intent = gateway.payment_intent_retrieve(payment_intent_id)
    record = top_up or purchase
    if intent.status == "succeeded":
        if (intent.amount, intent.currency) != (record.amount, record.currency):
            raise ValidationError(
                f"PaymentIntent {payment_intent_id} paid {intent.amount} {intent.currency}, "
                f"expected {record.amount} {record.currency}."
            )
        if top_up is not None:
            wallet_top_up_credit(
                user=top_up.user,
                amount=top_up.amount,
                currency=top_up.currency,
                payment_intent_id=payment_intent_id,
            )
            if top_up.status != TopUp.Status.SUCCEEDED:
                top_up.status = TopUp.Status.SUCCEEDED
                top_up.failure_message = ""
                top_up.save(update_fields=["status", "failure_message"])
            return top_up
        clearing = ledger.account_get(kind=Kind.STRIPE_CLEARING, currency=purchase.currency)
        if purchase.status == Purchase.Status.FAILED:
            purchase.status = Purchase.Status.PENDING  # paid after all (a retried card)
        return _purchase_complete(purchase, source=clearing)
    if intent.status == "canceled" or intent.failure_message:
        if record.status == record.Status.PENDING:
            record.status = record.Status.FAILED
            record.failure_message = (intent.failure_message or intent.status)[:300]
            record.save(update_fields=["status", "failure_message"])
    return record


# --- subscriptions -----------------------------------------------------------------


def _tier_plan(tier) -> TierPlan:
    plan = TierPlan.objects.filter(
        tier=tier, amount=tier.price_amount, currency=tier.currency
    ).first()
    if plan is not None:
        return plan
    product_id, plan_id = gateway.plan_create(
        name=f"{tier.channel.title}: {tier.name}",
        amount=tier.price_amount,
        currency=tier.currency,
        metadata={"tier": str(tier.pk)},
    )
    try:
        with transaction.atomic():
            return TierPlan.objects.create(
                tier=tier,
                amount=tier.price_amount,
                currency=tier.currency,
                product_id=product_id,
                plan_id=plan_id,
            )
    except IntegrityError:  # made by a concurrent first subscriber; theirs is as good
        return TierPlan.objects.get(tier=tier, amount=tier.price_amount, currency=tier.currency)


def subscription_start(*, user: User, tier, payment_method: str) -> Subscription:
    """Subscribe to a channel tier with a card: Stripe bills monthly from now on.

    The first invoice is settled at once (access and the creator's earnings);
    later ones arrive as `invoice.paid` webhooks and settle the same way.
    """
    if not tier.is_active or not tier.channel.is_published:
        raise ValidationError(_("This tier is not on sale."))
    if tier.channel.creator.user_id == user.pk:
        raise ValidationError(_("You cannot subscribe to your own channel."))
    if Subscription.objects.filter(
        user=user, tier__channel=tier.channel, status__in=["active", "trialing", "past_due"]
    ).exists():
        raise ValidationError(_("You already subscribe to this channel."))
    validate_amount(amount=tier.price_amount, currency=tier.currency)

    plan = _tier_plan(tier)
    customer = StripeCustomer.objects.filter(user=user).first()
    try:
        customer_id = gateway.customer_with_card(
            customer_id=customer.customer_id if customer else "",
            email=user.email,
            payment_method=payment_method,
        )
        if customer is None:
            StripeCustomer.objects.get_or_create(user=user, defaults={"customer_id": customer_id})
        info = gateway.subscription_create(
            customer_id=customer_id,
            plan_id=plan.plan_id,
            metadata={"tier": str(tier.pk), "user": str(user.pk)},
            idempotency_key=f"subscribe-{user.pk}-{tier.pk}-{uuid.uuid4().hex}",
        )
    except (gateway.CardDeclined, stripe.CardError) as exc:
        raise ValidationError(
            _("The card was declined: %(reason)s Nothing was charged.") % {"reason": str(exc)}
        ) from exc
    subscription, _created = Subscription.objects.get_or_create(
        stripe_subscription_id=info.id,
        defaults={"user": user, "tier": tier, "status": info.status},
    )
    if info.latest_invoice_id:
        invoice_settle(invoice_id=info.latest_invoice_id)
    subscription.refresh_from_db()
    return subscription


@transaction.atomic
def invoice_settle(*, invoice_id: str) -> Subscription | None:
    """Credit a paid subscription invoice and extend access to the end of its period.

    Safe in any order and any number of times: the posting is keyed on the invoice,
    and access only ever extends to the latest period paid.
    """
    from marketplace import services as marketplace_services

    invoice = gateway.invoice_retrieve(invoice_id)
    subscription = (
        Subscription.objects.select_for_update()
        .select_related("tier", "tier__channel__creator__user", "user")
        .filter(stripe_subscription_id=invoice.subscription_id)
        .first()
    )
    if subscription is None or invoice.status != "paid" or invoice.amount_paid <= 0:
        return subscription
    creator = subscription.tier.channel.creator.user
    fee = platform_fee(amount=invoice.amount_paid, income="subscription")
    ledger.post(
        kind=LedgerTransaction.Kind.SUBSCRIPTION,
        idempotency_key=f"invoice:{invoice.id}",
        reference_type="stripe.invoice",
        reference_id=invoice.id,
        legs=_sale_legs(
            source=ledger.account_get(kind=Kind.STRIPE_CLEARING, currency=invoice.currency),
            amount=invoice.amount_paid,
            currency=invoice.currency,
            seller=creator,
            fee=fee,
        ),
        memo=f"Subscription {subscription.tier} by {subscription.user.email}",
    )
    paid_until = datetime.fromtimestamp(invoice.period_end, tz=UTC)
    marketplace_services.entitlement_extend(
        user=subscription.user,
        tier=subscription.tier,
        source_ref=subscription.stripe_subscription_id,
        ends_at=paid_until,
    )
    if subscription.paid_until is None:  # the first invoice: a new subscriber
        recommend_services.event_record(
            user=subscription.user, kind="subscribe", item=subscription.tier.channel
        )
    if subscription.paid_until is None or paid_until > subscription.paid_until:
        subscription.paid_until = paid_until
    subscription.status = "active"
    subscription.save(update_fields=["paid_until", "status"])
    return subscription


@transaction.atomic
def subscription_sync(*, subscription_id: str) -> Subscription | None:
    """Mirror Stripe's status and cancellation flag (webhook: subscription updated)."""
    subscription = (
        Subscription.objects.select_for_update()
        .filter(stripe_subscription_id=subscription_id)
        .first()
    )
    if subscription is None:
        return None
    info = gateway.subscription_retrieve(subscription_id)
    subscription.status = info.status
    subscription.cancel_at_period_end = info.cancel_at_period_end
    subscription.save(update_fields=["status", "cancel_at_period_end"])
    return subscription


def subscription_cancel(*, subscription: Subscription, user: User) -> Subscription:
    """Stop renewing; access lasts until the end of the period already paid."""
    if subscription.user_id != user.pk:
        raise ValidationError(_("This is not your subscription."))
    gateway.subscription_cancel_at_period_end(subscription.stripe_subscription_id)
    return subscription_sync(subscription_id=subscription.stripe_subscription_id)


@transaction.atomic
def top_up_refund(
    *, top_up: TopUp, amount: int, refunded_by: User, expected_refunded: int
) -> TopUp:
    """Give card money back (staff only): out of the wallet, back to the card.

    Only what is still in the wallet can go back; money already spent on tickets or
    tips is refunded through those instead. `expected_refunded` guards against a
    double submit, as for tickets.
    """
    top_up = TopUp.objects.select_for_update().get(pk=top_up.pk)
    if top_up.status != TopUp.Status.SUCCEEDED:
        raise ValidationError(_("Only a paid top-up can be refunded."))
    if top_up.refunded_amount != expected_refunded:
        raise ValidationError(
            _("This top-up was refunded meanwhile; reload it and check before refunding again.")
        )
    validate_amount(
        amount=amount, currency=top_up.currency, maximum=top_up.amount - top_up.refunded_amount
    )
    key = f"refund:top_up:{top_up.pk}:{top_up.refunded_amount}:{amount}"
    try:
        ledger.post(
            kind=LedgerTransaction.Kind.REFUND,
            idempotency_key=key,
            reference_type="payments.top_up",
            reference_id=str(top_up.pk),
            legs=[
                Leg(
                    ledger.account_get(
                        kind=Kind.WALLET, currency=top_up.currency, owner=top_up.user
                    ),
                    -amount,
                ),
                Leg(
                    ledger.account_get(kind=Kind.STRIPE_CLEARING, currency=top_up.currency), amount
                ),
            ],
            memo=f"Top-up refund by {refunded_by.email}",
        )
    except ledger.InsufficientFunds as exc:
        raise ValidationError(
            _("The wallet no longer holds that much. %(detail)s") % {"detail": exc.messages[0]}
        ) from exc
    # The card refund happens last: if Stripe refuses, the ledger posting above rolls
    # back with this transaction. Stripe's idempotency key makes a retry safe.
    try:
        gateway.refund_create(
            payment_intent_id=top_up.payment_intent_id, amount=amount, idempotency_key=key
        )
    except stripe.StripeError as exc:
        raise ValidationError(
            _("Stripe refused the refund: %(reason)s") % {"reason": exc.user_message or str(exc)}
        ) from exc
    top_up.refunded_amount += amount
    top_up.save(update_fields=["refunded_amount"])
    return top_up


def payments_settle_stale(*, older_than: timedelta = timedelta(hours=1)) -> int:
    """Close card payments left pending (a closed tab, a worker that died mid-charge).

    Each is first brought in line with Stripe (it may have been paid after all);
    what is still pending is marked failed, so the learner can try again. Safe to
    run twice and from several workers: each record is settled under its row lock.
    Returns how many were closed as failed.
    """
    cutoff = timezone.now() - older_than
    closed = 0
    for model in (Purchase, TopUp):
        for record in model.objects.filter(status=model.Status.PENDING, created_at__lt=cutoff):
            if record.payment_intent_id:
                record = payment_intent_settle(payment_intent_id=record.payment_intent_id)
                if record.status == model.Status.PENDING:
                    # Still waiting (an abandoned 3-D Secure check): cancel it at
                    # Stripe first, so it can never be paid after we give up on it.
                    try:
                        gateway.payment_intent_cancel(record.payment_intent_id)
                    except stripe.StripeError:
                        logger.warning("Could not cancel %s", record.payment_intent_id)
                    payment_intent_settle(payment_intent_id=record.payment_intent_id)
            closed += model.objects.filter(pk=record.pk, status=model.Status.PENDING).update(
                status=model.Status.FAILED,
                failure_message=_("The payment was not completed."),
            )
    return closed


# --- escrow ------------------------------------------------------------------------
# Money held for a promise: a paid question until it is answered. One platform-wide
# escrow account per currency; every movement names what it is for in its key, so a
# retried job or a double click cannot move the same money twice.


def escrow_hold(
    *, payer: User, amount: int, currency: str, key: str, reference: tuple[str, str], memo: str
):
    """Wallet -> escrow. Raises ValidationError (nothing moved) if the wallet is short."""
    validate_amount(amount=amount, currency=currency)
    try:
        return ledger.post(
            kind=LedgerTransaction.Kind.ESCROW_HOLD,
            idempotency_key=f"escrow-hold:{key}",
            reference_type=reference[0],
            reference_id=reference[1],
            legs=[
                Leg(ledger.account_get(kind=Kind.WALLET, currency=currency, owner=payer), -amount),
                Leg(ledger.account_get(kind=Kind.ESCROW, currency=currency), amount),
            ],
            memo=memo,
        )
    except ledger.InsufficientFunds as exc:
        raise ValidationError(
            {
                "amount": _("Your wallet does not hold enough. %(detail)s")
                % {"detail": exc.messages[0]}
            }
        ) from exc


def escrow_release(
    *,
    payee: User,
    amount: int,
    currency: str,
    income: str,
    key: str,
    reference: tuple[str, str],
    memo: str,
):
    """Escrow -> the payee's earnings, minus the platform fee for this kind of income."""
    fee = platform_fee(amount=amount, income=income)
    legs = [
        Leg(ledger.account_get(kind=Kind.ESCROW, currency=currency), -amount),
        Leg(ledger.account_get(kind=Kind.EARNINGS, currency=currency, owner=payee), amount - fee),
    ]
    if fee:
        legs.append(Leg(ledger.account_get(kind=Kind.PLATFORM_REVENUE, currency=currency), fee))
    return ledger.post(
        kind=LedgerTransaction.Kind.ESCROW_RELEASE,
        idempotency_key=f"escrow-release:{key}",
        reference_type=reference[0],
        reference_id=reference[1],
        legs=legs,
        memo=memo,
    )


def escrow_refund(
    *, payer: User, amount: int, currency: str, key: str, reference: tuple[str, str], memo: str
):
    """Escrow -> back to the payer's wallet, in full."""
    return ledger.post(
        kind=LedgerTransaction.Kind.ESCROW_REFUND,
        idempotency_key=f"escrow-refund:{key}",
        reference_type=reference[0],
        reference_id=reference[1],
        legs=[
            Leg(ledger.account_get(kind=Kind.ESCROW, currency=currency), -amount),
            Leg(ledger.account_get(kind=Kind.WALLET, currency=currency, owner=payer), amount),
        ],
        memo=memo,
    )
