"""An experiment of the rooms benchmark, not the product: the room socket with a direct send.

    bench_rooms --servers ours,direct,plain

Serves `ws/live/<id>/` with livestream.consumers.RoomConsumer changed in one place,
to measure what a proposed change to livestream/ would buy before making it:

- `push()` sends the frame at once, in the hub's loop, through the server's own ASGI
  `send` (kept in the scope by `RawSend` below, before Channels' session middleware
  wraps it), instead of queueing it and waking the socket's writer task, which then
  goes through four layers of `send` (AsyncWebsocketConsumer -> AsyncConsumer ->
  channels.sessions.InstanceSessionWrapper, which reads the lazy session on every
  frame -> the server). uvicorn's `send` only suspends when the socket's buffer is
  full; then the rest of that send finishes in a task and the socket falls back to
  its outbox and writer, as today, so a slow viewer still cannot stall the room.
- the queue limit is read from settings once per socket, not once per frame.

Everything else (authentication, access, the hub, the database, the channel layer)
is the product's code. Run by bench_rooms as the `direct` server kind.
"""

import asyncio

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.conf import settings
from django.core.asgi import get_asgi_application
from django.urls import path

django_asgi_app = get_asgi_application()

from livestream.consumers import RoomConsumer  # noqa: E402


class RawSend:
    """Keeps the server's `send` in the scope for the socket's direct path."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        return await self.app({**scope, "bench.raw_send": send}, receive, send)


async def _finish(coro, future) -> None:
    """Run a send coroutine that suspended on `future` to its end."""
    while True:
        try:
            await future
        except BaseException as exc:  # noqa: BLE001 - handed back to the coroutine
            try:
                future = coro.throw(exc)
            except StopIteration:
                return
            continue
        try:
            future = coro.send(None)
        except StopIteration:
            return


class DirectRoomConsumer(RoomConsumer):
    async def connect(self):
        self._raw_send = self.scope["bench.raw_send"]
        self._max_queued = settings.LIVESTREAM_MAX_QUEUED_FRAMES
        self._pending: asyncio.Task | None = None
        self._writing = False
        await super().connect()

    def push(self, seq, text, frame=None):
        if (
            self._outbox
            or self._writer is None
            or self._closing
            or self._pending is not None
            or self._writing
        ):
            return super().push(seq, text)  # a backlog: keep order behind it
        if seq is not None:
            if seq <= self.last_seq:
                return
            self.last_seq = seq
        coro = self._raw_send({"type": "websocket.send", "text": text})
        try:
            future = coro.send(None)
        except StopIteration:
            return  # sent without waiting: the usual case
        except Exception:  # noqa: BLE001 - the socket is gone; disconnect() follows
            return
        # The socket's buffer is full: finish this frame in a task; later frames queue.
        self._pending = asyncio.get_running_loop().create_task(_finish(coro, future))
        self._pending.add_done_callback(self._sent)

    def _sent(self, _task) -> None:
        self._pending = None
        if self._outbox:
            self._wake.set()

    async def _write_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._pending is not None:
                await self._pending
            self._writing = True
            try:
                while self._outbox:
                    seq, text = self._outbox.popleft()
                    if seq is not None:
                        if seq <= self.last_seq:
                            continue
                        self.last_seq = seq
                    await self.send(text_data=text)
            finally:
                self._writing = False


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": RawSend(
            AllowedHostsOriginValidator(
                AuthMiddlewareStack(
                    URLRouter([path("ws/live/<int:pk>/", DirectRoomConsumer.as_asgi())])
                )
            )
        ),
    }
)
