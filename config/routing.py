"""WebSocket URL patterns of every app, in one list for config.asgi."""

from django.urls import path

from config.health import HealthConsumer
from livestream.routing import websocket_urlpatterns as livestream_urls

websocket_urlpatterns = [
    path("ws/health/", HealthConsumer.as_asgi()),
    *livestream_urls,
]
