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
  and refreshes the room's presence in Redis (livestream.shared: one set of user ids
  per process per room; the count is their union, so a person with tabs on two
  processes is one viewer).
- Rate limits are per user across processes (livestream.shared, a bucket in Redis).
- A Redis outage is one warning per process and one "recovered" line
  (livestream.shared.redis_outage); rooms keep working on each process meanwhile, and
  the tick delivers from the database what other processes saved during it.

Sockets (livestream.consumers.RoomConsumer) implement `push(seq, text, frame)`
(never blocks; `frame` is the text's WebSocket frame, encoded once per message for
all of the room's sockets, livestream.frames; a socket whose buffer is full queues
and catches up in a task of its own, so one slow viewer cannot stall a room) and
`control(action)`.
"""

import asyncio
import json
import logging
import uuid
import weakref
from collections import Counter
from datetime import UTC, datetime
from typing import Protocol

import redis
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from livestream.broadcast import CONTROL_GROUP, room_group
from livestream.frames import text_frame
from livestream.models import LiveSession, RoomSequence
from livestream.selectors import room_events_between, room_viewers_entitled
from livestream.services.presence import presence_minute_record
from livestream.shared import SharedRoomState, redis_outage

log = logging.getLogger(__name__)


def _being_cancelled() -> bool:
    """Whether the running task has been asked to stop."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class RoomSocket(Protocol):
    session_id: int
    user_id: int
    sees_held: bool  # the host or a moderator: receives chat held by screening
    rechecked: bool  # a viewer of a paid room: access rechecked (RoomHub._recheck)

    def push(self, seq: int | None, text: str, frame: bytes | None = None) -> None: ...

    def control(self, action: str) -> None: ...


@database_sync_to_async
def _last_seqs(session_ids: list[int]) -> dict[int, int]:
    counters = RoomSequence.objects.filter(session_id__in=session_ids)
    return dict(counters.values_list("session_id", "last_seq"))


@database_sync_to_async
def _events_between(session_id: int, after: int, before: int) -> list[tuple[int, str, bool]]:
    events = room_events_between(session_id=session_id, after=after, before=before)
    return [(seq, json.dumps(frame, ensure_ascii=False), held) for seq, frame, held in events]


@database_sync_to_async
def _entitled(session_id: int, user_ids: set[int]) -> set[int]:
    return room_viewers_entitled(session_id=session_id, user_ids=user_ids)


@database_sync_to_async
def _presence_minute_record(session_id: int, minute: datetime, viewers: int) -> None:
    presence_minute_record(session_id=session_id, minute=minute, viewers=viewers)


