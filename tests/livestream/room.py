"""Helpers for live-room socket tests: join a room as someone, read frames by type."""

import asyncio
from collections import deque

from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from livestream.routing import websocket_urlpatterns

db = database_sync_to_async
rooms_app = URLRouter(websocket_urlpatterns)


class Viewer:
    """One socket in a room, with the frames it received kept in order."""

    def __init__(self, communicator: WebsocketCommunicator):
        self.ws = communicator
        self.welcome: dict | None = None
        # Frames read while waiting for an ack, kept for next().
        self.backlog: deque[dict] = deque()

    async def send(self, frame: dict) -> None:
        await self.ws.send_json_to(frame)

    async def send_text(self, text: str) -> None:
        await self.ws.send_to(text_data=text)

    async def next(self, timeout: float = 3) -> dict:
        if self.backlog:
            return self.backlog.popleft()
        return await self.ws.receive_json_from(timeout=timeout)

    async def next_of(self, kind: str, timeout: float = 3) -> dict:
        """The next frame of this type, skipping presence updates and others."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"no {kind!r} frame within {timeout}s")
            frame = await self.next(timeout=left)
            if frame["type"] == kind:
                return frame

    async def reply(self, frame: dict) -> dict:
        """Send and return the ack or error answering it (matched by `ref`)."""
        frame = {"ref": "r1", **frame}
        await self.send(frame)
        while True:
            answer = await self.ws.receive_json_from(timeout=3)
            if answer["type"] in ("ack", "error") and answer.get("ref") == frame["ref"]:
                return answer
            self.backlog.append(answer)

    async def quiet(self, timeout: float = 0.3) -> bool:
        """True if nothing but presence arrives within `timeout`."""
        while True:
            if not self.backlog and await self.ws.receive_nothing(timeout=timeout):
                return True
            frame = await self.next()
            if frame["type"] != "presence":
                raise AssertionError(f"unexpected frame {frame}")

    async def close_code(self, timeout: float = 3) -> int:
        """Wait for the server to close this socket; return its close code."""
        while True:
            output = await self.ws.receive_output(timeout=timeout)
            if output["type"] == "websocket.close":
                return output.get("code")

    async def leave(self) -> None:
        await self.ws.disconnect()


async def connect(user, session_id: int, *, after: int | None = None, app=None, headers=None):
    path = f"/ws/live/{session_id}/" + (f"?after={after}" if after is not None else "")
    communicator = WebsocketCommunicator(app or rooms_app, path, headers=headers or [])
    communicator.scope["user"] = user
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return Viewer(communicator)


async def join(user, session_id: int, *, after: int | None = None) -> Viewer:
    viewer = await connect(user, session_id, after=after)
    first = await viewer.next()
    assert first["type"] == "welcome", first
    viewer.welcome = first
    return viewer


async def refused(user, session_id: int, *, after=None) -> tuple[int, str]:
    """Join and expect a refusal: (close code, reason shown)."""
    viewer = await connect(user, session_id, after=after)
    closing = await viewer.next()
    assert closing["type"] == "closing", closing
    code = await viewer.close_code()
    assert code == closing["code"]
    return code, closing["reason"]
