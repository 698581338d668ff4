"""Load client of the rooms benchmark: one sender and N viewers in one process.

Run by tests/benchmarks/bench_rooms.py (not on its own):

    python -m tests.benchmarks.bench_rooms_client --port 8123 --path /ws/live/1/ \
        --cookies var/bench/rooms-cookies.json --viewers 500 --rates 5,10,20 \
        --step-seconds 3 --server-pid 4242 --out result.json
        [--ports 8124 --server-pids 4243]   # the same room on a second server process

It speaks the live room protocol (docs/live-room-protocol.md) to whichever server it
is pointed at: our uvicorn + Channels room, or the plain `websockets` reference
(bench_rooms_plain), which speaks the same subset (welcome, chat -> ack + broadcast).

To leave as much of the 2 cores as possible to the server, the viewers are not
`websockets` clients: each is a bare asyncio.Protocol (uvloop) that does the
handshake itself and parses the server's (unmasked) frames straight from the
received bytes, answering pings. A viewer does not decode JSON: it finds the marker
`~B<step>:<message>:<time.time() at send>~` in the chat text and counts one delivery
of that message, with latency = receive time - send time (same machine clock). The
sender's frames (its acks, errors and its own copy of each message) are decoded.

For each rate step the sender posts `rate x step-seconds` messages on a fixed
schedule, then the client waits until every viewer has every message or
`--drain-seconds` pass, and records deliveries, latency percentiles, the sender's
ack latency, closes, and CPU of the server process, this client and the whole
machine. Steps stop at the first one with p95 >= --p95-limit-ms or deliveries
< 100% (unless --no-stop). Memory: the server's VmRSS with only the sender connected
(after a warm-up) and with every viewer connected.
"""

import argparse
import asyncio
import base64
import json
import os
import resource
import sys
import time

# Not a benchmark of its own: scripts/bench.sh --smoke skips it (run by its benchmark).
SMOKE_SKIP = True

HANDSHAKE_TIMEOUT = 90.0


# --- /proc readings ----------------------------------------------------------------------


def rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def servers_rss_kib(pids: list[int]) -> int | None:
    """VmRSS of all the server processes together (None if one is unreadable)."""
    values = [rss_kib(pid) for pid in pids]
    return None if None in values else sum(v for v in values if v is not None)


def servers_cpu(pids: list[int]) -> float | None:
    values = [proc_cpu(pid) for pid in pids]
    return None if None in values else sum(v for v in values if v is not None)


_TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process (all its threads)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return None


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the machine, all cores."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])
    return (total - idle) / _TICK, total / _TICK


