"""Creator payouts: earnings set aside on request, then paid or returned by staff."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, User
from accounts.services.notify import email_line_and_link, notify
from core.money import format_money
from payments import gateway, ledger
from payments.ledger import Leg
from payments.models import LedgerAccount, LedgerTransaction, Payout
from payments.services.common import Kind, account, short_funds, validate_amount


@transaction.atomic
def payout_request(*, creator: User, amount: int, currency: str) -> Payout:
    """Set earnings aside for a payout; staff approve or reject it."""
    validate_amount(amount=amount, currency=currency, minimum=settings.PAYMENTS_MIN_PAYOUT)
    payout = Payout.objects.create(creator=creator, amount=amount, currency=currency)
    with short_funds(
        _("You can request at most your available earnings. %(detail)s"), field="amount"
    ):
        ledger.post(
            kind=LedgerTransaction.Kind.PAYOUT_REQUEST,
            idempotency_key=f"payout:{payout.pk}:request",
            reference_type="payments.payout",
            reference_id=str(payout.pk),
            legs=[
                Leg(account(Kind.EARNINGS, currency, creator), -amount),
                Leg(account(Kind.PAYOUT_HOLD, currency, creator), amount),
            ],
            memo=f"Payout requested by {creator.email}",
        )
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
            Leg(account(Kind.PAYOUT_HOLD, payout.currency, payout.creator), -payout.amount),
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
        to=account(Kind.PAYOUTS, payout.currency),
        memo=f"Payout approved by {approved_by.email}",
    )
    payout.status = Payout.Status.PAID
    payout.decided_at = timezone.now()
    payout.decided_by = approved_by
    payout.save(update_fields=["status", "decided_at", "decided_by", "transfer_reference"])
    _payout_notify(payout)
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
        to=account(Kind.EARNINGS, payout.currency, payout.creator),
        memo=f"Payout rejected by {rejected_by.email}: {reason[:200]}",
    )
    payout.status = Payout.Status.REJECTED
    payout.decided_at = timezone.now()
    payout.decided_by = rejected_by
    payout.reason = reason.strip()[:300]
    payout.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    _payout_notify(payout)
    return payout


def _payout_notify(payout: Payout) -> None:
    """Tell the creator the decision (in the site and/or by e-mail, as they chose)."""
    amount = format_money(payout.amount, payout.currency)

    def text() -> str:
        if payout.status == Payout.Status.PAID:
            return _("Your payout of %(amount)s was sent.") % {"amount": amount}
        return _("Your payout of %(amount)s was refused: %(reason)s") % {
            "amount": amount,
            "reason": payout.reason,
        }

    notify(
        user=payout.creator,
        kind=NotificationKind.PAYOUT,
        key=f"payout:{payout.pk}:{payout.status}",
        text=text,
        url=reverse("payments:earnings"),
        email=email_line_and_link(text, reverse("payments:earnings")),
    )
