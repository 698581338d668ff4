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
from payments.models import LedgerTransaction
from payments.services.common import Kind, account, short_funds, validate_amount

FUNDING_SOURCES = {"earnings": Kind.EARNINGS, "wallet": Kind.WALLET}


def _source(funded_from: str) -> str:
    if funded_from not in FUNDING_SOURCES:
        raise ValidationError({"funded_from": _("Pay from your earnings or your wallet.")})
    return FUNDING_SOURCES[funded_from]


@transaction.atomic
def ad_budget_fund(
    *, advertiser: User, amount: int, currency: str, funded_from: str, key: str, reference: str
) -> LedgerTransaction:
    """Hold a campaign's budget; ValidationError (nothing held) if the source is short."""
    validate_amount(amount=amount, currency=currency)
    source = _source(funded_from)
    with short_funds(
        _("Your %(source)s do not cover this budget. %%(detail)s")
        % {"source": _("earnings") if funded_from == "earnings" else _("wallet funds")},
        field="budget_price",
    ):
        return ledger.post(
            kind=LedgerTransaction.Kind.AD_FUND,
            idempotency_key=key,
            reference_type="ads.campaign",
            reference_id=reference,
            legs=[
                Leg(account(source, currency, advertiser), -amount),
                Leg(account(Kind.AD_BUDGET, currency, advertiser), amount),
            ],
            memo=f"Campaign {reference} budget",
        )


@transaction.atomic
def ad_budget_charge(
    *, advertiser: User, amount: int, currency: str, key: str, reference: str
) -> LedgerTransaction:
    """Charge delivered impressions or clicks from the held budget."""
    validate_amount(amount=amount, currency=currency)
    return ledger.post(
        kind=LedgerTransaction.Kind.AD_CHARGE,
        idempotency_key=key,
        reference_type="ads.campaign",
        reference_id=reference,
        legs=[
            Leg(account(Kind.AD_BUDGET, currency, advertiser), -amount),
            Leg(account(Kind.PLATFORM_REVENUE, currency), amount),
        ],
        memo=f"Campaign {reference} delivery",
    )


@transaction.atomic
def ad_budget_release(
    *, advertiser: User, amount: int, currency: str, funded_from: str, key: str, reference: str
) -> LedgerTransaction:
    """Give the unspent budget back to where it came from."""
    validate_amount(amount=amount, currency=currency)
    return ledger.post(
        kind=LedgerTransaction.Kind.AD_RELEASE,
        idempotency_key=key,
        reference_type="ads.campaign",
        reference_id=reference,
        legs=[
            Leg(account(Kind.AD_BUDGET, currency, advertiser), -amount),
            Leg(account(_source(funded_from), currency, advertiser), amount),
        ],
        memo=f"Campaign {reference} unspent budget",
    )
