"""What payments asks of the app that sells things, without importing it.

payments moves money for a product it knows only by the terms it was handed (a
title, a price, a seller, a reference). Access to what was bought is not money:
the selling app (marketplace) grants and ends it. It registers one `Fulfilment`
from its AppConfig.ready(), and payments calls it inside the same database
transaction as the posting, so money and access commit, or roll back, together
(a domain event after commit could not promise that).
"""

from datetime import datetime
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

from accounts.models import User
from payments.models import Purchase, Subscription


class Fulfilment(Protocol):
    def purchase_paid(self, purchase: Purchase) -> None:
        """Grant what `purchase` bought (called once it is paid; may repeat)."""

    def purchase_refunded(self, purchase: Purchase) -> None:
        """End the access `purchase` gave (called on a full refund or a chargeback)."""

    def purchase_reinstated(self, purchase: Purchase) -> None:
        """Give back the access a chargeback ended (the seller won the dispute)."""

    def subscription_paid(self, subscription: Subscription, *, paid_until: datetime) -> None:
        """Access to the subscription's tier runs at least until `paid_until`."""

    def subscription_seller(self, subscription: Subscription) -> User:
        """Who earns the subscription's invoices."""


_fulfilment: list[Fulfilment] = []


def fulfilment_register(fulfilment: Fulfilment) -> None:
    """Install the selling app's fulfilment (the last registration wins)."""
    _fulfilment[:] = [fulfilment]


def fulfilment() -> Fulfilment:
    if not _fulfilment:
        raise ImproperlyConfigured("No app registered a payments Fulfilment.")
    return _fulfilment[0]
