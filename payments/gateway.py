"""The only code that talks to Stripe.

One `StripeClient` configured from settings: in development and tests it points at
localstripe (STRIPE_API_BASE, started by the run and test commands); in production
at the real API with real keys. Callers get plain values back, never SDK objects,
so nothing else in the project depends on the SDK.

localstripe workarounds are marked `localstripe:` where they live.
"""

import contextlib
from dataclasses import dataclass
from functools import cache

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _
from stripe.params import PaymentIntentCreateParams, SubscriptionCreateParams

from payments.models import ConnectedAccount, Payout


@cache
def client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=2,
    )


@dataclass(frozen=True)
class PaymentIntentInfo:
    id: str
    client_secret: str
    status: str  # requires_payment_method | requires_confirmation | succeeded | canceled ...
    amount: int
    currency: str  # upper-case ISO code, as the ledger uses
    metadata: dict
    failure_message: str
    # What the payer must do next outside the site (WeChat Pay, Alipay): the text
    # the QR code encodes, or the page to send them to. Empty when nothing waits.
    qr_code_data: str = ""
    redirect_url: str = ""


def _info(intent: stripe.PaymentIntent) -> PaymentIntentInfo:
    error = getattr(intent, "last_payment_error", None)
    next_action = getattr(intent, "next_action", None)
    action = next_action.to_dict() if next_action else {}
    qr = action.get("wechat_pay_display_qr_code") or {}
    redirect = action.get("alipay_handle_redirect") or {}
    return PaymentIntentInfo(
        id=intent.id,
        client_secret=intent.client_secret or "",
        status=intent.status,
        amount=int(intent.amount),
        currency=str(intent.currency).upper(),
        metadata=intent.metadata.to_dict() if intent.metadata else {},
        failure_message=(getattr(error, "message", "") or "") if error else "",
        qr_code_data=str(qr.get("data") or ""),
        redirect_url=str(redirect.get("url") or ""),
    )


def payment_intent_retrieve(payment_intent_id: str) -> PaymentIntentInfo:
    return _info(client().v1.payment_intents.retrieve(payment_intent_id))


def refund_create(*, payment_intent_id: str, amount: int, idempotency_key: str) -> str:
    refund = client().v1.refunds.create(
        params={"payment_intent": payment_intent_id, "amount": amount},
        options={"idempotency_key": idempotency_key},
    )
    return refund.id


def payout_transfer(*, payout: Payout) -> str:
    """Send an approved payout. Returns a reference for the records.

    "manual" (the default) records that staff paid outside the site.
    "stripe_connect" transfers the amount to the creator's connected Express account
    and pays it out from there to their bank (two idempotent calls: a retried
    approval moves nothing twice).
    """
    method = settings.PAYMENTS_PAYOUT_METHOD
    if method == "manual":
        return "manual"
    if method == "stripe_connect":
        connected = ConnectedAccount.objects.filter(user_id=payout.creator_id).first()
        if connected is None:
            raise ValidationError(
                _("This creator has not connected a Stripe account to be paid into yet.")
            )
        if not connected.payouts_enabled:
            raise ValidationError(
                _("This creator must finish Stripe's onboarding before payouts can be sent.")
            )
        transfer = client().v1.transfers.create(
            params={
                "amount": payout.amount,
                "currency": payout.currency.lower(),
                "destination": connected.stripe_account_id,
                "metadata": {"payout": str(payout.pk)},
            },
            options={"idempotency_key": f"payout-{payout.pk}"},
        )
        client().v1.payouts.create(
            params={
                "amount": payout.amount,
                "currency": payout.currency.lower(),
                "metadata": {"payout": str(payout.pk)},
            },
            options={
                "idempotency_key": f"payout-{payout.pk}-bank",
                "stripe_account": connected.stripe_account_id,
            },
        )
        return transfer.id
    raise ImproperlyConfigured(f"Unknown PAYMENTS_PAYOUT_METHOD {method!r}.")


@dataclass(frozen=True)
class ConnectStatus:
    id: str
    details_submitted: bool
    payouts_enabled: bool


