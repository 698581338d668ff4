"""hooks' personal data (accounts.personal_data), registered from HooksConfig.ready():
a creator's webhook endpoints (never their secrets). Erasure deletes them, so
nothing is sent for a deleted account."""

from accounts import personal_data
from accounts.models import User
from hooks.models import Endpoint


def endpoints_erase(user: User, remove_contributions: bool) -> None:
    Endpoint.objects.filter(owner=user).delete()


def register() -> None:
    personal_data.register_rows(
        "webhook_endpoints",
        lambda user: Endpoint.objects.filter(owner=user),
        "url description event_types is_active disabled_reason created_at",
        erase=endpoints_erase,
    )
