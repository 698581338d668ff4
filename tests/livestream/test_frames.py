"""The room's frames, encoded once per message, are the bytes uvicorn would send."""

import pytest
from websockets.frames import Frame, Opcode
from websockets.server import ServerProtocol
from websockets.streams import StreamReader

from livestream.frames import FrameWriter, text_frame


@pytest.mark.parametrize("text", ["", '{"type":"chat","text":"你好"}', "x" * 70_000])
def test_a_prepared_frame_is_what_the_websocket_library_sends(text):
    # The sans-I/O protocol uvicorn runs, open and without extensions.
    server = ServerProtocol()
    server.state = server.state.OPEN
    server.send_text(text.encode())
    assert text_frame(text) == b"".join(server.data_to_send())

    # And a client reads it back as one final text frame.
    reader = StreamReader()
    reader.feed_data(text_frame(text))
    reader.feed_eof()
    frame = _read(reader)
    assert (frame.opcode, frame.fin, frame.data.decode()) == (Opcode.TEXT, True, text)


def _read(reader: StreamReader) -> Frame:
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        return done.value
    raise AssertionError("incomplete frame")


def test_a_send_that_is_not_uvicorns_gets_no_frame_writer():
    async def send(message):  # another server's `send`: frames go through it
        pass

    assert FrameWriter.for_send(send) is None
