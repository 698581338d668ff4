"""Chargebacks on wallet top-ups, through the ledger like the other disputes.

The bank takes the top-up's amount back to Stripe clearing. The wallet gives what
it holds, up to that amount; what it had already spent becomes the learner's debt
(a WALLET_DEBT account below zero). While anything is owed the wallet is restricted:
every later top-up pays the debt first (`wallet_debt_settle`), so nothing can be
spent from it until the debt is settled. A won dispute gives it all back: the debt
still owed is cancelled and the rest returns to the wallet. The learner is told.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notification_send
from core.money import format_money
from payments import gateway, ledger
from payments.ledger import Leg
from payments.models import LedgerTransaction, TopUp
from payments.services.common import Kind, account


def wallet_owed(*, user: User, currency: str) -> int:
    """What the user owes after chargebacks (0 if nothing)."""
    return max(-ledger.balance(account(Kind.WALLET_DEBT, currency, user)), 0)


def _dispute_post(top_up: TopUp, status: str, *, key: str, legs: list[Leg], memo: str) -> None:
    """Post a chargeback (or its reversal) against the top-up and mark it `status`."""
    ledger.post(
        kind=LedgerTransaction.Kind.DISPUTE,
        idempotency_key=key,
        reference_type="payments.top_up",
        reference_id=str(top_up.pk),
        legs=legs,
        memo=memo,
    )
    top_up.status = status
    top_up.save(update_fields=["status"])


@transaction.atomic
def top_up_dispute_settle(top_up: TopUp, dispute: gateway.DisputeInfo) -> TopUp:
    """Take a disputed top-up back out of the wallet, once; the part already spent
    becomes a debt. A won dispute undoes it."""
    top_up = TopUp.objects.select_for_update().select_related("user").get(pk=top_up.pk)
    if dispute.status in ("won", "warning_closed"):
        return _won(top_up, dispute.id)
    if top_up.status != TopUp.Status.SUCCEEDED:
        return top_up  # taken back already, or never paid
    currency = top_up.currency
    amount = min(dispute.amount or top_up.amount, top_up.amount - top_up.refunded_amount)
    wallet = account(Kind.WALLET, currency, top_up.user)
    covered = min(max(ledger.balance(wallet), 0), amount)
    legs = [Leg(account(Kind.STRIPE_CLEARING, currency), amount)]
    if covered:
        legs.append(Leg(wallet, -covered))
    if amount - covered:
        legs.append(Leg(account(Kind.WALLET_DEBT, currency, top_up.user), -(amount - covered)))
    _dispute_post(
        top_up,
        TopUp.Status.DISPUTED,
        key=f"dispute:{dispute.id}",
        legs=legs,
        memo=f"Chargeback {dispute.id} ({dispute.reason}) of top-up {top_up.pk}",
    )
    _tell(top_up, dispute.id, amount, amount - covered)
    return top_up


def _won(top_up: TopUp, dispute_id: str) -> TopUp:
    if top_up.status != TopUp.Status.DISPUTED:
        return top_up
    reversal = LedgerTransaction.objects.filter(idempotency_key=f"dispute:{dispute_id}").first()
    if reversal is None:
        return top_up
    currency = top_up.currency
    amount = sum(e.amount for e in reversal.entries.all() if e.amount > 0)
    cancelled = min(wallet_owed(user=top_up.user, currency=currency), amount)
    legs = [Leg(account(Kind.STRIPE_CLEARING, currency), -amount)]
    if cancelled:
        legs.append(Leg(account(Kind.WALLET_DEBT, currency, top_up.user), cancelled))
    if amount - cancelled:
        legs.append(Leg(account(Kind.WALLET, currency, top_up.user), amount - cancelled))
    _dispute_post(
        top_up,
        TopUp.Status.SUCCEEDED,
        key=f"dispute:{dispute_id}:won",
        legs=legs,
        memo=f"Chargeback {dispute_id} won: top-up {top_up.pk} restored",
    )
    return top_up


def wallet_debt_settle(*, user: User, currency: str, key: str) -> int:
    """Pay what the user owes from their wallet, as far as it holds (after each
    top-up; `key` makes it once per top-up). Returns the amount settled."""
    owed = wallet_owed(user=user, currency=currency)
    if not owed:
        return 0
    wallet = account(Kind.WALLET, currency, user)
    paid = min(max(ledger.balance(wallet), 0), owed)
    if paid:
        ledger.post(
            kind=LedgerTransaction.Kind.DISPUTE,
            idempotency_key=f"debt_settle:{key}",
            reference_type="payments.wallet_debt",
            reference_id=str(user.pk),
            legs=[
                Leg(wallet, -paid),
                Leg(account(Kind.WALLET_DEBT, currency, user), paid),
            ],
            memo=f"Chargeback debt of {user.email} paid from a top-up",
        )
    return paid


def _tell(top_up: TopUp, dispute_id: str, amount: int, owed: int) -> None:
    user = top_up.user
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        text = _("Your bank took back the top-up of %(amount)s, so it left your wallet.") % {
            "amount": format_money(amount, top_up.currency)
        }
        if owed:
            text += " " + _(
                "Part of it was already spent: you owe %(owed)s, which your next top-ups "
                "pay first. Until then your wallet cannot be used."
            ) % {"owed": format_money(owed, top_up.currency)}
        notification_send(
            user=user, key=f"dispute:{dispute_id}", text=text, url=reverse("payments:wallet")
        )