def helper_pids(db_name: str) -> list[int]:
    """PostgreSQL backends of the benchmark database, and redis-server."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if cmd.startswith(b"redis-server") or (
            cmd.startswith(b"postgres: ") and db_name and db_name.encode() in cmd
        ):
            pids.append(int(entry))
    return pids


def helpers_cpu(pids: list[int]) -> float:
    return sum(proc_cpu(pid) or 0.0 for pid in pids)


def self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# --- the state every connection reports into -------------------------------------------


class Step:
    def __init__(self, number: int, messages: int):
        self.number = number
        self.counts = [0] * messages
        self.latencies: list[float] = []
        self.delivered = 0


class Shared:
    def __init__(self):
        self.step: Step | None = None
        self.closed: dict[int, int] = {}  # close code -> viewers closed by the server
        self.lost = 0  # connections that ended without a close frame


# --- one WebSocket connection as a bare protocol -------------------------------------


def _mask(payload: bytes) -> bytes:
    key = os.urandom(4)
    n = len(payload)
    repeated = (key * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")
    return key + masked


def client_frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    return head + _mask(payload)


class Conn(asyncio.Protocol):
    def __init__(self, shared: Shared, request: bytes, on_text=None):
        self.shared = shared
        self.request = request
        self.on_text = on_text  # the sender decodes its frames; viewers only count
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.upgraded = False
        self.welcome: asyncio.Future = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None

    # asyncio.Protocol

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc):
        if not self.welcome.done():
            self.welcome.set_exception(ConnectionError(f"connection lost before welcome: {exc}"))
        elif self.close_code is None:
            self.shared.lost += 1

    def data_received(self, data: bytes):
        if self.buf:
            data = self.buf + data
        if not self.upgraded:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                self.buf = data
                return
            status = data[: data.find(b"\r\n")]
            if b" 101 " not in status + b" ":
                if not self.welcome.done():
                    self.welcome.set_exception(ConnectionError(status.decode(errors="replace")))
                self.transport.close()
                return
            self.upgraded = True
            data = data[end + 4 :]
        pos, n = 0, len(data)
        step = self.shared.step
        now = 0.0
        while n - pos >= 2:
            length = data[pos + 1] & 0x7F
            if length < 126:
                head = 2
            elif length == 126:
                if n - pos < 4:
                    break
                length, head = int.from_bytes(data[pos + 2 : pos + 4], "big"), 4
            else:
                if n - pos < 10:
                    break
                length, head = int.from_bytes(data[pos + 2 : pos + 10], "big"), 10
            end = pos + head + length
            if end > n:
                break
            opcode = data[pos] & 0x0F
            start = pos + head
            pos = end
            if opcode == 1:  # text
                if not self.welcome.done():
                    self.welcome.set_result(data[start:end])
                    continue
                if self.on_text is not None:
                    self.on_text(data[start:end])
                    continue
                i = data.find(b"~B", start, end)
                if i < 0 or step is None:
                    continue  # presence and other frames
                j = data.find(b"~", i + 2, end)
                number, message, sent = data[i + 2 : j].split(b":")
                if int(number) != step.number:
                    continue  # a late frame of an earlier step
                if not now:
                    now = time.time()
                step.counts[int(message)] += 1
                step.latencies.append(now - float(sent))
                step.delivered += 1
            elif opcode == 9:  # ping
                self.transport.write(client_frame(0xA, data[start:end]))
            elif opcode == 8:  # close
                code = int.from_bytes(data[start : start + 2], "big") if end - start >= 2 else 1005
                self.close_code = code
                self.shared.closed[code] = self.shared.closed.get(code, 0) + 1
                if not self.welcome.done():
                    self.welcome.set_exception(ConnectionError(f"closed with {code}"))
                self.transport.close()
                return
        self.buf = data[pos:]

    def send_text(self, text: str) -> None:
        self.transport.write(client_frame(0x1, text.encode()))

    def close(self) -> None:
        """Close politely (1000), so that servers see a normal disconnect."""
        if not self.transport.is_closing():
            self.close_code = self.close_code or 1000
            self.transport.write(client_frame(0x8, (1000).to_bytes(2, "big")))


async def open_conn(
    shared: Shared, host: str, port: int, path: str, cookie: str | None, on_text=None
) -> Conn:
    loop = asyncio.get_running_loop()
    headers = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        "Sec-WebSocket-Version: 13",
        f"Origin: http://{host}:{port}",
    ]
    if cookie:
        headers.append(f"Cookie: sessionid={cookie}")
    request = ("\r\n".join(headers) + "\r\n\r\n").encode()
    conn = Conn(shared, request, on_text)
    await loop.create_connection(lambda: conn, host, port)
    try:
        welcome = await asyncio.wait_for(asyncio.shield(conn.welcome), HANDSHAKE_TIMEOUT)
    except BaseException:
        conn.transport.close()
        raise
    if b'"welcome"' not in welcome:
        conn.transport.close()
        raise ConnectionError(f"expected a welcome, got {welcome[:200]!r}")
    return conn


# --- the sender ---------------------------------------------------------------------------


class Sender:
    """Posts the step's messages. If the server closes its socket (say 4408: the
    sender receives the whole room too, and a busy client can fall behind), it
    reconnects and goes on; messages due while it was away are counted as errors
    ("sender_closed"), not written to a closed transport."""

    def __init__(self, kind: str = "chat", tip_amount: int = 0, key_prefix: str = ""):
        self.kind, self.tip_amount, self.key_prefix = kind, tip_amount, key_prefix
        self.conn: Conn | None = None
        self.reopen = None  # () -> awaitable Conn
        self._reopening: asyncio.Task | None = None
        self.reconnects = 0
        self.sent_at: dict[str, float] = {}
        self.ack_latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.error_sample = ""

    def _count(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1

    async def _reconnect(self) -> None:
        try:
            self.conn = await self.reopen()
            self.reconnects += 1
        except (OSError, ConnectionError, TimeoutError) as exc:
            self._count("sender_reconnect_failed")
            self.error_sample = self.error_sample or f"reconnect: {exc}"[:300]
            await asyncio.sleep(0.5)
        finally:
            self._reopening = None

    def usable(self) -> bool:
        """Whether the socket is open; if not, count it and reconnect in the background."""
        if self.conn is not None and not self.conn.transport.is_closing():
            return True
        code = self.conn.close_code if self.conn is not None else None
        self._count(f"sender_closed_{code}" if code else "sender_closed")
        if self._reopening is None and self.reopen is not None:
            self._reopening = asyncio.get_running_loop().create_task(self._reconnect())
        return False

    def on_text(self, payload: bytes) -> None:
        frame = json.loads(payload)
        kind = frame.get("type")
        if kind == "ack":
            sent = self.sent_at.pop(str(frame.get("ref")), None)
            if sent is not None:
                self.ack_latencies.append(time.time() - sent)
        elif kind == "error":
            code = frame.get("code", "?")
            self.errors[code] = self.errors.get(code, 0) + 1
            self.error_sample = self.error_sample or json.dumps(frame)[:300]
            self.sent_at.pop(str(frame.get("ref")), None)

    def send(self, step: int, message: int) -> None:
        if not self.usable():
            return
        now = time.time()
        ref = f"{step}:{message}"
        self.sent_at[ref] = now
        marker = f"~B{step}:{message}:{now:.6f}~"
        if self.kind == "tip":  # the room's tip alert carries the tip's message
            frame = {
                "type": "tip",
                "amount": self.tip_amount,
                "currency": "CNY",
                "key": f"{self.key_prefix}-{ref}",
                "message": f"tip {marker}",
                "ref": ref,
            }
        else:
            frame = {"type": "chat", "text": f"bench message {marker} from the host", "ref": ref}
        self.conn.send_text(json.dumps(frame))  # fmt: skip


# --- steps ---------------------------------------------------------------------------------


def pct(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


async def run_step(
    args, shared: Shared, sender: Sender, viewers: int, number: int, rate: float, seconds: float
) -> dict:
    loop = asyncio.get_running_loop()
    messages = max(1, round(rate * seconds))
    step = Step(number, messages)
    shared.step = step
    sender.ack_latencies = []
    errors_before = dict(sender.errors)
    closed_before = sum(shared.closed.values()) + shared.lost
    expected = messages * viewers

    helpers = helper_pids(args.db_name)
    cpu0 = (servers_cpu(args.server_pids), self_cpu(), machine_cpu(), time.monotonic())
    helpers0 = helpers_cpu(helpers)
    start = loop.time() + 0.02
    for i in range(messages):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        sender.send(number, i)
    send_seconds = loop.time() - start
    cpu1 = (servers_cpu(args.server_pids), self_cpu(), machine_cpu(), time.monotonic())
    helpers1 = helpers_cpu(helpers)
    deadline = loop.time() + args.drain_seconds
    while step.delivered < expected and loop.time() < deadline:
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.05)  # acks in flight
    shared.step = None

    lat = sorted(step.latencies)
    wall = cpu1[3] - cpu0[3]
    busy = cpu1[2][0] - cpu0[2][0]
    total = cpu1[2][1] - cpu0[2][1]
    acks = sorted(sender.ack_latencies)
    complete = sum(1 for c in step.counts if c >= viewers)
    errors = {k: v - errors_before.get(k, 0) for k, v in sender.errors.items()}
    return {
        "step": number,
        "rate": rate,
        "messages": messages,
        "sent_rate": messages / send_seconds if send_seconds > 0 else float(messages),
        "expected": expected,
        "delivered": step.delivered,
        "delivered_pct": 100.0 * step.delivered / expected if expected else 100.0,
        "messages_complete": complete,
        "deliveries_per_s": step.delivered / max(send_seconds, 1e-9),
        "p50_ms": 1000 * pct(lat, 50) if lat else None,
        "p95_ms": 1000 * pct(lat, 95) if lat else None,
        "p99_ms": 1000 * pct(lat, 99) if lat else None,
        "max_ms": 1000 * lat[-1] if lat else None,
        "acks": len(acks),
        "ack_p50_ms": 1000 * pct(acks, 50) if acks else None,
        "ack_p99_ms": 1000 * pct(acks, 99) if acks else None,
        "errors": {k: v for k, v in errors.items() if v},
        "error_sample": sender.error_sample if any(errors.values()) else "",
        "viewers_closed": sum(shared.closed.values()) + shared.lost - closed_before,
        # CPU while sending, in cores (1.0 = one core busy for the whole time)
        "server_cpu": (cpu1[0] - cpu0[0]) / wall if cpu0[0] is not None and cpu1[0] else None,
        "client_cpu": (cpu1[1] - cpu0[1]) / wall,
        "pg_redis_cpu": (helpers1 - helpers0) / wall,
        "machine_cpu": busy / total * (os.cpu_count() or 1) if total else None,
    }


def step_ok(result: dict, p95_limit_ms: float) -> bool:
    return (
        result["delivered"] == result["expected"]
        and result["p95_ms"] is not None
        and result["p95_ms"] < p95_limit_ms
    )


async def main_async(args) -> dict:
    with open(args.cookies) as f:
        cookies = json.load(f)
    viewer_cookies = cookies["viewers"][: args.viewers]
    if len(viewer_cookies) < args.viewers:
        raise SystemExit(f"only {len(viewer_cookies)} viewer cookies for {args.viewers} viewers")
    shared = Shared()
    sender = Sender(args.send, args.tip_amount, args.key_prefix)
    out: dict = {"viewers": args.viewers, "steps": [], "connect_errors": {}}

    sender_shared = Shared()  # the sender's own closes are not the viewers'

    def sender_open():
        return open_conn(
            sender_shared, args.host, args.port, args.path, cookies.get(args.sender), sender.on_text
        )

    sender.conn = await sender_open()
    sender.reopen = sender_open
    # Warm-up with the sender alone: first queries, imports, pool connections.
    for i in range(args.warmup_messages):
        sender.send(0, i)
        await asyncio.sleep(0.02)
    await asyncio.sleep(1.0)
    out["warmup_acks"] = len(sender.ack_latencies)
    out["rss_idle_kib"] = servers_rss_kib(args.server_pids)

    t0 = time.monotonic()
    limit = asyncio.Semaphore(args.open_concurrency)
    conns: list[Conn] = []

    async def one(number: int, cookie: str) -> None:
        port = args.ports[number % len(args.ports)]  # viewers spread over the servers
        async with limit:
            try:
                conns.append(await open_conn(shared, args.host, port, args.path, cookie))
            except (OSError, ConnectionError, TimeoutError) as exc:
                key = str(exc)[:120] or type(exc).__name__
                out["connect_errors"][key] = out["connect_errors"].get(key, 0) + 1

    await asyncio.gather(*(one(i, c) for i, c in enumerate(viewer_cookies)))
    out["connect_seconds"] = time.monotonic() - t0
    out["connected"] = len(conns)
    await asyncio.sleep(args.settle_seconds)
    out["rss_connected_kib"] = servers_rss_kib(args.server_pids)
    print(
        f"    {len(conns)} of {args.viewers} viewers connected in {out['connect_seconds']:.1f} s",
        file=sys.stderr,
        flush=True,
    )

    if conns:
        # Not reported: the first deliveries warm the fan-out path.
        await run_step(args, shared, sender, len(conns), 1, min(args.rates[0], 5.0), 1.0)
        for number, rate in enumerate(args.rates, start=2):
            result = await run_step(
                args, shared, sender, len(conns), number, rate, args.step_seconds
            )
            result["ok"] = step_ok(result, args.p95_limit_ms)
            out["steps"].append(result)
            p95 = result["p95_ms"]
            print(
                f"    {rate:6g} msg/s: {result['delivered_pct']:6.2f}% delivered, "
                f"p95 {p95 if p95 is not None else float('nan'):7.1f} ms, "
                f"server {result['server_cpu'] or 0:.2f} / client {result['client_cpu']:.2f} "
                f"cores" + ("" if result["ok"] else "  <- limit"),
                file=sys.stderr,
                flush=True,
            )
            if not result["ok"] and not args.no_stop:
                break
            if sum(shared.closed.values()) + shared.lost >= len(conns):
                break
    out["closed_by_server"] = {str(k): v for k, v in shared.closed.items()}
    out["lost"] = shared.lost
    out["sender_errors"] = sender.errors
    out["sender_reconnects"] = sender.reconnects
    out["client_max_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for conn in [*conns, sender.conn]:
        conn.close()
    await asyncio.sleep(0.5)
    for conn in [*conns, sender.conn]:
        conn.transport.abort()
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Load client of the rooms benchmark.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True, help="WebSocket path, e.g. /ws/live/1/")
    parser.add_argument("--cookies", required=True, help='JSON {"sender": k, "viewers": [k..]}')
    parser.add_argument("--viewers", type=int, required=True)
    parser.add_argument("--rates", required=True, help="messages/s per step, comma-separated")
    parser.add_argument("--step-seconds", type=float, default=3.0)
    parser.add_argument("--drain-seconds", type=float, default=3.0)
    parser.add_argument("--settle-seconds", type=float, default=1.0)
    parser.add_argument("--p95-limit-ms", type=float, default=250.0)
    parser.add_argument("--no-stop", action="store_true", help="run every step")
    parser.add_argument("--warmup-messages", type=int, default=20)
    parser.add_argument("--open-concurrency", type=int, default=50)
    parser.add_argument(
        "--ports", help="more server ports (same room, other processes): viewers spread over all"
    )
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--server-pids", help="more server processes (memory and CPU summed)")
    parser.add_argument("--db-name", default="", help="count its PostgreSQL backends' CPU")
    parser.add_argument("--out", required=True)
    parser.add_argument("--send", choices=["chat", "tip"], default="chat", help="what is posted")
    parser.add_argument("--sender", default="sender", help="whose cookie posts (cookies key)")
    parser.add_argument("--tip-amount", type=int, default=0, help="minor units per tip")
    parser.add_argument("--key-prefix", default="bench", help="tips' client keys start so")
    args = parser.parse_args(argv)
    args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    args.ports = [args.port] + [int(p) for p in (args.ports or "").split(",") if p.strip()]
    args.server_pids = [args.server_pid] + [
        int(p) for p in (args.server_pids or "").split(",") if p.strip()
    ]
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the benchmark client only talks to this machine")
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        runner = asyncio.run
    result = runner(main_async(args))
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
