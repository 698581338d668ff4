"""Stripe events that arrive after their customer's account was erased.

Deletion erases the customer at Stripe and scrubs the events stored until then
(payments.personal_data.money_erase), but Stripe keeps sending: a refund settling,
a subscription ending, the customer's own `customer.deleted`, a retry of an old
delivery. Such an event may carry the billing name, e-mail, phone or address it
had. So, on arrival, before anything is stored (webhooks.stripe_webhook): when the
event's customer belongs to an erased or locked account, every personal field of
the payload is blanked, and dj-stripe's mirror (which would store the customer
again) is skipped. The money effects still happen: a late refund still settles.
"""

from typing import Any

from django.db.models import Q

from accounts.models import AccountDeletion
from payments.models import StripeCustomer

# Keys that hold a person's details in Stripe objects (customer, charge,
# payment_intent, invoice, payment_method, checkout session, ...), at any depth.
PERSONAL_KEYS = frozenset(
    {
        "email",
        "name",
        "phone",
        "address",
        "shipping",
        "billing_details",
        "receipt_email",
        "customer_email",
        "customer_name",
        "customer_phone",
        "customer_address",
        "customer_shipping",
        "customer_details",
        "description",
    }
)
ERASED = (
    AccountDeletion.Status.RUNNING,
    AccountDeletion.Status.FAILED,
    AccountDeletion.Status.DONE,
)


def _customer_id(event: dict) -> str:
    obj = event.get("data", {}).get("object", {})
    if not isinstance(obj, dict):
        return ""
    if obj.get("object") == "customer":
        return str(obj.get("id") or "")
    customer = obj.get("customer")
    if isinstance(customer, dict):  # expanded
        customer = customer.get("id")
    return str(customer or "")


def erased_customer(event: dict) -> bool:
    """Whether the event is about the Stripe customer of an erased (or locked for
    erasure) account."""
    customer_id = _customer_id(event)
    if not customer_id:
        return False
    return StripeCustomer.objects.filter(
        Q(user__deleted_at__isnull=False) | Q(user__deletions__status__in=ERASED),
        customer_id=customer_id,
    ).exists()


def scrubbed(value: Any) -> Any:
    """`value` with every personal field blanked (strings to "", objects to None),
    ids, amounts and states kept."""
    if isinstance(value, dict):
        return {
            key: (_blank(item) if key in PERSONAL_KEYS else scrubbed(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [scrubbed(item) for item in value]
    return value


def _blank(value: Any) -> Any:
    return "" if isinstance(value, str) else None
