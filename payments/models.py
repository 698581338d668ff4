"""The double-entry ledger: the only record of where money is.

A `LedgerTransaction` moves money between `LedgerAccount`s through two or more
`LedgerEntry` rows whose amounts sum to zero per currency. Balances are sums of
entries; each account keeps its running balance (the account row's `balance` plus
its `LedgerBalanceShard` rows), changed only by payments.ledger.post in the same
transaction as the entries (TigerBeetle keeps account balances the same way), and
`manage.py ledger_reconcile` (nightly on beat) checks every one against the sum.
Entries and transactions are append-only: on PostgreSQL a trigger refuses UPDATE and
DELETE (migration 0002); a mistake is corrected by a reversing transaction.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import MoneyAmount, exactly_one_set


class LedgerAccount(models.Model):
    class Kind(models.TextChoices):
        WALLET = "wallet", _("Learner wallet")
        EARNINGS = "earnings", _("Creator earnings")
        PLATFORM_REVENUE = "platform_revenue", _("Platform revenue")
        ESCROW = "escrow", _("Escrow")
        STRIPE_CLEARING = "stripe_clearing", _("Stripe clearing")
        PAYOUT_HOLD = "payout_hold", _("Requested payouts")
        PAYOUTS = "payouts", _("Paid out to creators")
        # The platform's cost of the discounts it bears (staff coupons).
        PROMOTIONS = "promotions", _("Platform promotions")
        # What a learner owes after a chargeback on a top-up took back more than the
        # wallet held (below zero while owed; the next top-ups pay it first).
        WALLET_DEBT = "wallet_debt", _("Wallet debt")
        # Sponsored listings: a campaign's budget held until delivered.
        AD_BUDGET = "ad_budget", _("Campaign budget")
        # Points (currency PTS, never money): a user's balance, and the platform-side
        # accounts they are issued from, spent to and expire into.
        POINTS = "points", _("Points")
        POINTS_ISSUED = "points_issued", _("Points issued")
        POINTS_REDEEMED = "points_redeemed", _("Points redeemed")
        POINTS_EXPIRED = "points_expired", _("Points expired")

    # Accounts whose balance may never go below zero: debits to them lock the row
    # and check the balance first (payments.ledger.post).
    NON_NEGATIVE = {
        Kind.WALLET,
        Kind.EARNINGS,
        Kind.ESCROW,
        Kind.PAYOUT_HOLD,
        Kind.AD_BUDGET,
        Kind.POINTS,
    }

    kind = models.CharField(max_length=32, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    currency = models.CharField(max_length=3)
    # With the account's LedgerBalanceShard rows, the sum of its entries, kept by
    # payments.ledger.post: reading a balance is one indexed read (ledger.balance),
    # whatever the history's length. Never below zero for NON_NEGATIVE kinds (their
    # shards only ever receive credits).
    balance = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                # NON_NEGATIVE (a nested class cannot see it): the database refuses
                # an overdraft even if a caller skipped the check in ledger.post.
                condition=Q(balance__gte=0)
                | ~Q(
                    kind__in=["ad_budget", "earnings", "escrow", "payout_hold", "points", "wallet"]
                ),
                name="payments_account_non_negative_balance",
            ),
            models.UniqueConstraint(
                fields=["kind", "owner", "currency"],
                name="payments_account_unique_per_owner",
                condition=Q(owner__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["kind", "currency"],
                name="payments_account_unique_system",
                condition=Q(owner__isnull=True),
            ),
        ]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")

    def __str__(self) -> str:
        owner = self.owner.email if self.owner is not None else "platform"
        return f"{self.get_kind_display()} {self.currency} ({owner})"


class LedgerBalanceShard(models.Model):
    """A share of an account's running balance that many postings can add to at once.

    Credits (and any change to a system account: platform revenue, Stripe clearing)
    are added to one of `SHARDS` rows per account, picked by the posting's database
    connection, instead of to the account row: a hot creator's earnings or the
    platform revenue every tip pays into are no single row that all tips queue on.
    Debits of accounts that must not go negative change the account row under its
    lock, after folding the shards into it. The balance is the account row plus its
    shards: at most `SHARDS` + 1 indexed rows whatever the history's length.
    Only payments.ledger writes these rows.
    """

    SHARDS = 32

    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="shards")
    shard = models.PositiveSmallIntegerField()
    amount = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "shard"], name="payments_balance_shard_unique"
            ),
        ]
        verbose_name = _("ledger balance shard")
        verbose_name_plural = _("ledger balance shards")

    def __str__(self) -> str:
        return f"{self.account_id}/{self.shard}: {self.amount}"


class LedgerTransaction(models.Model):
    class Kind(models.TextChoices):
        TOP_UP = "top_up", _("Wallet top-up")
        TIP = "tip", _("Tip")
        PURCHASE = "purchase", _("Ticket purchase")
        SUBSCRIPTION = "subscription", _("Subscription payment")
        REFUND = "refund", _("Refund")
        PAYOUT_REQUEST = "payout_request", _("Payout requested")
        PAYOUT = "payout", _("Payout")
        PAYOUT_REJECTED = "payout_rejected", _("Payout rejected")
        # A card payment the buyer's bank took back: the sale is reversed.
        DISPUTE = "dispute", _("Card payment disputed")
        # Paid questions (qa) and paid live-room priority questions (livestream):
        # wallet -> escrow when asked, escrow -> earnings when answered, escrow ->
        # wallet when declined, expired or left unanswered.
        ESCROW_HOLD = "escrow_hold", _("Held in escrow")
        ESCROW_RELEASE = "escrow_release", _("Released from escrow")
        ESCROW_REFUND = "escrow_refund", _("Refunded from escrow")
        UNLOCK = "unlock", _("Answer unlock")
        AD_FUND = "ad_fund", _("Campaign funded")
        AD_CHARGE = "ad_charge", _("Campaign charged")
        AD_RELEASE = "ad_release", _("Campaign budget released")
        POINTS_AWARD = "points_award", _("Points earned")
        POINTS_SPEND = "points_spend", _("Points spent")
        POINTS_EXPIRE = "points_expire", _("Points expired")
        POINTS_CLAWBACK = "points_clawback", _("Points taken back")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    # Unique: a replayed webhook or a double click finds the first posting instead
    # of making a second one.
    idempotency_key = models.CharField(max_length=200, unique=True)
    # What caused it, e.g. ("tip", "42") or ("stripe.payment_intent", "pi_123").
    reference_type = models.CharField(max_length=60)
    reference_id = models.CharField(max_length=100)
    memo = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["reference_type", "reference_id"])]
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class LedgerEntry(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    # Signed minor units: positive credits the account, negative debits it.
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        indexes = [models.Index(fields=["account", "amount"], name="payments_entry_balance_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="payments_entry_nonzero"),
        ]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.currency} -> {self.account}"


class Tip(MoneyAmount):
    """A learner's tip to a creator, optionally during a live session."""

    tipper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tips_sent"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tips_received"
    )
    live_session = models.ForeignKey(
        "livestream.LiveSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tips",
    )
    fee = models.PositiveIntegerField()
    message = models.CharField(max_length=200, blank=True)
    # Chosen by the client per tip attempt: a double click or a retried request
    # carries the same key and finds the first tip.
    client_key = models.CharField(max_length=64)
    ledger_transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="tip"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tipper", "client_key"], name="payments_tip_unique_client_key"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_tip_positive"),
        ]
        ordering = ("-created_at",)
        verbose_name = _("tip")
        verbose_name_plural = _("tips")

    def __str__(self) -> str:
        return f"{self.tipper} -> {self.creator}: {self.amount} {self.currency}"


