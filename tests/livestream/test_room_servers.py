"""The live room socket under real uvicorn processes, real Redis and real clients.

tests/livestream/test_room_consumer.py drives one consumer in the test's own event
loop. Here the room runs as it does in production: server processes that share
Redis, a browser-like client that logs in with the session cookie, and a client
that reconnects with `?after=<last seq>` the way the room page does. The last test
kills Redis in the middle of a session and starts it again.
"""

import json
import shutil
import signal
import subprocess
import time
import uuid
from contextlib import ExitStack

import pytest
import redis
from django.conf import settings
from django.test import Client
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect

from livestream import services
from livestream.consumers import CloseCode
from livestream.models import LiveSession, RoomEvent
from tests import asgi_servers
from tests.asgi_servers import free_port, uvicorn_server
from tests.factories import LiveSessionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

static_root = asgi_servers.static_root  # the fixture, shared with tests/test_asgi_servers.py

TICK_SECONDS = 0.3


def _room_env(**extra) -> dict:
    """Server settings: a channel-layer prefix of the test's own, a fast tick, and a
    rate limit a test that posts hundreds of messages does not hit."""
    return {
        "CHANNEL_LAYER_PREFIX": f"rooms-{uuid.uuid4().hex[:8]}",
        "LIVESTREAM_TICK_SECONDS": str(TICK_SECONDS),
        "LIVESTREAM_RATE_BURST": "1000",
        "LIVESTREAM_RATE_PER_SECOND": "1000",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class RoomClient:
    """A viewer's socket, driven the way the room page drives it.

    It remembers the last sequence number it saw and, when the server closes the
    socket with a code a page reconnects after, connects again with `?after=` that
    number. Every frame that carries a room `seq` is kept in `events`, as received:
    the tests check it for gaps and duplicates, so the client itself drops nothing.
    """

    def __init__(self, port: int, session_id: int, user, name: str):
        self.name = name
        self.url = f"ws://127.0.0.1:{port}/ws/live/{session_id}/"
        self.origin = f"http://127.0.0.1:{port}"
        self.cookie = _session_cookie(user)
        self.events: list[dict] = []
        self.replies: dict[str, dict] = {}  # ack or error frames, by ref
        self.viewers: int | None = None
        self.closes: list[int | None] = []  # close codes of the sockets the server ended
        self.connections = 0
        self.first_seq: int | None = None
        self.last_seq: int | None = None
        self.welcome: dict = {}
        self.ws = None
        self.connect()

    # --- connecting ------------------------------------------------------------

    def connect(self, within: float = 15) -> None:
        """Open the socket (again), retrying as the page does until `within` runs out."""
        deadline = time.monotonic() + within
        while True:
            query = "" if self.last_seq is None else f"?after={self.last_seq}"
            try:
                ws = connect(
                    self.url + query,
                    origin=self.origin,
                    additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={self.cookie}"},
                    open_timeout=5,
                    max_queue=None,  # never the slow reader: the server's pace is under test
                    legacy=True,  # a connection that outlives any one block, as a page's does
                )
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                failure = repr(exc)
            else:
                try:
                    first = json.loads(ws.recv(timeout=5))
                except (TimeoutError, ConnectionClosed) as exc:
                    failure = repr(exc)
                    ws.close()
                else:
                    if first["type"] == "welcome":
                        break
                    ws.close()
                    if first.get("code") in CloseCode.FINAL:
                        raise AssertionError(f"{self.name} refused for good: {first}")
                    failure = repr(first)
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} could not (re)connect: {failure}")
            time.sleep(0.2)
        self.ws = ws
        self.welcome = first
        self.viewers = first["viewers"]
        self.connections += 1
        if self.last_seq is None:
            self.first_seq = self.last_seq = first["last_seq"]

    def close(self) -> None:
        self.ws.close()

    # --- reading ---------------------------------------------------------------

    def _handle(self, frame: dict) -> None:
        kind = frame["type"]
        if kind in ("ack", "error"):
            self.replies[frame.get("ref")] = frame
        elif kind == "presence":
            self.viewers = frame["viewers"]
        elif "seq" in frame:
            self.events.append(frame)
            self.last_seq = max(self.last_seq, frame["seq"])

    def read(self, timeout: float) -> None:
        """Handle one frame, or reconnect if the server closed the socket."""
        try:
            text = self.ws.recv(timeout=timeout)
        except TimeoutError:
            return
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            self.closes.append(code)
            if code in CloseCode.FINAL:
                raise AssertionError(f"{self.name} closed for good with {code}") from exc
            self.connect()
            return
        self._handle(json.loads(text))

    def wait_until(self, predicate, what: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"{self.name}: no {what} within {timeout}s; last seq {self.last_seq}, "
                    f"viewers {self.viewers}, closes {self.closes}"
                )
            self.read(min(left, 0.1))

    def wait_for_seq(self, seq: int, timeout: float = 10) -> None:
        self.wait_until(lambda: self.last_seq >= seq, f"event {seq}", timeout)

    def settle(self, seconds: float) -> None:
        """Keep reading for a while: whatever else the server sends is recorded."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.read(min(left, 0.1))

    # --- sending ---------------------------------------------------------------

    def chat(self, text: str, timeout: float = 10) -> dict | None:
        """Send a chat message; its ack (or error). None if the socket closed first."""
        return self.chat_many([text], timeout)[0]

    def chat_many(self, texts: list[str], timeout: float = 20) -> list[dict | None]:
        """Send several messages without waiting in between, then collect the answers."""
        refs = [uuid.uuid4().hex[:12] for _ in texts]
        connection = self.connections
        try:
            for ref, text in zip(refs, texts, strict=True):
                self.ws.send(json.dumps({"type": "chat", "text": text, "ref": ref}))
        except ConnectionClosed:
            pass  # read() notices and reconnects; the unanswered ones are not accepted
        self.wait_until(
            lambda: self.connections != connection or all(r in self.replies for r in refs),
            f"answers to {len(texts)} messages",
            timeout,
        )
        return [self.replies.get(ref) for ref in refs]


def _event_seqs(client: RoomClient) -> list[int]:
    return [frame["seq"] for frame in client.events]


def _seqs_in_database(session: LiveSession, after: int) -> list[int]:
    return list(
        RoomEvent.objects.filter(session=session, seq__gt=after)
        .order_by("seq")
        .values_list("seq", flat=True)
    )


@pytest.fixture
def room(alice_channel):
    """A free session of alice's channel, live."""
    session = LiveSessionFactory(channel=alice_channel, title="Async Python, live")
    return services.session_start(session=session, user=alice_channel.creator.user)


