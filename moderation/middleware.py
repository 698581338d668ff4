"""Banned users are logged out, with the reason and the expiry, and cannot log in.

No database query on ordinary requests: an active site-wide ban is written to the
cache when it is imposed (and when a banned user logs in), and the ban also deletes
the user's stored sessions. The middleware checks the cache before the view (an
existing session) and after it (the request that just logged the user in).
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.models import User
from moderation.ban_cache import ban_cache_drop, ban_cache_set, ban_cached
from moderation.models import Sanction
from moderation.selectors import user_is_banned


def user_logged_in_check(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """Signal receiver: a login is checked against the database (one query), so a
    ban applies even when the cache lost it."""
    ban = user_is_banned(user)
    if ban is not None:
        ban_cache_set(ban)


class BannedUserMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def _banned(self, request: HttpRequest) -> Sanction | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not ban_cached(user):
            return None
        ban = user_is_banned(user)
        if ban is None:  # lifted or expired meanwhile
            ban_cache_drop(user.pk)
        return ban

    def _log_out(self, request: HttpRequest, ban: Sanction) -> HttpResponseBase:
        logout(request)
        messages.error(
            request,
            _("Your account is banned %(until)s: %(reason)s")
            % {"until": ban.until, "reason": ban.reason},
        )
        return redirect("account_login")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        ban = self._banned(request)
        if ban is not None:
            return self._log_out(request, ban)
        response = self.get_response(request)
        ban = self._banned(request)  # this request may just have logged them in
        if ban is not None:
            return self._log_out(request, ban)
        return response
