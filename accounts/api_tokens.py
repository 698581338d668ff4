"""Personal API tokens: create (shown once), list, revoke; and DRF's side of them.

Clients send `Authorization: Bearer zl_<40 characters>`. A token authenticates as
its owner; a `read` token is refused (403) on anything but GET, HEAD and OPTIONS.
An unknown, revoked or malformed token is a 401 with a `WWW-Authenticate: Bearer`
challenge (RFC 6750), whichever authentication comes first for the view.
Last use is stamped at most once a minute, so reads stay cheap.
"""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from accounts.models import ApiToken, User
from core.validators import control_characters_refuse

TOKEN_PREFIX = "zl_"
MAX_TOKENS_PER_USER = 20
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token and its secret (the only time the secret is seen)."""
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ValidationError({"name": [_("Name the token in 1 to 60 characters.")]})
    control_characters_refuse(name, field="name", multiline=False)
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": [_("Choose read or write.")]})
    User.objects.select_for_update().filter(pk=user.pk).first()  # one count at a time
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_TOKENS_PER_USER:
        raise ValidationError(
            _("Revoke a token first: you have %(n)d.") % {"n": MAX_TOKENS_PER_USER}
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user, name=name, scope=scope, prefix=raw[:10], digest=_digest(raw)
    )
    return token, raw


def api_token_revoke(*, user: User, pk: int) -> ApiToken:
    """Revoke one of the user's tokens (404 for anyone else's)."""
    token = ApiToken.objects.filter(user=user, pk=pk, revoked_at__isnull=True).first()
    if token is None:
        raise Http404
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def api_tokens_for(*, user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))


class TokenInvalid(exceptions.AuthenticationFailed):
    """A Bearer token was sent and is no good. DRF answers an authentication failure
    with the first authenticator's challenge, and session authentication (first) has
    none, so it would be a 403: core.api_errors makes this one a 401 with ours."""

    www_authenticate = 'Bearer realm="api", error="invalid_token"'


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise TokenInvalid(_("Send one token: Bearer <token>."))
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise TokenInvalid(_("Invalid token.")) from None
        token = (
            ApiToken.objects.select_related("user")
            .filter(digest=_digest(raw), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise TokenInvalid(_("Invalid or revoked token."))
        # Checked here rather than by a permission class: views choose their own
        # permission classes, and no view may let a read token write.
        if token.scope == ApiToken.Scope.READ and request.method not in permissions.SAFE_METHODS:
            raise exceptions.PermissionDenied(_("This token may only read (its scope is read)."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api_tokens.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (`zl_...`) made at /api/v1/tokens/: "
            "scope read (GET only) or write.",
        }