def connect_account_create(*, email: str, user_id: int) -> str:
    """A new Express account for a creator; Stripe collects their details."""
    account = client().v1.accounts.create(
        params={
            "type": "express",
            "email": email,
            "capabilities": {"transfers": {"requested": True}},
            # Payouts are sent when staff approve one, not on Stripe's schedule.
            "settings": {"payouts": {"schedule": {"interval": "manual"}}},
            "metadata": {"user": str(user_id)},
        },
        options={"idempotency_key": f"connect-account-{user_id}"},
    )
    return account.id


def connect_account_retrieve(account_id: str) -> ConnectStatus:
    account = client().v1.accounts.retrieve(account_id)
    return ConnectStatus(
        id=account.id,
        details_submitted=bool(account.details_submitted),
        payouts_enabled=bool(account.payouts_enabled),
    )


def connect_account_link(*, account_id: str, return_url: str, refresh_url: str) -> str:
    """Stripe's hosted onboarding page for the account (a short-lived URL)."""
    link = client().v1.account_links.create(
        params={
            "account": account_id,
            "type": "account_onboarding",
            "return_url": return_url,
            "refresh_url": refresh_url,
        }
    )
    return link.url


@dataclass(frozen=True)
class DisputeInfo:
    id: str
    payment_intent: str
    amount: int
    currency: str  # upper-case, as the ledger uses
    reason: str  # fraudulent | product_not_received | duplicate | general | ...
    status: str  # needs_response | under_review | won | lost | ...


def dispute_retrieve(dispute_id: str) -> DisputeInfo:
    dispute = client().v1.disputes.retrieve(dispute_id)
    intent = dispute.payment_intent
    return DisputeInfo(
        id=dispute.id,
        payment_intent=intent if isinstance(intent, str) else getattr(intent, "id", ""),
        amount=int(dispute.amount),
        currency=str(dispute.currency).upper(),
        reason=str(dispute.reason or "general"),
        status=str(dispute.status),
    )


class CardDeclined(Exception):
    """The card network said no; the message is Stripe's, fit to show the payer."""


def setup_intent_create() -> tuple[str, str]:
    """A SetupIntent for the card form: Stripe.js turns the card into a
    PaymentMethod with it (`confirmCardSetup`). Returns (id, client_secret)."""
    intent = client().v1.setup_intents.create(params={"usage": "on_session"})
    return intent.id, intent.client_secret or ""


def card_charge(
    *,
    amount: int,
    currency: str,
    payment_method: str,
    metadata: dict[str, str],
    idempotency_key: str,
) -> PaymentIntentInfo:
    """Charge a card PaymentMethod made by Stripe.js, as one confirmed PaymentIntent.

    Raises CardDeclined with the bank's reason.
    """
    params: PaymentIntentCreateParams = {
        "amount": amount,
        "currency": currency.lower(),
        "metadata": metadata,
        "confirm": True,
        "payment_method": payment_method,
        "payment_method_types": ["card"],
    }
    try:
        intent = client().v1.payment_intents.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    except stripe.CardError as exc:
        raise CardDeclined(exc.user_message or str(exc)) from exc
    except stripe.InvalidRequestError as exc:
        raise CardDeclined(exc.user_message or _("The card details were not accepted.")) from exc
    info = _info(intent)
    if info.status != "succeeded" and info.failure_message:
        raise CardDeclined(info.failure_message)
    return info


class PaymentNotStarted(Exception):
    """Stripe refused to start the payment (e.g. a currency the method does not take);
    the message is fit to show the payer."""


# Payment methods confirmed outside the site: the payer scans a QR code with WeChat
# or approves on Alipay's page, and Stripe says how it ended by webhook.
OFF_SITE_METHODS = ("wechat_pay", "alipay")


def off_site_payment_start(
    *,
    method: str,
    amount: int,
    currency: str,
    metadata: dict[str, str],
    return_url: str,
    idempotency_key: str,
) -> PaymentIntentInfo:
    """A confirmed PaymentIntent for WeChat Pay or Alipay, waiting for the payer:
    its `qr_code_data` (WeChat Pay) or `redirect_url` (Alipay) says what to show.

    Raises PaymentNotStarted with Stripe's reason.
    """
    if method not in OFF_SITE_METHODS:
        raise ValueError(f"Not an off-site payment method: {method!r}")
    params: PaymentIntentCreateParams = {
        "amount": amount,
        "currency": currency.lower(),
        "metadata": metadata,
        "confirm": True,
        "payment_method_types": [method],
        "payment_method_data": {"type": method},
    }
    if method == "wechat_pay":
        params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
    else:
        params["return_url"] = return_url
    try:
        intent = client().v1.payment_intents.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    except stripe.InvalidRequestError as exc:
        raise PaymentNotStarted(exc.user_message or _("The payment could not be started.")) from exc
    return _info(intent)


