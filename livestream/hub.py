"""One subscription per process per room, and a local fan-out to that process's sockets.

Stock Channels gives every consumer its own channel, so a room of N viewers costs N
channel-layer deliveries per message (through Redis in production). Here each
server process has one hub: it joins the room's group once, receives each room
event once, and hands the already-serialised frame to its local sockets. This is how
Phoenix and Centrifugo fan out.

The hub also keeps the guarantees viewers rely on:
- Order without gaps: it delivers events strictly by sequence number. If an event
  arrives ahead of one it has not seen (two processes committed close together, a
  message was dropped, Redis restarted), it reads the missing ones from the
  database, where every event is saved before it is published.
- A tick every LIVESTREAM_TICK_SECONDS: renews group memberships (lost if Redis
  restarts), compares each room with the database and delivers anything missed,
  and exchanges viewer counts with the other processes (one small message per
  process per room per tick, however many viewers).

Sockets (livestream.consumers.RoomConsumer) implement `push(seq, text)` (never
blocks; each socket has its own writer task, so one slow viewer cannot stall a room)
and `control(action)`.
"""

import asyncio
import json
import logging
import time
import uuid
import weakref
from collections import Counter
from typing import Protocol

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from livestream.broadcast import CONTROL_GROUP, room_group
from livestream.models import LiveSession
from livestream.selectors import room_events_between

log = logging.getLogger(__name__)


