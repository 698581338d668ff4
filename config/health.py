"""Health checks for load balancers and for the tests: database, cache, channel layer.

`/healthz/` answers 200 with each component's state, or 503 naming the one that
failed. `ws/health/` echoes a message back through the channel layer, which proves
WebSockets, the ASGI server and (in production) Redis pub/sub work end to end.
"""

import uuid

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=5)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)


@never_cache
def healthz(request):
    report = {}
    healthy = True
    for name, check in (("database", _check_database), ("cache", _check_cache)):
        try:
            check()
            report[name] = "ok"
        except Exception as exc:  # a health check reports failures, it must not raise
            healthy = False
            report[name] = f"error: {exc.__class__.__name__}"
    report["status"] = "ok" if healthy else "error"
    return JsonResponse(report, status=200 if healthy else 503)


class HealthConsumer(AsyncJsonWebsocketConsumer):
    """Echo over the channel layer: client -> group_send -> every socket in the group."""

    group_name = "health"

    async def connect(self):
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content, **kwargs):
        text = str(content.get("echo", ""))[:200]
        await self.channel_layer.group_send(self.group_name, {"type": "health.echo", "echo": text})

    async def health_echo(self, event):
        await self.send_json({"echo": event["echo"]})