# --- subscriptions -------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionInfo:
    id: str
    status: str
    cancel_at_period_end: bool
    latest_invoice_id: str
    plan_amount: int = 0  # what the current plan bills a period
    plan_metadata: dict | None = None  # the plan's metadata ({"tier": pk})


@dataclass(frozen=True)
class InvoiceInfo:
    id: str
    status: str  # draft | open | paid | uncollectible | void
    amount_paid: int
    currency: str
    subscription_id: str
    period_end: int  # unix time the paid period ends
    amount_due: int = 0
    payment_intent_id: str = ""  # the payment trying to pay it (open invoices)
    proration: bool = False  # billed for a change of plan within a period


def customer_with_card(*, customer_id: str, email: str, payment_method: str) -> str:
    """Create the customer if needed, attach the card and make it the default for
    invoices. Returns the customer id. Raises CardDeclined if the card is refused.

    localstripe: it does not take `default_payment_method` on a subscription, so
    the default is set on the customer, which real Stripe accepts as well.
    """
    try:
        if not customer_id:
            customer_id = client().v1.customers.create(params={"email": email}).id
        client().v1.payment_methods.attach(payment_method, params={"customer": customer_id})
        client().v1.customers.update(
            customer_id, params={"invoice_settings": {"default_payment_method": payment_method}}
        )
    except stripe.CardError as exc:
        raise CardDeclined(exc.user_message or str(exc)) from exc
    return customer_id


def plan_create(*, name: str, amount: int, currency: str, metadata: dict[str, str]) -> tuple:
    """A product and a monthly plan for it. Returns (product_id, plan_id).

    localstripe: it has Plans but no Prices, so plans it is; real Stripe still
    accepts plans (a plan is a price with `recurring`), so one path serves both.
    """
    product = client().v1.products.create(params={"name": name[:250], "metadata": metadata})
    plan = client().v1.plans.create(
        params={
            "amount": amount,
            "currency": currency.lower(),
            "interval": "month",
            "product": product.id,
            "metadata": metadata,
        }
    )
    return product.id, plan.id


def _subscription_info(sub: stripe.Subscription) -> SubscriptionInfo:
    invoice = sub.latest_invoice
    items = (sub.to_dict().get("items") or {}).get("data") or []
    plan = (items[0].get("plan") or items[0].get("price") or {}) if items else {}
    return SubscriptionInfo(
        id=sub.id,
        status=sub.status,
        cancel_at_period_end=bool(sub.cancel_at_period_end),
        latest_invoice_id=invoice if isinstance(invoice, str) else getattr(invoice, "id", ""),
        plan_amount=int(plan.get("amount") or plan.get("unit_amount") or 0),
        plan_metadata=dict(plan.get("metadata") or {}),
    )


def coupon_once(*, coupon_id: str, amount_off: int, currency: str) -> str:
    """A Stripe coupon taking `amount_off` off one invoice (a subscription's first
    period), made once per id. Returns the id."""
    try:
        return client().v1.coupons.retrieve(coupon_id).id
    except stripe.InvalidRequestError:
        pass
    return (
        client()
        .v1.coupons.create(
            params={
                "id": coupon_id,
                "duration": "once",
                "amount_off": amount_off,
                "currency": currency.lower(),
            }
        )
        .id
    )


def subscription_create(
    *,
    customer_id: str,
    plan_id: str,
    metadata: dict[str, str],
    idempotency_key: str,
    coupon_id: str = "",
) -> SubscriptionInfo:
    """Subscribe the customer to the plan; `coupon_id` (a `coupon_once`) comes off
    the first invoice."""
    params: SubscriptionCreateParams = {
        "customer": customer_id,
        "items": [{"plan": plan_id}],
        "metadata": metadata,
    }
    if coupon_id:
        params["discounts"] = [{"coupon": coupon_id}]
    try:
        sub = client().v1.subscriptions.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    except stripe.CardError as exc:
        raise CardDeclined(exc.user_message or str(exc)) from exc
    info = _subscription_info(sub)
    if info.status not in ("active", "trialing"):
        # The first payment failed (status "incomplete"): end it now rather than
        # leave an unpaid subscription that Stripe would keep retrying.
        client().v1.subscriptions.cancel(info.id)
        raise CardDeclined(_("Your card was declined."))
    return info


