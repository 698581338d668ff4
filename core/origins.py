"""Which browser origins may talk to the site: exact (scheme, host, port) matches.

A WebSocket handshake is not covered by CSRF protection, so the room socket checks
the Origin header itself. Channels' AllowedHostsOriginValidator matches the host
only (any scheme, any port), which lets a page on http://127.0.0.1:9999 open a
socket to a site on http://127.0.0.1:8000.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def origin_key(origin: str) -> tuple[str, str, int] | None:
    """("https", "example.com", 443) for "https://example.com", None if malformed."""
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def site_origins() -> set[tuple[str, str, int]]:
    """SITE_URL's origin, CSRF_TRUSTED_ORIGINS and WEBSOCKET_ALLOWED_ORIGINS."""
    configured = [
        settings.SITE_URL,
        *settings.CSRF_TRUSTED_ORIGINS,
        *settings.WEBSOCKET_ALLOWED_ORIGINS,
    ]
    return {key for key in map(origin_key, configured) if key is not None}


def origin_allowed(origin: str | None) -> bool:
    """True only for an Origin equal in scheme, host and port to a site origin."""
    if not origin:
        return False
    key = origin_key(origin)
    return key is not None and key in site_origins()


class SiteOriginValidator:
    """ASGI middleware: close a WebSocket handshake whose Origin is not the site's."""

    def __init__(self, app):  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "websocket":
            origin = dict(scope.get("headers", [])).get(b"origin", b"").decode("latin1")
            if not origin_allowed(origin):
                return await WebsocketDenier()(scope, receive, send)
        return await self.app(scope, receive, send)
