"""What a room's server processes share through Redis: rate limits and presence.

- Rate limits: one token bucket per user in Redis (a Lua script, atomic, on Redis's
  own clock), so a user's budget is the same however many processes and tabs their
  sockets reach.
- Presence: each process's hub keeps, per room, a Redis set of the user ids whose
  sockets it holds, alive for a few ticks (a process that dies stops being counted
  when its set expires), and the room's count is the size of the union of the live
  sets (SUNIONSTORE): a person is counted once across tabs and processes. Phoenix
  Presence merges per-node sets the same way.
- Outages: when Redis fails, the room carries on with what this process knows (its
  own bucket per user, its own viewers) and the process logs ONE warning; when Redis
  answers again, one "recovered" line (`redis_outage`). The hub's channel-layer calls
  and the publishes of room events report to the same tracker.

Without REDIS_URL (the single-process default run) everything is local.
"""

import logging
import threading
import time
from typing import Any

from django.conf import settings
from redis import asyncio as aioredis

log = logging.getLogger(__name__)


class RedisOutage:
    """One warning when Redis first fails, one line when it answers again: a process
    logs an outage, not each failed call (there may be hundreds a second).

    A failure within FLAP_SECONDS of a recovery (a pooled connection that went stale
    in the restart fails on its first use) belongs to the same outage: not logged."""

    FLAP_SECONDS = 10.0

    def __init__(self) -> None:
        self._lock = threading.Lock()  # publishes fail in database threads too
        self.down_since: float | None = None
        self.failures = 0
        self.warned = False
        self.recovered_at = float("-inf")

    def failed(self, what: str, exc: BaseException) -> None:
        with self._lock:
            self.failures += 1
            if self.down_since is not None:
                return
            self.down_since = time.monotonic()
            self.warned = self.down_since - self.recovered_at > self.FLAP_SECONDS
            if not self.warned:
                return
        log.warning(
            "live rooms: Redis unavailable (%s: %s: %s); rooms on this process carry on "
            "locally, events are saved and reach the other processes when it is back",
            what, type(exc).__name__, exc,
        )  # fmt: skip

    def ok(self) -> None:
        if self.down_since is None:
            return
        with self._lock:
            if self.down_since is None:
                return
            now = time.monotonic()
            seconds, failures, warned = now - self.down_since, self.failures, self.warned
            self.down_since, self.failures, self.recovered_at = None, 0, now
        if warned:
            log.warning(
                "live rooms: Redis recovered after %.1f s (%d failed calls)", seconds, failures
            )

    @property
    def down(self) -> bool:
        return self.down_since is not None


redis_outage = RedisOutage()


# Refill, take one token if there is one; Redis's clock, so every process agrees.
_BUCKET_LUA = """
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local held = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(held[1]) or burst
local at = tonumber(held[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return allowed
"""


class LocalBuckets:
    """Per-user token buckets in this process: the fallback, and the default run's."""

    def __init__(self) -> None:
        self.buckets: dict[int, list[float]] = {}

    def allow(self, user_id: int) -> bool:
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

    def prune(self) -> None:
        """Forget users whose bucket has refilled: the same as never having sent."""
        full_after = settings.LIVESTREAM_RATE_BURST / settings.LIVESTREAM_RATE_PER_SECOND
        now = time.monotonic()
        for user_id, (_tokens, at) in list(self.buckets.items()):
            if now - at > full_after:
                del self.buckets[user_id]


def _prefix() -> str:
    config: Any = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
    return f"{config.get('prefix', 'asgi')}:live"


class SharedRoomState:
    """Rate limits and presence of one process's hub, through Redis when there is one.

    Made per event loop (redis-py's asyncio clients belong to one loop)."""

    def __init__(self, hub_id: str) -> None:
        self.hub_id = hub_id
        self.local = LocalBuckets()
        self.redis = None
        self.prefix = _prefix()
        if settings.REDIS_URL:
            # redis-py's asyncio pool stops at 100 connections and then raises "Too
            # many connections": a thousand viewers joining at once need more.
            self.redis = aioredis.from_url(
                settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=2,
                max_connections=1000,
            )  # fmt: skip
            self._bucket = self.redis.register_script(_BUCKET_LUA)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()

    # --- rate limits -------------------------------------------------------------

    async def allow(self, user_id: int) -> bool:
        """LIVESTREAM_RATE_BURST actions at once, refilled LIVESTREAM_RATE_PER_SECOND,
        per user across every process; this process's own bucket while Redis is down."""
        if self.redis is None:
            return self.local.allow(user_id)
        try:
            allowed = await self._bucket(
                keys=[f"{self.prefix}:bucket:{user_id}"],
                args=[settings.LIVESTREAM_RATE_BURST, settings.LIVESTREAM_RATE_PER_SECOND],
            )
        except Exception as exc:  # noqa: BLE001 - Redis down: this process's bucket
            redis_outage.failed("rate limit", exc)
            return self.local.allow(user_id)
        redis_outage.ok()
        return bool(allowed)

    # --- presence ----------------------------------------------------------------

    def _hub_key(self, session_id: int, hub_id: str) -> str:
        return f"{self.prefix}:presence:{session_id}:hub:{hub_id}"

    def _keys(self, session_id: int) -> tuple[str, str, str]:
        room = f"{self.prefix}:presence:{session_id}"
        return self._hub_key(session_id, self.hub_id), f"{room}:hubs", f"{room}:all"

    async def presence(self, session_id: int, user_ids: set[int], *, replace: bool) -> int | None:
        """Record this process's viewers of the room (all of them if `replace`, else
        just add `user_ids`) and return the room's viewers across every process:
        distinct users of the sets of processes seen in the last few ticks. None
        while Redis is down (the caller counts its own)."""
        if self.redis is None:
            return None
        ttl = max(2, int(3 * settings.LIVESTREAM_TICK_SECONDS + 1))
        mine, hubs, union = self._keys(session_id)
        try:
            now = time.time()
            async with self.redis.pipeline(transaction=True) as pipe:
                if replace:
                    pipe.delete(mine)
                if user_ids:
                    pipe.sadd(mine, *user_ids)
                pipe.expire(mine, ttl)
                pipe.zadd(hubs, {self.hub_id: now + ttl})
                pipe.zremrangebyscore(hubs, "-inf", now)
                pipe.expire(hubs, ttl)
                pipe.zrange(hubs, 0, -1)
                live = (await pipe.execute())[-1]
            keys = [self._hub_key(session_id, hub.decode()) for hub in live]
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.sunionstore(union, keys)
                pipe.expire(union, ttl)
                count = (await pipe.execute())[0]
        except Exception as exc:  # noqa: BLE001 - Redis down: the caller counts its own
            redis_outage.failed("presence", exc)
            return None
        redis_outage.ok()
        return int(count)

    async def presence_leave(self, session_id: int, user_id: int) -> None:
        """The user's last socket of the room on this process closed."""
        if self.redis is None:
            return
        try:
            await self.redis.srem(self._keys(session_id)[0], user_id)
        except Exception as exc:  # noqa: BLE001 - the set expires anyway
            redis_outage.failed("presence", exc)
