"""One encoded WebSocket frame per room message, written to every socket as it is.

uvicorn builds each socket's frame on its own: the text is encoded, a frame header
made and the two joined once per viewer. A room message is the same bytes for all
of them, so the hub encodes the frame once (`text_frame`) and each socket that can
take it writes those bytes straight to its transport (`FrameWriter.write`), which
is what uvicorn's `send` would have written.

That holds only for a socket that negotiated no extension (permessage-deflate
compresses each socket's frames with its own state): deploy/Procfile runs uvicorn
with `--ws-per-message-deflate false`, as Centrifugo does by default (chat frames
are a few hundred bytes; a compressor per socket costs more memory and CPU than it
saves). Any other socket, one whose buffer is full, a socket served by another
server, keeps the ordinary `send` (livestream.consumers.RoomConsumer.push).
"""

from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State


def text_frame(text: str) -> bytes:
    """The unmasked, uncompressed, final text frame of `text` (server to client)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


class FrameWriter:
    """Writes prepared frames to one uvicorn socket, if the socket allows it."""

    __slots__ = ("protocol",)

    def __init__(self, protocol: Any):
        self.protocol = protocol

    @classmethod
    def for_send(cls, send: Callable[..., Any]) -> "FrameWriter | None":
        """A writer for the socket behind uvicorn's ASGI `send`, or None when the
        frames must go through `send` (another server, an extension negotiated)."""
        protocol = getattr(send, "__self__", None)
        if not isinstance(protocol, WebSocketsSansIOProtocol):
            return None
        if protocol.conn.extensions:
            return None
        return cls(protocol)

    def write(self, frame: bytes) -> bool:
        """Write the frame now; False (nothing written) if the socket is not open or
        its buffer is full: the caller then uses the ordinary `send`, which waits."""
        p = self.protocol
        if (
            p.close_sent
            or p.disconnected
            or not p.handshake_complete
            or not p.writable.is_set()
            or p.conn.state is not State.OPEN
            or p.transport.is_closing()
        ):
            return False
        p.transport.write(frame)
        return True
