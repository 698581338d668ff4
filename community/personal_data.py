"""community's personal data (accounts.personal_data), registered from
CommunityConfig.ready(): whom the user follows."""

from accounts import personal_data
from accounts.models import User
from community.models import Follow


def follows_export(user: User) -> personal_data.Rows:
    return [
        {
            "creator": follow.creator.display_name if follow.creator else None,
            "channel": follow.channel.title if follow.channel else None,
            "created_at": follow.created_at.isoformat(),
        }
        for follow in Follow.objects.filter(user=user).select_related("creator", "channel")
    ]


def follows_erase(user: User, remove_contributions: bool) -> None:
    Follow.objects.filter(user=user).delete()


def register() -> None:
    personal_data.register("follows", export=follows_export, erase=follows_erase, order=40)
