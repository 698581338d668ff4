"""ASGI entry point: HTTP and WebSockets (Channels).

WebSocket routes are collected from the apps' `routing.py` modules as they land.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from core.origins import SiteOriginValidator  # noqa: E402


class KeepServerSend:
    """Keep the server's own `send` in the scope as `server_send`.

    Channels' middleware wraps `send` in layers (the session wrapper reads the lazy
    session on every frame); live room sockets send thousands of frames a second
    and use this one directly for them (livestream.consumers).
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        return await self.app({**scope, "server_send": send}, receive, send)


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SiteOriginValidator(
            KeepServerSend(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
