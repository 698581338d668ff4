"""A busy room's chat, written in batches: several messages per transaction, each
still saved before it is broadcast.

Every chat message costs one transaction: the sender's checks, the room's counter
(livestream.services.rooms), the INSERT, the COMMIT. One at a time, that caps a room
at what one database round trip allows, and a socket's next frame waited for the
previous one's commit. Here each server process has one writer per room with chat
in flight: sockets hand it their messages (`chat_submit`) and go on reading; the
writer saves what has queued up meanwhile in one transaction
(`services.chat_posts`: one counter upsert and one multi-row INSERT for all of
them), then answers each sender. An idle room's message is written at once (a batch
of one, no waiting for company); while a write is in progress the next batch
gathers, up to LIVESTREAM_CHAT_BATCH messages. The writer's task ends when its
queue is empty: a quiet room holds no task.

Order: a room's messages from this process take numbers in the order they reached
the writer; a socket's messages keep their order (one writer per room).
"""

import asyncio
import logging
import weakref
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from livestream import services
from livestream.models import LiveSession, RoomEvent

log = logging.getLogger(__name__)

Result = RoomEvent | ValidationError | PermissionDenied


@dataclass
class _RoomWriter:
    session: LiveSession
    queue: list[tuple[services.ChatPost, asyncio.Future]] = field(default_factory=list)
    task: asyncio.Task | None = None


# Per event loop (a server process has one; tests start one per test), per room.
_writers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, _RoomWriter]]" = (
    weakref.WeakKeyDictionary()
)


def chat_submit(session: LiveSession, post: services.ChatPost) -> "asyncio.Future[Result]":
    """Queue a chat message for the room's writer; the future gives its saved event,
    or the ValidationError / PermissionDenied that refused it (an error of the
    database is raised from it)."""
    loop = asyncio.get_running_loop()
    rooms = _writers.setdefault(loop, {})
    writer = rooms.get(session.pk)
    if writer is None:
        writer = rooms[session.pk] = _RoomWriter(session)
    future: asyncio.Future[Result] = loop.create_future()
    writer.queue.append((post, future))
    if writer.task is None:
        writer.task = loop.create_task(_write(writer, rooms), name=f"live-chat-{session.pk}")
    return future


_chat_posts = database_sync_to_async(services.chat_posts)


async def _write(writer: _RoomWriter, rooms: dict[int, _RoomWriter]) -> None:
    try:
        while writer.queue:
            limit = settings.LIVESTREAM_CHAT_BATCH
            batch, writer.queue = writer.queue[:limit], writer.queue[limit:]
            try:
                results = await _chat_posts(session=writer.session, posts=[p for p, _ in batch])
            except asyncio.CancelledError:
                for _post, future in batch:
                    future.cancel()
                raise
            except Exception as exc:  # the database failed the batch: each sender hears
                log.warning("live chat: a batch of %d failed", len(batch), exc_info=True)
                for _post, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_post, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
    finally:
        writer.task = None
        for _post, future in writer.queue:  # cancelled with messages still queued
            future.cancel()
        writer.queue = []
        if rooms.get(writer.session.pk) is writer:
            del rooms[writer.session.pk]