@pytest.fixture
def dora(db):
    return UserFactory(email="dora@example.com", display_name="Dora")


@pytest.fixture
def erin(db):
    return UserFactory(email="erin@example.com", display_name="Erin")


@pytest.fixture
def frank(db):
    return UserFactory(email="frank@example.com", display_name="Frank")


# --- two processes -------------------------------------------------------------------


def test_chat_sent_on_one_process_reaches_viewers_on_both_with_one_seq(
    static_root, tmp_path, room, bob, dora
):
    env = _room_env()
    with (
        uvicorn_server(static_root, env_extra=env, output=tmp_path / "one.log") as port_1,
        uvicorn_server(static_root, env_extra=env, output=tmp_path / "two.log") as port_2,
    ):
        bob_ws = RoomClient(port_1, room.pk, bob, "bob@1")
        dora_ws = RoomClient(port_2, room.pk, dora, "dora@2")

        ack = bob_ws.chat("Hello from process one")
        assert ack["type"] == "ack", ack
        for viewer in (bob_ws, dora_ws):
            viewer.wait_for_seq(ack["seq"])
            assert len(viewer.events) == 1, viewer.events
            chat = viewer.events[0]
            assert chat["type"] == "chat"
            assert chat["seq"] == ack["seq"]
            assert chat["text"] == "Hello from process one"
            assert chat["user"] == {"id": bob.pk, "name": "Bob", "role": "viewer"}

        # Each process counts its own viewers and hears the other's count every tick.
        for viewer in (bob_ws, dora_ws):
            viewer.wait_until(lambda v=viewer: v.viewers == 2, "presence of 2 viewers")

        dora_ws.close()
        bob_ws.wait_until(lambda: bob_ws.viewers == 1, "presence of 1 viewer after dora left")
        bob_ws.close()
        assert bob_ws.closes == [] and dora_ws.closes == []


# --- reconnecting --------------------------------------------------------------------


