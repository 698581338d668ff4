"""The live room socket: `ws/live/<session id>/?after=<last seq seen>`.

The protocol (message kinds, fields, errors, close codes) is documented in
docs/live-room-protocol.md; keep the two in step.

Joining: the connection is accepted only for a logged-in user who may watch the
session (the handshake's Origin is checked by config.asgi). The socket then sends a
`welcome`, replays every event after `after` from the database, and from then on
receives live events through the process's room hub (livestream.hub) in sequence
order, with no gaps and no duplicates.

Writes go through livestream.services, which save the event and broadcast it on
commit; this class only parses, rate-limits and reports errors.
"""

import asyncio
import json
import logging
import re
import time
from collections import deque
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from core import events
from livestream import console_selectors, selectors, services
from livestream.chat_writer import chat_submit
from livestream.events import SessionWatched
from livestream.frames import FrameWriter
from livestream.hub import hub_get
from livestream.models import LiveSession, RoomSanction

log = logging.getLogger(__name__)


class CloseCode:
    """WebSocket close codes of the room (4000-4999 are the application's)."""

    BAD_REQUEST = 4400  # the `after` parameter is not a number
    NOT_LOGGED_IN = 4401
    NO_ACCESS = 4403  # not entitled, or access ended (refund, expiry)
    NOT_FOUND = 4404
    TOO_SLOW = 4408  # the socket fell too far behind: reconnect and catch up
    CANCELLED = 4410
    BANNED = 4430

    # A page reconnects after any other code (network loss, 1006, server restart).
    FINAL = (BAD_REQUEST, NOT_LOGGED_IN, NO_ACCESS, NOT_FOUND, CANCELLED, BANNED)


@database_sync_to_async
def _watched(user_id: int, session_id: int, seconds: float) -> None:
    """Tell listeners (points for watching) how long this socket stayed."""
    events.send(SessionWatched(user_id=user_id, session_id=session_id, seconds=int(seconds)))


@database_sync_to_async
def _load(pk: int, user):
    try:
        session = selectors.session_get_for_user(pk=pk, user=user)
    except Http404:
        return None, None, 0
    return session, services.room_role(session=session, user=user), session.last_seq


@database_sync_to_async
def _role(session, user):
    return services.room_role(session=session, user=user)


@database_sync_to_async
def _pinned(session):
    return console_selectors.room_pinned_payload(session)


@database_sync_to_async
def _events_after(session_id: int, after: int, include_held: bool):
    return selectors.room_events_after(
        session_id=session_id, after=after, include_held=include_held
    )


async def _finish(send, waiting_on) -> None:
    """Drive a `send` coroutine that stopped at `waiting_on` (a future) to its end,
    as a task would. Frames are sent in place first (RoomConsumer.push); this runs
    only for the rare one that found the socket's buffer full."""
    while True:
        try:
            if waiting_on is None:  # a bare yield: just let the loop run once
                await asyncio.sleep(0)
            else:
                # What a task does with a future its coroutine yields: take it over
                # (the flag marks it as not yet handed to a task), wait for it.
                waiting_on._asyncio_future_blocking = False
                await waiting_on
        except BaseException as exc:  # handed back to the coroutine, as a task does
            try:
                waiting_on = send.throw(exc)
            except StopIteration:
                return
            continue
        try:
            waiting_on = send.send(None)
        except StopIteration:
            return


