"""Active site-wide bans, remembered in the shared cache so that the middleware needs
no database query on ordinary requests (see moderation.middleware)."""

import contextlib

from django.core.cache import cache
from django.utils import timezone

from accounts.models import User
from moderation.models import Sanction


def ban_cache_key(user_id: int) -> str:
    return f"moderation:banned:{user_id}"


def ban_cache_set(ban: Sanction) -> None:
    """Remember an active site-wide ban until it expires."""
    timeout = None
    if ban.expires_at is not None:
        timeout = max(1, int((ban.expires_at - timezone.now()).total_seconds()))
    with contextlib.suppress(Exception):  # sessions are deleted anyway; login re-checks
        cache.set(ban_cache_key(ban.user_id), ban.pk, timeout)


def ban_cache_drop(user_id: int) -> None:
    with contextlib.suppress(Exception):
        cache.delete(ban_cache_key(user_id))


def ban_cached(user: User) -> bool:
    try:
        return bool(cache.get(ban_cache_key(user.pk)))
    except Exception:  # noqa: BLE001 - a cache outage must not log everyone out
        return False