class Purchase(MoneyAmount):
    """A ticket: one-off payment for a course or a live session."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the card payment")
        PAID = "paid", pgettext_lazy("payment status", "Paid")
        FAILED = "failed", _("Payment failed")
        REFUNDED = "refunded", _("Refunded")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partly refunded")
        # The buyer's bank took the card payment back (a chargeback).
        DISPUTED = "disputed", _("Reversed by the buyer's bank")

    class Method(models.TextChoices):
        WALLET = "wallet", _("Wallet")
        CARD = "card", _("Card")
        WECHAT_PAY = "wechat_pay", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchases"
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sales"
    )
    course = models.ForeignKey(
        "marketplace.Course", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    live_session = models.ForeignKey(
        "livestream.LiveSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(max_length=200)  # what was bought, as the receipt shows it
    fee = models.PositiveIntegerField()
    method = models.CharField(max_length=10, choices=Method.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    refunded_amount = models.PositiveIntegerField(default=0)
    payment_intent_id = models.CharField(max_length=100, blank=True, db_index=True)
    failure_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_set("course", "live_session"),
                name="payments_purchase_one_target",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("amount")),
                name="payments_purchase_refund_within_amount",
            ),
            # One live ticket per buyer and thing: a double click cannot buy twice.
            models.UniqueConstraint(
                fields=["buyer", "course"],
                condition=Q(status__in=["pending", "paid", "partially_refunded"]),
                name="payments_purchase_one_live_per_course",
            ),
            models.UniqueConstraint(
                fields=["buyer", "live_session"],
                condition=Q(status__in=["pending", "paid", "partially_refunded"]),
                name="payments_purchase_one_live_per_session",
            ),
        ]
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")

    def __str__(self) -> str:
        return f"{self.title} ({self.buyer})"

    @property
    def refundable_amount(self) -> int:
        return self.amount - self.refunded_amount


class TopUp(MoneyAmount):
    """A payment into a wallet (card, WeChat Pay or Alipay), tracked from PaymentIntent
    to ledger posting."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the card payment")
        SUCCEEDED = "succeeded", pgettext_lazy("payment status", "Paid")
        FAILED = "failed", _("Payment failed")
        # Left unpaid (a closed tab, an unanswered 3-D Secure check) and closed by the
        # stale-payment job; the card was never charged.
        EXPIRED = "expired", _("Expired, not charged")
        # The card holder's bank took the payment back (a chargeback).
        DISPUTED = "disputed", _("Taken back by the bank")

    class Method(models.TextChoices):
        CARD = "card", _("Card")
        WECHAT_PAY = "wechat_pay", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="top_ups"
    )
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.CARD)
    # Set when the card is charged; empty while the learner is still typing it.
    payment_intent_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    refunded_amount = models.PositiveIntegerField(default=0)
    failure_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("top-up")
        verbose_name_plural = _("top-ups")

    def __str__(self) -> str:
        return f"{self.user} +{self.amount} {self.currency}"