class RoomConsumer(AsyncWebsocketConsumer):
    # No channel of its own: room events arrive through the process's hub.
    channel_layer_alias = "live-room-sockets-use-the-hub"

    async def connect(self):
        self.user = self.scope["user"]
        self.session_id = int(self.scope["url_route"]["kwargs"]["pk"])
        self.user_id = self.user.pk if self.user.is_authenticated else 0
        self.sees_held = False  # chat held by screening: the host and moderators only
        self.last_seq = 0
        # A socket that keeps up holds no queue and no task of its own: the outbox
        # and the writer task exist only while frames wait (a catch-up, a slow
        # network), and go when the backlog is sent.
        self._live = False  # caught up: live events go out as they come
        self._outbox: deque | None = None
        self._writer: asyncio.Task | None = None
        self.rechecked = False  # the hub rechecks this viewer's access (paid rooms)
        self._pending: asyncio.Task | None = None  # a frame the network made wait
        self._writing = False
        # Room frames skip Channels' send wrappers (see config.asgi.KeepServerSend).
        self._frame_send = self.scope.get("server_send") or self.base_send
        self._frames: FrameWriter | None = None
        self._joined = False
        self._closing = False

        # Errors and refusals speak the user's language; so do the services called
        # from this socket (the database thread inherits the context).
        self.language = (
            self.user.is_authenticated and self.user.preferred_language
        ) or settings.LANGUAGE_CODE
        translation.activate(self.language)
        await self.accept()  # accept first: browsers see close codes only after accepting
        # Room frames the hub encoded once go straight to the socket (livestream.frames).
        self._frames = FrameWriter.for_send(self._frame_send)
        if not self.user.is_authenticated:
            return await self._refuse(CloseCode.NOT_LOGGED_IN, _("Log in to join the room."))
        query = parse_qs(self.scope.get("query_string", b"").decode())
        after = query.get("after", [""])[0]
        if after and not re.fullmatch(r"[0-9]{1,18}", after):
            return await self._refuse(CloseCode.BAD_REQUEST, _("`after` must be a whole number."))
        self.session, role, room_last_seq = await _load(self.session_id, self.user)
        if self.session is None:
            return await self._refuse(CloseCode.NOT_FOUND, _("There is no such session."))
        if self.session.status == LiveSession.Status.CANCELLED:
            return await self._refuse(CloseCode.CANCELLED, _("This session was cancelled."))
        if role.banned:
            return await self._refuse(CloseCode.BANNED, _("You are banned from this room."))
        if not role.can_watch:
            return await self._refuse(CloseCode.NO_ACCESS, _("You have no access to this session."))

        self.sees_held = role.can_moderate
        self.hub = hub_get()
        await self.hub.join(self)  # live events queue up in the outbox from here on
        self._joined = True
        self._joined_at = time.monotonic()
        await self._send_frame(
            {
                "type": "welcome",
                "session": {"id": self.session.pk, "status": self.session.status,
                            "title": self.session.title},
                "you": {"id": self.user.pk, "name": self.user.public_name, "role": role.label,
                        "muted_until": role.muted_until.isoformat() if role.muted_until else None},
                "settings": selectors.room_settings_payload(self.session),
                "pinned": await _pinned(self.session),
                "last_seq": room_last_seq,
                "viewers": self.hub.viewers(self.session_id),
            }
        )  # fmt: skip
        # Replay what the client missed, then let the writer send live events.
        # A number beyond the room's (a stale tab after a database restore) would
        # silently skip live events: never start past what the room has.
        self.last_seq = min(int(after), room_last_seq) if after else room_last_seq
        while True:
            frames = await _events_after(self.session_id, self.last_seq, self.sees_held)
            for frame in frames:
                await self.send(text_data=json.dumps(frame, ensure_ascii=False))
                self.last_seq = frame["seq"]
            if len(frames) < 500:
                break
        self._live = True
        if self._outbox:  # live events that came during the catch-up
            self._write_start()
        # Refunds and bans close the socket at once (hub control messages); a
        # subscription that simply runs out is noticed by the hub's periodic check,
        # one query per room (RoomHub._recheck_loop).
        self.rechecked = self.session.access != LiveSession.Access.FREE and not role.can_moderate
        # Welcomed from its own fresh copy; from here on the room's one copy will do.
        self.session = self.hub.room_session(self.session)

    async def disconnect(self, code):
        if self._joined:
            self.hub.leave(self)
            if self.session.status == LiveSession.Status.LIVE:  # time in a live room
                await _watched(self.user.pk, self.session_id, time.monotonic() - self._joined_at)
        if self._writer is not None:
            self._writer.cancel()

    # --- from the hub ----------------------------------------------------------

    def push(self, seq: int | None, text: str, frame: bytes | None = None) -> None:
        """Send a frame now if the socket can take it, else queue it. Never blocks.

        The usual case sends in place: `frame` (the text's frame, encoded once for
        the whole room by the hub) is written to the socket as it is, or the server's
        `send` completes without waiting while the socket's buffer has room; either
        way a room's fan-out costs no task switch per viewer. Frames queue behind a
        backlog (catch-up, a slow network) and the socket's writer task sends them in
        order. While the socket catches up the queue is not capped: the replay itself
        is bounded by the database read.
        """
        if self._outbox or not self._live or self._pending or self._writing:
            if self._outbox is None:
                self._outbox = deque()
            elif self._live and len(self._outbox) >= settings.LIVESTREAM_MAX_QUEUED_FRAMES:
                if not self._closing:
                    self._closing = True
                    self._outbox.clear()
                    with translation.override(self.language):
                        reason = _("Too far behind: reconnect to catch up.")
                    asyncio.get_running_loop().create_task(self._refuse(CloseCode.TOO_SLOW, reason))
                return
            self._outbox.append((seq, text))
            if self._live and self._pending is None:
                self._write_start()
            return
        if self._closing:
            return
        if seq is not None:
            if seq <= self.last_seq:
                return
            self.last_seq = seq
        if frame is not None and self._frames is not None and self._frames.write(frame):
            return
        send = self._frame_send({"type": "websocket.send", "text": text})
        try:
            waiting_on = send.send(None)
        except StopIteration:
            return  # sent without waiting
        except Exception:  # the socket is gone; disconnect() follows
            log.debug("room frame to a closed socket", exc_info=True)
            return
        # The socket's buffer is full: finish this frame in a task; later ones queue.
        self._pending = asyncio.get_running_loop().create_task(_finish(send, waiting_on))
        self._pending.add_done_callback(self._pending_done)

    def _pending_done(self, task: asyncio.Task) -> None:
        self._pending = None
        if not task.cancelled() and task.exception() is not None:
            log.debug("room frame to a closed socket", exc_info=task.exception())
            return
        if self._outbox and self._live:
            self._write_start()

    def control(self, action: str) -> None:
        asyncio.get_running_loop().create_task(self._on_control(action))

    async def _on_control(self, action: str) -> None:
        translation.activate(self.language)  # a task of its own, started by the hub
        if action == "kick":
            await self._refuse(CloseCode.BANNED, _("You are banned from this room."))
        elif action == "close":
            await self._refuse(CloseCode.CANCELLED, _("This session was cancelled."))
        elif action == "recheck":
            await self._check_access()

    async def _check_access(self) -> bool:
        role = await _role(self.session, self.user)
        if role.banned:
            await self._refuse(CloseCode.BANNED, _("You are banned from this room."))
            return False
        if not role.can_watch:
            await self._refuse(CloseCode.NO_ACCESS, _("Your access to this session has ended."))
            return False
        return True

    def _write_start(self) -> None:
        if self._writer is None and not self._closing:
            self._writer = asyncio.get_running_loop().create_task(self._write_queued())

    async def _write_queued(self) -> None:
        """Send the queued frames in order, then end (the next backlog starts another);
        ends quietly when the socket is gone (disconnect() follows)."""
        send = self._frame_send
        self._writing = True
        try:
            outbox = self._outbox
            while outbox:
                seq, text = outbox.popleft()
                if seq is not None:
                    if seq <= self.last_seq:
                        continue  # already sent during the catch-up
                    self.last_seq = seq
                await send({"type": "websocket.send", "text": text})
        except asyncio.CancelledError:
            raise
        except Exception:
            log.debug("room socket writer stopped: the socket is gone", exc_info=True)
        finally:
            self._writing = False
            self._writer = None
            self._outbox = None  # its memory goes with the backlog

    # --- from the client ---------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if not self._joined or self._closing:
            return
        if text_data is None:
            return await self._error("bad_frame", _("Send JSON text frames, not binary."))
        if len(text_data.encode()) > settings.LIVESTREAM_MAX_FRAME_BYTES:
            limit = settings.LIVESTREAM_MAX_FRAME_BYTES
            return await self._error(
                "too_large", _("Frames are limited to %(n)d bytes.") % {"n": limit}
            )
        try:
            content = json.loads(text_data)
        except ValueError:
            return await self._error("bad_json", _("The frame is not valid JSON."))
        if not isinstance(content, dict):
            return await self._error("bad_json", _("Send a JSON object with a `type`."))
        ref = content.get("ref")
        if isinstance(ref, bool) or not isinstance(ref, (str, int)) or len(str(ref)) > 64:
            ref = None
        kind = content.get("type")
        if kind == "ping":
            return await self._send_frame({"type": "pong", "ref": ref})
        if not isinstance(kind, str) or kind not in self.HANDLERS:
            return await self._error(
                "unknown_type", _("Unknown message type %(type)r.") % {"type": str(kind)[:40]}, ref
            )
        if not await self.hub.allow(self.user_id):
            return await self._error("rate_limited", _("You are sending too fast; slow down."), ref)
        if kind == "chat":
            return await self._chat_submit(content, ref)
        handler = self.HANDLERS[kind]
        try:
            result = await database_sync_to_async(self._run)(handler, content)
        except ValidationError as exc:
            return await self._error("invalid", " ".join(exc.messages), ref)
        except PermissionDenied as exc:
            if await self._check_access():
                await self._error("forbidden", str(exc), ref)
            return
        except (KeyError, TypeError, ValueError) as exc:
            return await self._error(
                "invalid", _("Missing or malformed field: %(field)s") % {"field": exc}, ref
            )
        await self._send_frame({"type": "ack", "ref": ref, **(result or {})})

    async def _chat_submit(self, content: dict, ref) -> None:
        """Chat goes to the room's writer (livestream.chat_writer), saved in a batch
        with what others sent meanwhile; the socket reads its next frame at once and
        the ack (or the refusal) follows when the batch commits."""
        if "text" not in content:
            return await self._error(
                "invalid", _("Missing or malformed field: %(field)s") % {"field": "'text'"}, ref
            )
        ip = (self.scope.get("client") or ("",))[0] or ""
        post = services.ChatPost(
            user=self.user, text=content["text"], ip=ip, language=self.language
        )
        future = chat_submit(self.session, post)
        future.add_done_callback(
            lambda done: asyncio.get_running_loop().create_task(self._chat_answer(done, ref))
        )

    async def _chat_answer(self, done: asyncio.Future, ref) -> None:
        if done.cancelled() or self._closing:
            return
        try:
            await self._chat_answer_send(done, ref)
        except Exception:  # the socket went away before its answer
            log.debug("chat answer to a closed socket", exc_info=True)

    async def _chat_answer_send(self, done: asyncio.Future, ref) -> None:
        translation.activate(self.language)  # a task of its own
        try:
            result = done.result()
        except Exception:  # the database failed the batch (logged by the writer)
            reason = _("The message was not saved; send it again.")
            return await self._error("unavailable", reason, ref)
        if isinstance(result, ValidationError):
            return await self._error("invalid", " ".join(result.messages), ref)
        if isinstance(result, PermissionDenied):
            if await self._check_access():
                await self._error("forbidden", str(result), ref)
            return
        answer = {"seq": result.seq, "held": True} if result.held else {"seq": result.seq}
        await self._send_frame({"type": "ack", "ref": ref, **answer})

    def _run(self, handler, content):
        """In the database thread: one service call, in the user's language."""
        with translation.override(self.language):
            return handler(self, content)

    # Each handler calls one service (chat: `_chat_submit`).

    def _held(self, c):
        services.held_message_decide(
            session=self.session, user=self.user, seq=c["seq"], approve=c["approve"],
            reason=c.get("reason", ""),
        )  # fmt: skip

    def _question(self, c):
        question = services.question_ask(session=self.session, user=self.user, text=c["text"])
        return {"question": question.pk}

    def _priority_question(self, c):
        question = services.question_ask_priority(
            session=self.session, user=self.user, text=c["text"], amount=c["amount"],
            currency=c["currency"], client_key=c["key"],
        )  # fmt: skip
        return {"question": question.pk if question else None, "duplicate": question is None}

    def _upvote(self, c):
        services.question_upvote(session=self.session, user=self.user, question_id=c["question"])

    def _question_action(self, c):
        services.question_moderate(
            session=self.session, user=self.user, question_id=c["question"], action=c["action"]
        )

    def _delete(self, c):
        services.message_delete(session=self.session, user=self.user, seq=c["seq"])

    def _pin(self, c):
        services.chat_pin(session=self.session, user=self.user, seq=c["seq"])

    def _mute(self, c):
        services.user_mute(
            session=self.session, by=self.user, user_id=c["user"], minutes=c["minutes"],
            reason=c.get("reason", ""),
        )  # fmt: skip

    def _ban(self, c):
        services.user_ban(
            session=self.session, by=self.user, user_id=c["user"], reason=c.get("reason", "")
        )

    def _lift(self, c):
        kind = c["sanction"]
        if kind not in RoomSanction.Kind.values:
            raise ValidationError("`sanction` is mute or ban.")
        services.sanction_lift(session=self.session, by=self.user, user_id=c["user"], kind=kind)

    def _settings(self, c):
        services.room_settings_update(
            session=self.session,
            by=self.user,
            slow_mode_seconds=c.get("slow_mode_seconds"),
            subscribers_only=c.get("subscribers_only"),
        )

    def _tip(self, c):
        event = services.room_tip(
            session=self.session, user=self.user, amount=c["amount"], currency=c["currency"],
            client_key=c["key"], message=c.get("message", ""),
        )  # fmt: skip
        return {"seq": event.seq if event else None, "duplicate": event is None}

    HANDLERS = {
        "chat": None,  # not through a database thread call of its own: _chat_submit
        "question": _question,
        "question.priority": _priority_question,
        "upvote": _upvote,
        "question.action": _question_action,
        "delete": _delete,
        "pin": _pin,
        "held.decide": _held,
        "mute": _mute,
        "ban": _ban,
        "lift": _lift,
        "settings": _settings,
        "tip": _tip,
    }

    # --- helpers -----------------------------------------------------------------

    async def _send_frame(self, frame: dict) -> None:
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))

    async def _error(self, code: str, reason, ref=None) -> None:
        await self._send_frame({"type": "error", "code": code, "reason": reason, "ref": ref})

    async def _refuse(self, code: int, reason: str) -> None:
        self._closing = True
        try:
            await self._send_frame({"type": "closing", "code": code, "reason": reason})
            await self.close(code)
        except Exception:  # the socket may already be gone
            log.debug("closing an already closed room socket", exc_info=True)
