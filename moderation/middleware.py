"""Banned users are logged out, with the reason and the expiry, and cannot log in.

No database query on ordinary requests: an active site-wide ban is written to the
cache when it is imposed (and when a banned user logs in), and the ban also deletes
the user's stored sessions. The middleware checks the cache before the view (an
existing session) and after it (the request that just logged the user in).
"""

import contextlib

from django.contrib import messages
from django.contrib.auth import logout
from django.core.cache import cache
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from moderation.selectors import user_is_banned


def ban_cache_key(user_id) -> str:
    return f"moderation:banned:{user_id}"


def ban_cache_set(ban) -> None:
    """Remember an active site-wide ban until it expires."""
    timeout = None
    if ban.expires_at is not None:
        timeout = max(1, int((ban.expires_at - timezone.now()).total_seconds()))
    with contextlib.suppress(Exception):  # sessions are deleted anyway; login re-checks
        cache.set(ban_cache_key(ban.user_id), ban.pk, timeout)


def ban_cache_drop(user_id) -> None:
    with contextlib.suppress(Exception):
        cache.delete(ban_cache_key(user_id))


def _cached_ban(user) -> bool:
    try:
        return bool(cache.get(ban_cache_key(user.pk)))
    except Exception:  # noqa: BLE001 - a cache outage must not log everyone out
        return False


def user_logged_in_check(sender, request, user, **kwargs) -> None:
    """Signal receiver: a login is checked against the database (one query), so a
    ban applies even when the cache lost it."""
    ban = user_is_banned(user)
    if ban is not None:
        ban_cache_set(ban)


class BannedUserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def _banned(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not _cached_ban(user):
            return None
        ban = user_is_banned(user)
        if ban is None:  # lifted or expired meanwhile
            ban_cache_drop(user.pk)
        return ban

    def _log_out(self, request, ban):
        from moderation.services import _when

        logout(request)
        messages.error(
            request,
            _("Your account is banned %(until)s: %(reason)s")
            % {"until": _when(ban.expires_at), "reason": ban.reason},
        )
        return redirect("account_login")

    def __call__(self, request):
        ban = self._banned(request)
        if ban is not None:
            return self._log_out(request, ban)
        response = self.get_response(request)
        ban = self._banned(request)  # this request may just have logged them in
        if ban is not None:
            return self._log_out(request, ban)
        return response
