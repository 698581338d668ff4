"""WebSocket URL patterns of every app, in one list for config.asgi."""

from django.urls import path

from config.health import HealthConsumer

websocket_urlpatterns = [
    path("ws/health/", HealthConsumer.as_asgi()),
]