def _being_cancelled() -> bool:
    """Whether the running task has been asked to stop."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class RoomSocket(Protocol):
    session_id: int
    user_id: int
    sees_held: bool  # the host or a moderator: receives chat held by screening

    def push(self, seq: int | None, text: str) -> None: ...

    def control(self, action: str) -> None: ...


@database_sync_to_async
def _last_seqs(session_ids: list[int]) -> dict[int, int]:
    return dict(LiveSession.objects.filter(pk__in=session_ids).values_list("pk", "last_seq"))


@database_sync_to_async
def _events_between(session_id: int, after: int, before: int) -> list[tuple[int, str, bool]]:
    events = room_events_between(session_id=session_id, after=after, before=before)
    return [(seq, json.dumps(frame, ensure_ascii=False), held) for seq, frame, held in events]


class _Room:
    def __init__(self, session_id: int):
        self.session_id = session_id
        self.sockets: set[RoomSocket] = set()
        self.sockets_per_user: Counter[int] = Counter()
        self.ready = asyncio.Event()
        self.lock = asyncio.Lock()  # one delivery at a time, in sequence order
        self.last_seq = 0
        self.reports: dict[str, tuple[int, float]] = {}  # other hub -> (viewers, expires)
        self.viewers_sent: int | None = None
        self.empty_ticks = 0

    def add(self, socket: RoomSocket) -> None:
        if socket not in self.sockets:
            self.sockets.add(socket)
            self.sockets_per_user[socket.user_id] += 1

    def discard(self, socket: RoomSocket) -> None:
        if socket in self.sockets:
            self.sockets.discard(socket)
            self.sockets_per_user[socket.user_id] -= 1
            if not self.sockets_per_user[socket.user_id]:
                del self.sockets_per_user[socket.user_id]

    def local_viewers(self) -> int:
        """Distinct people: a second tab is not a second viewer."""
        return len(self.sockets_per_user)


class RoomHub:
    def __init__(self):
        self.layer = get_channel_layer()
        self.id = uuid.uuid4().hex
        self.rooms: dict[int, _Room] = {}
        self.channel_name: str | None = None
        self._started: asyncio.Future | None = None
        self._tasks: list[asyncio.Task] = []
        self._stopping = False
        # Per-user token buckets, shared by all of a user's sockets in this process.
        self.buckets: dict[int, list[float]] = {}

    # --- sockets -------------------------------------------------------------

    async def join(self, socket: RoomSocket) -> None:
        await self._start()
        room = self.rooms.get(socket.session_id)
        if room is None:
            room = self.rooms[socket.session_id] = _Room(socket.session_id)
            await self.layer.group_add(room_group(room.session_id), self.channel_name)
            # Joined first, read second: any event committed after this read reaches
            # the group; anything before it is in the database for the socket's
            # catch-up.
            room.last_seq = (await _last_seqs([room.session_id])).get(room.session_id, 0)
            room.ready.set()
        await room.ready.wait()
        room.add(socket)
        room.empty_ticks = 0

    def leave(self, socket: RoomSocket) -> None:
        room = self.rooms.get(socket.session_id)
        if room is not None:
            room.discard(socket)

    def viewers(self, session_id: int) -> int:
        room = self.rooms.get(session_id)
        if room is None:
            return 0
        now = time.monotonic()
        others = sum(n for n, expires in room.reports.values() if expires > now)
        return room.local_viewers() + others

    def allow(self, user_id: int) -> bool:
        """Token bucket: LIVESTREAM_RATE_BURST at once, refilled per second."""
        burst = settings.LIVESTREAM_RATE_BURST
        rate = settings.LIVESTREAM_RATE_PER_SECOND
        now = time.monotonic()
        tokens, at = self.buckets.get(user_id, (burst, now))
        tokens = min(burst, tokens + (now - at) * rate)
        if tokens < 1:
            self.buckets[user_id] = [tokens, now]
            return False
        self.buckets[user_id] = [tokens - 1, now]
        return True

    async def stop(self) -> None:
        """Cancel the loops and leave the groups (server shutdown, end of a test).

        A receive left pending when its event loop closes would keep channels-redis
        believing that loop still receives.
        """
        self._stopping = True
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        self._stopping = False
        if self.channel_name is not None:
            for session_id in list(self.rooms):
                await self.layer.group_discard(room_group(session_id), self.channel_name)
            await self.layer.group_discard(CONTROL_GROUP, self.channel_name)
        self.rooms.clear()
        self._started = None

    def _buckets_prune(self) -> None:
        """Forget users whose bucket has refilled: the same as never having sent."""
        full_after = settings.LIVESTREAM_RATE_BURST / settings.LIVESTREAM_RATE_PER_SECOND
        now = time.monotonic()
        for user_id, (_tokens, at) in list(self.buckets.items()):
            if now - at > full_after:
                del self.buckets[user_id]

    # --- the loops -----------------------------------------------------------

    async def _start(self) -> None:
        if self._started is None:
            self._started = asyncio.get_running_loop().create_future()
            try:
                self.channel_name = await self.layer.new_channel(prefix="live-hub")
                await self.layer.group_add(CONTROL_GROUP, self.channel_name)
            except BaseException as exc:
                self._started.set_exception(exc)
                self._started.exception()  # retrieved: later joiners re-raise it
                self._started = None
                raise
            self._tasks = [
                asyncio.create_task(self._receive_loop(), name="live-hub-receive"),
                asyncio.create_task(self._tick_loop(), name="live-hub-tick"),
            ]
            self._started.set_result(None)
        await self._started

    async def _receive_loop(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis went away: retry; the tick re-joins groups
                if self._stopping or _being_cancelled():
                    # redis-py turns a cancelled read into its own TimeoutError.
                    raise asyncio.CancelledError from None
                log.warning("live hub: channel layer receive failed", exc_info=True)
                await asyncio.sleep(0.5)
                continue
            try:
                await self._dispatch(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live hub: could not handle %s", message.get("type"))

    async def _dispatch(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "room.event":
            room = self.rooms.get(message["session"])
            if room is not None:
                await room.ready.wait()
                await self._deliver(
                    room, message["seq"], message["text"], held=message.get("held", False)
                )
        elif kind == "room.control":
            self._control(message)
        elif kind == "room.presence" and message.get("hub") != self.id:
            room = self.rooms.get(message["session"])
            if room is not None:
                expires = time.monotonic() + 3 * settings.LIVESTREAM_TICK_SECONDS
                room.reports[message["hub"]] = (int(message["viewers"]), expires)

    async def _deliver(self, room: _Room, seq: int, text: str, *, held: bool = False) -> None:
        async with room.lock:
            if seq <= room.last_seq:
                return  # already delivered (the tick found it first)
            if seq > room.last_seq + 1:
                for missed_seq, missed_text, missed_held in await _events_between(
                    room.session_id, room.last_seq, seq
                ):
                    self._fan_out(room, missed_seq, missed_text, held=missed_held)
            self._fan_out(room, seq, text, held=held)

    def _fan_out(self, room: _Room, seq: int, text: str, *, held: bool = False) -> None:
        """Hand the frame to the room's sockets; a held chat message only to those
        who see held messages (the others just skip its number)."""
        room.last_seq = seq
        for socket in tuple(room.sockets):
            if not held or socket.sees_held:
                socket.push(seq, text)

    def _control(self, message: dict) -> None:
        users = message.get("users")
        session_id = message.get("session")
        rooms = [self.rooms.get(session_id)] if session_id is not None else self.rooms.values()
        for room in rooms:
            if room is None:
                continue
            for socket in tuple(room.sockets):
                if users is None or socket.user_id in users:
                    socket.control(message["action"])

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(settings.LIVESTREAM_TICK_SECONDS)
            try:
                await self._tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                if self._stopping or _being_cancelled():
                    raise asyncio.CancelledError from None
                log.warning("live hub: tick failed", exc_info=True)

    async def _tick(self) -> None:
        self._buckets_prune()
        for session_id, room in list(self.rooms.items()):
            if not room.sockets:
                room.empty_ticks += 1
                if room.empty_ticks >= 2:
                    del self.rooms[session_id]
                    await self.layer.group_discard(room_group(session_id), self.channel_name)
        if not self.rooms:
            return
        await self.layer.group_add(CONTROL_GROUP, self.channel_name)
        latest = await _last_seqs(list(self.rooms))
        for session_id, room in list(self.rooms.items()):
            await self.layer.group_add(room_group(session_id), self.channel_name)
            await self.layer.group_send(
                room_group(session_id),
                {"type": "room.presence", "session": session_id, "hub": self.id,
                 "viewers": room.local_viewers()},
            )  # fmt: skip
            if latest.get(session_id, 0) > room.last_seq:
                async with room.lock:
                    for seq, text, held in await _events_between(
                        session_id, room.last_seq, latest[session_id] + 1
                    ):
                        self._fan_out(room, seq, text, held=held)
            viewers = self.viewers(session_id)
            if viewers != room.viewers_sent:
                room.viewers_sent = viewers
                text = json.dumps({"type": "presence", "viewers": viewers})
                for socket in tuple(room.sockets):
                    socket.push(None, text)


# One hub per event loop: a server process has one loop; tests start a loop per test.
_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RoomHub]" = weakref.WeakKeyDictionary()


def hub_get() -> RoomHub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = RoomHub()
    return hub


async def hub_stop() -> None:
    hub = _hubs.pop(asyncio.get_running_loop(), None)
    if hub is not None:
        await hub.stop()