def test_reconnecting_viewer_gets_exactly_the_messages_it_missed_in_order(
    static_root, tmp_path, room, bob, dora
):
    with uvicorn_server(static_root, env_extra=_room_env(), output=tmp_path / "one.log") as port:
        bob_ws = RoomClient(port, room.pk, bob, "bob")
        dora_ws = RoomClient(port, room.pk, dora, "dora")
        ack = dora_ws.chat("Before bob's tunnel")
        bob_ws.wait_for_seq(ack["seq"])
        seen = bob_ws.last_seq
        bob_ws.close()

        texts = [f"Missed message {n}" for n in range(200)]
        acks = dora_ws.chat_many(texts)
        assert [a["seq"] for a in acks] == list(range(seen + 1, seen + 201)), acks[:3]

        bob_ws.events.clear()
        bob_ws.connect()
        assert bob_ws.welcome["last_seq"] == seen + 200
        bob_ws.wait_for_seq(seen + 200)
        assert _event_seqs(bob_ws) == list(range(seen + 1, seen + 201))
        assert [frame["text"] for frame in bob_ws.events] == texts
        assert {frame["type"] for frame in bob_ws.events} == {"chat"}

        # Live delivery resumes after the catch-up, and nothing is sent twice.
        ack = dora_ws.chat("Welcome back, Bob")
        assert ack["seq"] == seen + 201
        bob_ws.wait_for_seq(ack["seq"])
        bob_ws.settle(3 * TICK_SECONDS)
        assert _event_seqs(bob_ws) == list(range(seen + 1, seen + 202))
        assert bob_ws.events[-1]["text"] == "Welcome back, Bob"
        bob_ws.close()
        dora_ws.close()


# --- Redis restarts ------------------------------------------------------------------


class RedisServer:
    """A private redis-server on a free port, which a test may kill and start again."""

    def __init__(self, directory):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not shutil.which(binary):
            pytest.fail("redis-server is not installed: run scripts/install.sh --dev")
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.directory / "redis.log", "a")  # noqa: SIM115 - lives with the process
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start: {self.log()}")
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=5)

    def log(self) -> str:
        return (self.directory / "redis.log").read_text()


@pytest.fixture
def private_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.proc.poll() is None:
        server.kill()


def test_redis_restart_mid_session_loses_no_accepted_message(
    static_root, tmp_path, private_redis, room, bob, dora, erin, frank
):
    env = _room_env(REDIS_URL=private_redis.url)
    logs = [tmp_path / "one.log", tmp_path / "two.log"]

    def server_output() -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-6000:]}" for log in logs)

    with ExitStack() as servers:
        port_1 = servers.enter_context(uvicorn_server(static_root, env_extra=env, output=logs[0]))
        port_2 = servers.enter_context(uvicorn_server(static_root, env_extra=env, output=logs[1]))
        # Two senders and two quiet viewers, one of each on each process.
        bob_ws = RoomClient(port_1, room.pk, bob, "bob@1")
        dora_ws = RoomClient(port_2, room.pk, dora, "dora@2")
        erin_ws = RoomClient(port_1, room.pk, erin, "erin@1")
        frank_ws = RoomClient(port_2, room.pk, frank, "frank@2")
        clients = [bob_ws, dora_ws, erin_ws, frank_ws]
        accepted: list[int] = []

        def post_round(phase: str) -> None:
            """Each sender posts one message; every one must be acked."""
            for sender in (bob_ws, dora_ws):
                answer = sender.chat(f"{phase}: {len(accepted)} from {sender.name}")
                assert answer is not None and answer["type"] == "ack", (
                    f"{phase}: {sender.name} got {answer}\n{server_output()}"
                )
                accepted.append(answer["seq"])
            for client in clients:  # pages keep reading while others post
                client.settle(0.05)

        def everyone_catches_up(timeout: float) -> None:
            try:
                for client in clients:
                    client.wait_for_seq(max(accepted), timeout=timeout)
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{server_output()}") from exc

        for _ in range(3):
            post_round("Redis up")
        everyone_catches_up(timeout=5)  # live delivery through Redis works

        private_redis.kill()
        # Down for several ticks: the hubs' receive loops and ticks fail meanwhile.
        down_since = time.monotonic()
        while time.monotonic() - down_since < 8 * TICK_SECONDS:
            # The event is saved before the publish, and a failed publish is only
            # logged: the sender still gets its ack, and promptly.
            post_round("Redis down")
        # A page whose own connection drops during the outage comes back with `after=`.
        frank_ws.close()
        frank_ws.connect()
        post_round("Redis down")
        assert time.monotonic() - down_since < 10, "acks waited on the dead Redis"

        private_redis.start()
        for _ in range(3):
            post_round("Redis back")
        everyone_catches_up(timeout=20)

        # Viewer counts cross processes only through Redis, and every report from
        # before the outage has expired: a welcome counting the other process's
        # viewers proves both hubs publish and receive through the new Redis.
        for client in clients:
            deadline = time.monotonic() + 10
            while True:
                client.close()
                client.connect()
                if client.welcome["viewers"] == 4:
                    break
                assert time.monotonic() < deadline, (
                    f"{client.name} sees {client.welcome['viewers']} viewers\n{server_output()}"
                )
                time.sleep(TICK_SECONDS)
        post_round("reconnected")
        everyone_catches_up(timeout=5)
        for client in clients:
            client.settle(3 * TICK_SECONDS)

        assert accepted == sorted(accepted) and len(set(accepted)) == len(accepted)
        for log in logs:
            # One warning per process for the outage and one line when it is over,
            # not a traceback per failed call.
            text = log.read_text()
            assert text.count("Redis unavailable") == 1, text[-6000:]
            assert text.count("Redis recovered") == 1, text[-6000:]
            assert "live hub:" not in text and "livestream/hub.py" not in text, text[-6000:]
        for client in clients:
            # Every event of the room since the client came, once each, in order:
            # across the outage, the tick's catch-up and the reconnections.
            expected = _seqs_in_database(room, after=client.first_seq)
            assert _event_seqs(client) == expected, (client.name, client.closes)
            assert set(accepted) <= set(expected)
            client.close()


