"""Money movements: every one is a balanced ledger posting (payments.ledger.post).

Amounts are integer minor units; every public service validates amount and currency
before anything is written, and raises ValidationError with a message a person can
act on. payments knows nothing of what is sold: the selling app passes the terms
(`Product`) and grants access through the registered `payments.fulfilment`; what
happened goes out as events (payments/events.py) after commit.

Modules by concern: common (amounts, fees), wallet, tips, purchases, card (Stripe
charges and settlement), off_site (WeChat Pay and Alipay), subscriptions, payouts,
escrow (holds, releases, refunds and split payments for paid questions of every
kind), coupons (codes, limits, redemptions, who bears a discount), points (the
non-monetary points currency).
"""

from payments.services.ads import ad_budget_charge, ad_budget_fund, ad_budget_release
from payments.services.card import (
    payment_intent_settle,
    payments_settle_stale,
    purchase_pay_with_card,
    top_up_pay,
)
from payments.services.common import platform_fee, validate_amount
from payments.services.connect import connect_account_sync, connect_onboarding_url
from payments.services.coupons import (
    CouponTarget,
    coupon_create,
    coupon_deactivate,
    coupon_grant,
    coupon_preview,
    coupon_reclaim,
    coupon_redeem,
    coupon_release,
)
from payments.services.disputes import dispute_settle
from payments.services.escrow import (
    EscrowMove,
    Split,
    escrow_hold,
    escrow_refund,
    escrow_release,
    payment_split,
)
from payments.services.off_site import (
    OFF_SITE_METHODS,
    off_site_payment_cancel,
    purchase_pay_off_site,
    top_up_pay_off_site,
)
from payments.services.payouts import payout_approve, payout_reject, payout_request
from payments.services.points import (
    points_award,
    points_buy_coupon,
    points_clawback,
    points_expire_due,
    points_spend,
)
from payments.services.purchases import (
    Product,
    product_coupon_target,
    purchase_open,
    purchase_pay_with_wallet,
    purchase_refund,
    purchase_refund_to_buyer,
)
from payments.services.subscription_billing import (
    OpenRenewal,
    TierChange,
    invoice_payment_failed,
    subscription_change_tier,
    subscription_open_renewal,
    subscription_renewal_retry,
)
from payments.services.subscriptions import (
    invoice_settle,
    subscription_cancel,
    subscription_start,
    subscription_sync,
    tier_plan_get,
)
from payments.services.tips import tip_send
from payments.services.wallet import (
    top_up_fail,
    top_up_refund,
    top_up_start,
    wallet_top_up_credit,
)

__all__ = [
    "connect_account_sync",
    "connect_onboarding_url",
    "dispute_settle",
    "ad_budget_charge",
    "ad_budget_fund",
    "ad_budget_release",
    "CouponTarget",
    "coupon_create",
    "coupon_deactivate",
    "coupon_grant",
    "coupon_preview",
    "coupon_redeem",
    "coupon_reclaim",
    "coupon_release",
    "EscrowMove",
    "Product",
    "Split",
    "escrow_hold",
    "escrow_refund",
    "escrow_release",
    "invoice_settle",
    "payment_intent_settle",
    "payment_split",
    "payments_settle_stale",
    "payout_approve",
    "payout_reject",
    "payout_request",
    "platform_fee",
    "points_award",
    "points_buy_coupon",
    "points_clawback",
    "points_expire_due",
    "points_spend",
    "product_coupon_target",
    "purchase_open",
    "purchase_pay_with_card",
    "OFF_SITE_METHODS",
    "off_site_payment_cancel",
    "purchase_pay_off_site",
    "top_up_pay_off_site",
    "purchase_pay_with_wallet",
    "purchase_refund",
    "purchase_refund_to_buyer",
    "subscription_cancel",
    "OpenRenewal",
    "TierChange",
    "invoice_payment_failed",
    "subscription_change_tier",
    "subscription_open_renewal",
    "subscription_renewal_retry",
    "subscription_start",
    "subscription_sync",
    "tier_plan_get",
    "tip_send",
    "top_up_fail",
    "top_up_pay",
    "top_up_refund",
    "top_up_start",
    "validate_amount",
    "wallet_top_up_credit",
]