class _Room:
    def __init__(self, session_id: int):
        self.session_id = session_id
        self.sockets: set[RoomSocket] = set()
        self.sockets_per_user: Counter[int] = Counter()
        self.ready = asyncio.Event()
        self.lock = asyncio.Lock()  # one delivery at a time, in sequence order
        self.last_seq = 0
        self.shared_viewers: int | None = None  # across processes, from Redis
        self.minute: datetime | None = None  # the minute being counted, and its peak
        self.minute_peak = 0
        self.viewers_sent: int | None = None
        self.empty_ticks = 0
        self.session: LiveSession | None = None  # one copy for the room's sockets

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
        # Rate limits and presence, shared with the other processes through Redis.
        self.shared = SharedRoomState(self.id)
        self._background: set[asyncio.Task] = set()

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
        new_user = socket.user_id not in room.sockets_per_user
        room.add(socket)
        room.empty_ticks = 0
        if new_user:
            count = await self.shared.presence(room.session_id, {socket.user_id}, replace=False)
            if count is not None:
                room.shared_viewers = count

    def room_session(self, session: LiveSession) -> LiveSession:
        """One copy of a room's session (with its channel, creator, tier...) for all
        of the process's sockets in it, instead of one each: what a socket keeps is
        a snapshot of its connect either way (services read the session again), and
        a copy whose status or access differs from a newer one is replaced."""
        room = self.rooms.get(session.pk)
        if room is None:
            return session
        kept = room.session
        if kept is None or (kept.status, kept.access, kept.required_tier_id) != (
            session.status, session.access, session.required_tier_id
        ):  # fmt: skip
            room.session = session
            return session
        return kept

    def leave(self, socket: RoomSocket) -> None:
        room = self.rooms.get(socket.session_id)
        if room is not None:
            room.discard(socket)
            if socket.user_id not in room.sockets_per_user:
                task = asyncio.get_running_loop().create_task(
                    self.shared.presence_leave(room.session_id, socket.user_id)
                )
                self._background.add(task)
                task.add_done_callback(self._background.discard)

    def viewers(self, session_id: int) -> int:
        """Distinct people in the room across every process (as of this process's
        last look at Redis); this process's own while Redis is down."""
        room = self.rooms.get(session_id)
        if room is None:
            return 0
        if room.shared_viewers is None or redis_outage.down:
            return room.local_viewers()
        return max(room.shared_viewers, room.local_viewers())

    async def allow(self, user_id: int) -> bool:
        """Token bucket per user across processes: LIVESTREAM_RATE_BURST at once,
        refilled LIVESTREAM_RATE_PER_SECOND."""
        return await self.shared.allow(user_id)

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
        await self.shared.close()
        self.shared = SharedRoomState(self.id)

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
                asyncio.create_task(self._recheck_loop(), name="live-hub-recheck"),
            ]
            self._started.set_result(None)
        await self._started

    async def _receive_loop(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis went away: retry; the tick re-joins groups
                if self._stopping or _being_cancelled():
                    # redis-py turns a cancelled read into its own TimeoutError.
                    raise asyncio.CancelledError from None
                redis_outage.failed("channel layer receive", exc)
                await asyncio.sleep(0.5)
                continue
            redis_outage.ok()
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
        elif kind == "room.events":  # a batch, in sequence order
            room = self.rooms.get(message["session"])
            if room is not None:
                await room.ready.wait()
                for seq, text, held in message["events"]:
                    await self._deliver(room, seq, text, held=held)
        elif kind == "room.control":
            self._control(message)

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
        if not room.sockets:
            return
        frame = text_frame(text)  # once per message, not once per viewer
        for socket in tuple(room.sockets):
            if not held or socket.sees_held:
                socket.push(seq, text, frame)

    async def _presence_minute(self, room: _Room) -> None:
        """Store the most viewers seen in each minute (when the next one starts)."""
        minute = datetime.now(UTC).replace(second=0, microsecond=0)
        if room.minute is not None and minute != room.minute:
            await _presence_minute_record(room.session_id, room.minute, room.minute_peak)
            room.minute_peak = 0
        room.minute = minute
        room.minute_peak = max(room.minute_peak, self.viewers(room.session_id))

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
            except Exception as exc:
                if self._stopping or _being_cancelled():
                    raise asyncio.CancelledError from None
                if _is_redis_error(exc):
                    redis_outage.failed("tick", exc)
                else:
                    log.warning("live hub: tick failed", exc_info=True)

    async def _tick(self) -> None:
        self.shared.local.prune()
        for session_id, room in list(self.rooms.items()):
            if not room.sockets:
                room.empty_ticks += 1
                if room.empty_ticks >= 2:
                    del self.rooms[session_id]
                    await self.layer.group_discard(room_group(session_id), self.channel_name)
        if not self.rooms:
            return
        latest = await _last_seqs(list(self.rooms))
        try:
            await self.layer.group_add(CONTROL_GROUP, self.channel_name)
            for session_id in list(self.rooms):
                await self.layer.group_add(room_group(session_id), self.channel_name)
        except Exception as exc:  # noqa: BLE001 - Redis down: deliver from the database
            if not _is_redis_error(exc):
                raise
            redis_outage.failed("tick", exc)
        else:
            redis_outage.ok()
        for session_id, room in list(self.rooms.items()):
            room.shared_viewers = await self.shared.presence(
                session_id, set(room.sockets_per_user), replace=True
            )
            await self._presence_minute(room)
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

    async def _recheck_loop(self) -> None:
        """Every LIVESTREAM_ACCESS_RECHECK_SECONDS, per paid room, one query for all of
        its viewers' entitlements (a subscription that simply ran out; refunds and bans
        close sockets at once through control messages). A viewer it does not clear
        gets the socket's own full check, which closes it with the right reason (or
        keeps it: staff, a moderator made meanwhile)."""
        while True:
            await asyncio.sleep(settings.LIVESTREAM_ACCESS_RECHECK_SECONDS)
            for session_id, room in list(self.rooms.items()):
                sockets = [s for s in room.sockets if s.rechecked]
                if not sockets:
                    continue
                try:
                    allowed = await _entitled(session_id, {s.user_id for s in sockets})
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.warning("live hub: access recheck failed", exc_info=True)
                    continue
                for socket in sockets:
                    if socket.user_id not in allowed and socket in room.sockets:
                        socket.control("recheck")


def _is_redis_error(exc: BaseException) -> bool:
    return isinstance(exc, (redis.RedisError, OSError))


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
