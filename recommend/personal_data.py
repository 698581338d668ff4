"""recommend's personal data (accounts.personal_data), registered from
RecommendConfig.ready(): behaviour events and the stored recommendation list."""

from accounts import personal_data
from accounts.models import User
from recommend.models import Event
from recommend.services import behaviour_forget


def events_erase(user: User, remove_contributions: bool) -> None:
    behaviour_forget(user_id=user.pk)


def register() -> None:
    personal_data.register_rows(
        "behaviour_events",
        lambda user: Event.objects.filter(user=user),
        "kind item_kind item_id value variant city device referrer created_at",
        erase=events_erase,
        order=40,
    )
