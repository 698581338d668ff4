"""payments' personal data (accounts.personal_data), registered from
PaymentsConfig.ready(): receipts, tips, top-ups, payouts, subscriptions and the
ledger lines of the person's accounts.

Erasure keeps every money record (tax and accounting law: they are evidence of a
sale), pseudonymised: the rows keep pointing at the user row, which accounts turns
into a pseudonym, and the e-mail address in ledger memos becomes "user #<id>"
(payments.ledger.memos_pseudonymise: the memo is the one column the database lets
change, amounts never). Subscriptions are cancelled; escrow the person still has
held must have been refunded by the apps that hold it (qa, livestream run before
payments), else the erasure fails and is retried.
"""

import json
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from djstripe.models import Customer as MirroredCustomer
from djstripe.models import Event as MirroredEvent

from accounts import personal_data
from accounts.models import User
from core.money import format_money
from payments import gateway, ledger, selectors
from payments.models import (
    ConnectedAccount,
    CouponGrant,
    CouponRedemption,
    LedgerAccount,
    LedgerEntry,
    Payout,
    PointsLot,
    Purchase,
    StripeCustomer,
    StripeEvent,
    Subscription,
    Tip,
    TopUp,
)
from payments.services import subscription_cancel

rows = personal_data.rows


def _balances(user: User, kind: str) -> list[str]:
    return [
        format_money(row["balance"], row["currency"])
        for row in selectors.balances(user=user, kind=kind)
        if row["balance"]
    ]


def money_blockers(user: User) -> list[str]:
    messages = []
    for amount in _balances(user, LedgerAccount.Kind.EARNINGS):
        messages.append(
            _("You have %(amount)s in earnings: request a payout first.") % {"amount": amount}
        )
    for amount in _balances(user, LedgerAccount.Kind.PAYOUT_HOLD):
        messages.append(_("A payout of %(amount)s is waiting for a decision.") % {"amount": amount})
    for amount in _balances(user, LedgerAccount.Kind.WALLET):
        messages.append(
            _("Your wallet holds %(amount)s: spend it or ask us to refund it first.")
            % {"amount": amount}
        )
    return messages


def money_erase(user: User, remove_contributions: bool) -> None:
    for subscription in selectors.subscriptions_current(user=user).filter(
        cancel_at_period_end=False
    ):
        subscription_cancel(subscription=subscription, user=user)
    held = _balances(user, LedgerAccount.Kind.ESCROW)
    if held:
        raise RuntimeError(f"user {user.pk} still has {', '.join(held)} in escrow")
    if remove_contributions:
        Tip.objects.filter(tipper=user).exclude(message="").update(message="")
    pseudonym = f"user #{user.pk}"
    ledger.memos_pseudonymise(text=user.email, pseudonym=pseudonym)
    customer = StripeCustomer.objects.filter(user=user).first()
    if customer is not None:
        gateway.customer_forget(customer.customer_id)
        # dj-stripe's mirror of the customer (and what hangs off it) is a cache of
        # Stripe's data: it goes with the customer.
        MirroredCustomer.objects.filter(id=customer.customer_id).delete()
    for model, field in ((StripeEvent, "payload"), (MirroredEvent, "data")):
        _json_scrub(model.objects.filter(**{f"{field}__icontains": user.email}), field,
                    user.email, pseudonym)  # fmt: skip


def _json_scrub(rows: "QuerySet[Any]", field: str, text: str, pseudonym: str) -> None:
    """Replace `text` wherever it occurs in the JSON `field` of `rows`."""
    for row in rows.only("pk", field):
        value = json.loads(
            json.dumps(getattr(row, field)).replace(json.dumps(text)[1:-1], pseudonym)
        )
        type(row).objects.filter(pk=row.pk).update(**{field: value})


def register() -> None:
    personal_data.register_rows(
        "purchases",
        lambda user: Purchase.objects.filter(Q(buyer=user) | Q(seller=user)),
        "id buyer_id seller_id title amount currency fee method status refunded_amount "
        "course_id live_session_id created_at paid_at",
        erase=money_erase,
        blockers=money_blockers,
        order=20,
    )
    personal_data.register_rows(
        "tips",
        lambda user: Tip.objects.filter(Q(tipper=user) | Q(creator=user)),
        "tipper_id creator_id live_session_id amount currency fee message created_at",
    )
    personal_data.register_rows(
        "top_ups",
        lambda user: TopUp.objects.filter(user=user),
        "amount currency status refunded_amount created_at",
    )
    personal_data.register_rows(
        "payouts",
        lambda user: Payout.objects.filter(creator=user),
        "amount currency status requested_at decided_at reason",
    )
    personal_data.register_rows(
        "subscriptions",
        lambda user: Subscription.objects.filter(user=user),
        "tier_id tier__name tier__channel__title status cancel_at_period_end paid_until created_at",
    )
    personal_data.register_rows(
        "ledger_lines",
        lambda user: LedgerEntry.objects.filter(account__owner=user),
        "transaction__created_at transaction__kind account__kind amount currency transaction__memo",
    )
    personal_data.register_rows(
        "coupons",
        lambda user: CouponGrant.objects.filter(user=user),
        "coupon__code coupon__kind coupon__percent_off coupon__amount_off coupon__currency "
        "reason used_at created_at",
    )
    personal_data.register_rows(
        "coupon_uses",
        lambda user: CouponRedemption.objects.filter(user=user),
        "coupon__code purchase_id reference list_amount discount currency released created_at",
    )
    personal_data.register_rows(
        "connected_stripe_account",  # a creator's payout account at Stripe (Connect)
        lambda user: ConnectedAccount.objects.filter(user=user),
        "stripe_account_id details_submitted payouts_enabled created_at",
    )
    personal_data.register_rows(
        "points",
        lambda user: PointsLot.objects.filter(user=user),
        "rule source amount remaining expires_at clawed_back created_at",
    )