def subscription_retrieve(subscription_id: str) -> SubscriptionInfo:
    return _subscription_info(client().v1.subscriptions.retrieve(subscription_id))


def subscription_cancel_at_period_end(subscription_id: str) -> SubscriptionInfo:
    sub = client().v1.subscriptions.update(subscription_id, params={"cancel_at_period_end": True})
    return _subscription_info(sub)


def invoice_retrieve(invoice_id: str) -> InvoiceInfo:
    invoice = client().v1.invoices.retrieve(invoice_id)
    data = invoice.to_dict()
    # Stripe moved the subscription under `parent` in 2025; localstripe keeps the
    # old top-level field. Read whichever is there.
    subscription = data.get("subscription") or (
        (data.get("parent") or {}).get("subscription_details") or {}
    ).get("subscription", "")
    lines = (data.get("lines") or {}).get("data") or []
    period_end = max((line["period"]["end"] for line in lines), default=0)
    # Stripe (2025) names the payment under `payments`; older APIs and localstripe
    # have `payment_intent`.
    intent = data.get("payment_intent") or ""
    return InvoiceInfo(
        id=data["id"],
        status=data.get("status") or "",
        amount_paid=int(data.get("amount_paid") or 0),
        currency=str(data.get("currency") or "").upper(),
        subscription_id=subscription if isinstance(subscription, str) else subscription["id"],
        period_end=int(period_end or data.get("period_end") or 0),
        amount_due=int(data.get("amount_due") or 0),
        payment_intent_id=intent if isinstance(intent, str) else intent.get("id", ""),
        proration=bool(lines) and all(line.get("proration") for line in lines),
    )


def subscription_change_plan(
    *, subscription_id: str, plan_id: str, invoice_now: bool, idempotency_key: str
) -> SubscriptionInfo:
    """Move the subscription's item to another plan with Stripe's prorations for the
    rest of the period: `invoice_now` bills them at once (an upgrade, charged to the
    default card, and refused with CardDeclined, nothing changed, if that payment
    does not go through at once); otherwise they wait for the next invoice (a
    downgrade's credit)."""
    sub = client().v1.subscriptions.retrieve(subscription_id)
    item_id = sub["items"]["data"][0]["id"]
    try:
        updated = client().v1.subscriptions.update(
            subscription_id,
            params={
                "items": [{"id": item_id, "price": plan_id}],
                "proration_behavior": "always_invoice" if invoice_now else "create_prorations",
                "payment_behavior": "error_if_incomplete",
            },
            options={"idempotency_key": idempotency_key},
        )
    except stripe.CardError as exc:
        raise CardDeclined(exc.user_message or str(exc)) from exc
    return _subscription_info(updated)


def invoice_pay(invoice_id: str) -> InvoiceInfo:
    """Try an open invoice again with the customer's default card. A refused or
    unconfirmed payment is not an error here: the invoice's state says how it went."""
    # Refused: the invoice stays open; its PaymentIntent carries the reason.
    with contextlib.suppress(stripe.CardError):
        client().v1.invoices.pay(invoice_id)
    return invoice_retrieve(invoice_id)


def payment_intent_cancel(payment_intent_id: str) -> None:
    """Cancel a PaymentIntent that was never completed, so it cannot be paid later."""
    client().v1.payment_intents.cancel(payment_intent_id)


def customer_forget(customer_id: str) -> None:
    """Erase a customer at Stripe (an account deletion): the e-mail address is blanked
    first, so the `customer.deleted` event Stripe then sends carries none; then the
    customer is deleted, which ends its subscriptions and detaches its cards. A
    customer already gone is fine (a retried deletion)."""
    try:
        client().v1.customers.update(customer_id, params={"email": "", "name": ""})
        client().v1.customers.delete(customer_id)
    except stripe.InvalidRequestError as exc:
        if exc.http_status != 404:
            raise