class Payout(MoneyAmount):
    """A creator's request to be paid their earnings, decided by staff."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        PAID = "paid", pgettext_lazy("payout status", "Paid")
        REJECTED = "rejected", _("Rejected")

    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(max_length=300, blank=True)
    # How the money left: "manual" (recorded by staff) or a Stripe Connect transfer id.
    transfer_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ("-requested_at",)
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_payout_positive"),
        ]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")

    def __str__(self) -> str:
        return f"{self.creator} {self.amount} {self.currency} ({self.get_status_display()})"


class StripeEvent(models.Model):
    """A verified Stripe webhook event, stored before it is acted on.

    The unique event id makes a redelivery (or five at once) a no-op: only the first
    insert wins, and it commits together with what the event caused.
    """

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class StripeCustomer(models.Model):
    """The Stripe customer that stands for a user (created on first subscription)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stripe_customer"
    )
    customer_id = models.CharField(max_length=100, unique=True)

    def __str__(self) -> str:
        return self.customer_id


class TierPlan(MoneyAmount):
    """The Stripe product and recurring price (a plan) that bill one tier at one price.

    A tier whose price changes gets a new plan for new subscribers; existing ones
    keep paying what they signed up for, as on Patreon.
    """

    tier = models.ForeignKey(
        "marketplace.SubscriptionTier", on_delete=models.PROTECT, related_name="stripe_plans"
    )
    product_id = models.CharField(max_length=100)
    plan_id = models.CharField(max_length=100, unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "amount", "currency"], name="payments_tierplan_unique_price"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tier} {self.amount} {self.currency}"


class Subscription(models.Model):
    """A learner's membership of a channel tier, mirrored from Stripe."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subscriptions"
    )
    tier = models.ForeignKey(
        "marketplace.SubscriptionTier", on_delete=models.PROTECT, related_name="subscriptions"
    )
    stripe_subscription_id = models.CharField(max_length=100, unique=True)
    status = models.CharField(max_length=30)  # Stripe's: active, past_due, canceled, ...
    cancel_at_period_end = models.BooleanField(default=False)
    paid_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A tier price change announced to this subscriber: the first renewal on or after
    # `next_price_from` bills it (services.subscriptions.subscription_prices_apply).
    next_price_amount = models.PositiveIntegerField(null=True, blank=True)
    next_price_currency = models.CharField(max_length=3, blank=True)
    next_price_from = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return f"{self.user} -> {self.tier} ({self.status})"


class SubscriptionCharge(MoneyAmount):
    """One paid subscription invoice (the first period and every renewal): the
    learner's receipt for it. Written once per invoice by invoice_settle."""

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="charges")
    # The tier this invoice paid for: a tier change moves the subscription, not its
    # old receipts (null on charges recorded before it was kept).
    tier = models.ForeignKey(
        "marketplace.SubscriptionTier",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    is_tier_change = models.BooleanField(default=False)  # a prorated difference
    invoice_id = models.CharField(max_length=100, unique=True)
    period_end = models.DateTimeField()
    paid_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-paid_at",)
        verbose_name = _("subscription charge")
        verbose_name_plural = _("subscription charges")

    def __str__(self) -> str:
        return f"{self.invoice_id} ({self.amount} {self.currency})"


# Coupons and points (kept in their own module; Django needs them imported here).
from payments.rewards_models import (  # noqa: E402, F401
    Coupon,
    CouponGrant,
    CouponRedemption,
    PointsLot,
)


class ConnectedAccount(models.Model):
    """A creator's Stripe Connect (Express) account, where approved payouts go.

    The status is Stripe's, copied when the creator comes back from onboarding and
    on every `account.updated` webhook; a payout is sent only when
    `payouts_enabled`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="connected_account"
    )
    stripe_account_id = models.CharField(max_length=64, unique=True)
    details_submitted = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("connected Stripe account")
        verbose_name_plural = _("connected Stripe accounts")

    def __str__(self) -> str:
        return f"{self.stripe_account_id} of {self.user_id}"
