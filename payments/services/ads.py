"""Sponsored-listing budgets: held when a campaign is funded, charged as delivered,
the rest released when it ends.

fund:    the creator's EARNINGS or WALLET -> their AD_BUDGET
charge:  AD_BUDGET -> PLATFORM_REVENUE (advertising income), as impressions or
         clicks are counted
release: AD_BUDGET -> back to the account that funded it

AD_BUDGET never goes below zero (the ledger checks it under a row lock), so a
campaign can never be charged more than was put in. Each movement carries the
caller's idempotency key: a retried job charges nothing twice.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from payments import ledger
from payments.ledger import Leg
from payments.models import LedgerAccount, LedgerTransaction
from payments.services.common import Kind, account, short_funds, validate_amount

Tx = LedgerTransaction.Kind
FUNDING_SOURCES = {"earnings": Kind.EARNINGS, "wallet": Kind.WALLET}


def _source(funded_from: str) -> str:
    if funded_from not in FUNDING_SOURCES:
        raise ValidationError({"funded_from": _("Pay from your earnings or your wallet.")})
    return FUNDING_SOURCES[funded_from]


def _move(
    kind: str, key: str, reference: str, debit: LedgerAccount, credit: LedgerAccount, amount: int,
    memo: str,
) -> LedgerTransaction:  # fmt: skip
    """Move `amount` from `debit` to `credit` for the campaign `reference`."""
    return ledger.post(
        kind=kind,
        idempotency_key=key,
        reference_type="ads.campaign",
        reference_id=reference,
        legs=[Leg(debit, -amount), Leg(credit, amount)],
        memo=f"Campaign {reference} {memo}",
    )


@transaction.atomic
def ad_budget_fund(
    *, advertiser: User, amount: int, currency: str, funded_from: str, key: str, reference: str
) -> LedgerTransaction:
    """Hold a campaign's budget; ValidationError (nothing held) if the source is short."""
    validate_amount(amount=amount, currency=currency)
    source = account(_source(funded_from), currency, advertiser)
    budget = account(Kind.AD_BUDGET, currency, advertiser)
    with short_funds(
        _("Your %(source)s do not cover this budget. %%(detail)s")
        % {"source": _("earnings") if funded_from == "earnings" else _("wallet funds")},
        field="budget_price",
    ):
        return _move(Tx.AD_FUND, key, reference, source, budget, amount, "budget")


@transaction.atomic
def ad_budget_charge(
    *, advertiser: User, amount: int, currency: str, key: str, reference: str
) -> LedgerTransaction:
    """Charge delivered impressions or clicks from the held budget."""
    validate_amount(amount=amount, currency=currency)
    budget = account(Kind.AD_BUDGET, currency, advertiser)
    revenue = account(Kind.PLATFORM_REVENUE, currency)
    return _move(Tx.AD_CHARGE, key, reference, budget, revenue, amount, "delivery")


@transaction.atomic
def ad_budget_release(
    *, advertiser: User, amount: int, currency: str, funded_from: str, key: str, reference: str
) -> LedgerTransaction:
    """Give the unspent budget back to where it came from."""
    validate_amount(amount=amount, currency=currency)
    budget = account(Kind.AD_BUDGET, currency, advertiser)
    source = account(_source(funded_from), currency, advertiser)
    return _move(Tx.AD_RELEASE, key, reference, budget, source, amount, "unspent budget")