# --- shared presence and rate limits -------------------------------------------------


def test_one_user_on_two_processes_is_one_viewer_with_one_budget(
    static_root, tmp_path, room, bob, dora
):
    # A budget of 4 actions that does not refill within the test.
    env = _room_env(LIVESTREAM_RATE_BURST="4", LIVESTREAM_RATE_PER_SECOND="0.01")
    with (
        uvicorn_server(static_root, env_extra=env, output=tmp_path / "one.log") as port_1,
        uvicorn_server(static_root, env_extra=env, output=tmp_path / "two.log") as port_2,
    ):
        bob_1 = RoomClient(port_1, room.pk, bob, "bob@1")
        bob_2 = RoomClient(port_2, room.pk, bob, "bob@2")  # a second tab, other process
        assert bob_2.welcome["viewers"] == 1
        dora_2 = RoomClient(port_2, room.pk, dora, "dora@2")
        assert dora_2.welcome["viewers"] == 2  # bob once, dora once
        bob_1.wait_until(lambda: bob_1.viewers == 2, "presence of 2 viewers on process one")

        answers = [bob_1.chat("one"), bob_2.chat("two"), bob_1.chat("three"), bob_2.chat("four")]
        assert [a["type"] for a in answers] == ["ack"] * 4, answers
        # The fifth, on either process, is over the one budget they share.
        for tab in (bob_1, bob_2):
            refused = tab.chat("five")
            assert refused["type"] == "error" and refused["code"] == "rate_limited", refused
        assert dora_2.chat("dora has her own budget")["type"] == "ack"

        # Bob closes one tab: still one viewer; both closed: gone.
        bob_2.close()
        dora_2.settle(3 * TICK_SECONDS)
        assert dora_2.viewers == 2
        bob_1.close()
        dora_2.wait_until(lambda: dora_2.viewers == 1, "presence of 1 viewer after bob left")
        dora_2.close()


# --- a server process dies -----------------------------------------------------------


def test_viewers_of_a_killed_process_resume_through_the_other_losing_nothing(
    static_root, tmp_path, room, bob, dora, erin
):
    env = _room_env()
    with (
        uvicorn_server(static_root, env_extra=env, output=tmp_path / "one.log") as port_1,
        uvicorn_server(static_root, env_extra=env, output=tmp_path / "two.log") as port_2,
    ):
        bob_1 = RoomClient(port_1, room.pk, bob, "bob@1")
        erin_1 = RoomClient(port_1, room.pk, erin, "erin@1")
        dora_2 = RoomClient(port_2, room.pk, dora, "dora@2")
        accepted = [a["seq"] for a in dora_2.chat_many([f"before {n}" for n in range(20)])]
        for viewer in (bob_1, erin_1):
            viewer.wait_for_seq(accepted[-1])

        asgi_servers.running[port_1].send_signal(signal.SIGKILL)
        asgi_servers.running[port_1].wait(timeout=10)
        # Posted while process one is dead and its viewers are away.
        accepted += [a["seq"] for a in dora_2.chat_many([f"during {n}" for n in range(30)])]
        # The page reconnects, through the load balancer, to the process still up,
        # with ?after= the last seq it applied.
        for viewer in (bob_1, erin_1):
            viewer.url = viewer.url.replace(f":{port_1}/", f":{port_2}/")
            viewer.origin = viewer.origin.replace(f":{port_1}", f":{port_2}")
        accepted += [a["seq"] for a in dora_2.chat_many([f"after {n}" for n in range(10)])]
        for viewer in (bob_1, erin_1):
            viewer.wait_for_seq(accepted[-1], timeout=30)
            viewer.settle(3 * TICK_SECONDS)
            assert viewer.connections == 2 and viewer.closes == [None], viewer.closes
            # Everything since it first joined, once each, in order, across the kill.
            assert _event_seqs(viewer) == _seqs_in_database(room, after=viewer.first_seq)
            assert set(accepted) <= set(_event_seqs(viewer))
            viewer.close()
        dora_2.close()
