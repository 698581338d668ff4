from django.db import transaction

from accounts.models import User


@transaction.atomic
def user_update_profile(
    *, user: User, display_name: str, bio: str = "", preferred_language: str = ""
) -> User:
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    user.preferred_language = preferred_language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "bio", "preferred_language"])
    return user
