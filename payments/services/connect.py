"""Stripe Connect (Express) for creators' payouts: the onboarding link and the
account's status as Stripe sees it."""

from django.db import transaction

from accounts.models import User
from payments import gateway
from payments.models import ConnectedAccount


def connect_onboarding_url(*, user: User, return_url: str, refresh_url: str) -> str:
    """Where the creator sets up payouts at Stripe: their Express account (made on
    first use) and a fresh onboarding link to it. Raises stripe.StripeError when
    Stripe cannot be reached (nothing stored then, or the account kept for next time)."""
    connected = ConnectedAccount.objects.filter(user=user).first()
    if connected is None:
        account_id = gateway.connect_account_create(email=user.email, user_id=user.pk)
        # A twin request made the same account (same idempotency key): keep one row.
        connected, _created = ConnectedAccount.objects.get_or_create(
            user=user, defaults={"stripe_account_id": account_id}
        )
    return gateway.connect_account_link(
        account_id=connected.stripe_account_id, return_url=return_url, refresh_url=refresh_url
    )


@transaction.atomic
def connect_account_sync(*, stripe_account_id: str) -> ConnectedAccount | None:
    """Copy the account's status from Stripe (after onboarding, on `account.updated`);
    None for an account that is not one of ours."""
    connected = (
        ConnectedAccount.objects.select_for_update()
        .filter(stripe_account_id=stripe_account_id)
        .first()
    )
    if connected is None:
        return None
    status = gateway.connect_account_retrieve(stripe_account_id)
    connected.details_submitted = status.details_submitted
    connected.payouts_enabled = status.payouts_enabled
    connected.save(update_fields=["details_submitted", "payouts_enabled", "updated_at"])
    return connected
