"""The reference of the rooms benchmark: a minimal broadcast server on plain `websockets`.

    python -m tests.benchmarks.bench_rooms_plain --port 8124

One process, one room, no database, no channel layer, no authentication: every
connection gets a `welcome`; a `chat` frame from any connection is numbered, turned
into the same chat frame our room sends (type, seq, at, user, text) once, and
handed to `websockets.asyncio.server.broadcast()` for every connection, and the
sender gets an `ack`. That is the least work a Python server can do to fan a message
out, so it marks the ceiling for this machine and this client.
"""

import argparse
import asyncio
import json
from datetime import UTC, datetime

from websockets.asyncio.server import broadcast, serve
from websockets.exceptions import ConnectionClosed

# Not a benchmark of its own: scripts/bench.sh --smoke skips it (run by its benchmark).
SMOKE_SKIP = True

HOST = "127.0.0.1"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)

    connections = set()
    state = {"seq": 0}
    user = {"id": 1, "name": "Bench Host", "role": "host"}

    async def handler(ws):
        await ws.send(json.dumps({"type": "welcome", "session": {"id": 1}, "last_seq": 0}))
        connections.add(ws)
        try:
            async for message in ws:
                content = json.loads(message)
                if content.get("type") != "chat":
                    continue
                state["seq"] += 1
                seq = state["seq"]
                frame = {
                    "type": "chat",
                    "seq": seq,
                    "at": datetime.now(UTC).isoformat(),
                    "user": user,
                    "text": " ".join(str(content.get("text", "")).split()),
                }
                broadcast(connections, json.dumps(frame, ensure_ascii=False))
                await ws.send(json.dumps({"type": "ack", "ref": content.get("ref"), "seq": seq}))
        except ConnectionClosed:
            pass  # the client went away: nothing to report
        finally:
            connections.discard(ws)

    async def serve_forever() -> None:
        # No compression, like our server with a client that offers none.
        async with serve(handler, HOST, args.port, compression=None, max_queue=64) as server:
            await server.serve_forever()

    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        runner = asyncio.run
    runner(serve_forever())


if __name__ == "__main__":
    main()
