"""Banned users are logged out on their next request, with the reason and expiry."""

import contextlib

from django.contrib import messages
from django.contrib.auth import logout
from django.core.cache import cache
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from moderation.selectors import user_is_banned

CACHE_SECONDS = 30


def ban_cache_key(user_id) -> str:
    return f"moderation:banned:{user_id}"


class BannedUserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            key = ban_cache_key(user.pk)
            try:
                banned = cache.get(key)
            except Exception:  # noqa: BLE001 - without the cache, ask the database
                banned = None
            if banned is None:
                ban = user_is_banned(user)
                banned = ban.pk if ban else 0
                with contextlib.suppress(Exception):  # a cache outage only costs a query
                    cache.set(key, banned, CACHE_SECONDS)
            if banned:
                ban = user_is_banned(user)
                if ban is not None:
                    from moderation.services import _when

                    logout(request)
                    messages.error(
                        request,
                        _("Your account is banned %(until)s: %(reason)s")
                        % {"until": _when(ban.expires_at), "reason": ban.reason},
                    )
                    return redirect("account_login")
        return self.get_response(request)
