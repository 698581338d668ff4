"""Template context every page needs: the unread-notifications badge in the navigation."""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from accounts.models import Notification, User


def unread_cache_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count_forget(user_id: int) -> None:
    """Drop the cached count; the next page counts again (called on send and read)."""
    cache.delete(unread_cache_key(user_id))


def unread_count(user: User) -> int:
    """One COUNT query at most per user per NOTIFICATIONS_UNREAD_CACHE_SECONDS."""
    key = unread_cache_key(user.pk)
    count: int | None = cache.get(key)
    if count is None:
        count = Notification.objects.filter(
            user_id=user.pk, read_at__isnull=True, in_app=True
        ).count()
        cache.set(key, count, settings.NOTIFICATIONS_UNREAD_CACHE_SECONDS)
    return count


def notifications_unread(request: HttpRequest) -> dict[str, int]:
    """`notifications_unread`: 0 for visitors without a query, else the cached count;
    `notifications_poll_seconds`: how often the header asks for it again."""
    poll = settings.NOTIFICATIONS_POLL_SECONDS
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0, "notifications_poll_seconds": poll}
    return {"notifications_unread": unread_count(user), "notifications_poll_seconds": poll}
