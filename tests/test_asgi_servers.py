"""The ASGI app under a real server (uvicorn), and two server processes sharing Redis.

A message sent by a WebSocket client on one process reaches a client on the other:
the channel layer really goes through Redis, as it must when the site runs on more
than one process or machine.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from websockets.sync.client import connect

from tests.factories import ChannelFactory

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """Production serves a collectstatic'ed, hashed manifest (whitenoise): build one."""
    root = tmp_path_factory.mktemp("static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env={**os.environ, "DEBUG": "0", "STATIC_ROOT": str(root)}, check=True,
    )  # fmt: skip
    return root


@contextmanager
def uvicorn_server(static_root, *, env_extra=None):
    port = _free_port()
    env = {
        **os.environ,
        "STATIC_ROOT": str(static_root),
        "DATABASE_URL": _database_url(),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        **(env_extra or {}),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--lifespan", "off", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz/", timeout=2)  # noqa: S310 - loopback
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = proc.stdout.read() if proc.poll() is not None else ""
                    pytest.fail(f"uvicorn did not start: {output}")
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _ws(port):
    return connect(
        f"ws://127.0.0.1:{port}/ws/health/",
        origin=f"http://127.0.0.1:{port}",
        open_timeout=10,
    )


@pytest.mark.django_db(transaction=True)
def test_uvicorn_serves_pages_static_health_and_websockets(static_root):
    ChannelFactory(title="Served by uvicorn")
    with uvicorn_server(static_root) as port:
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/healthz/", timeout=5) as response:  # noqa: S310
            assert json.load(response)["status"] == "ok"
        with urllib.request.urlopen(f"{base}/catalogue/", timeout=5) as response:  # noqa: S310
            page = response.read().decode()
        assert "Served by uvicorn" in page
        css = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', page).group(1)
        with urllib.request.urlopen(f"{base}{css}", timeout=5) as response:  # noqa: S310
            assert response.headers["Cache-Control"].startswith("max-age=315360000")
        with _ws(port) as ws:
            ws.send(json.dumps({"echo": "hello"}))
            assert json.loads(ws.recv(timeout=5)) == {"echo": "hello"}


@pytest.mark.django_db(transaction=True)
def test_websocket_from_a_foreign_origin_is_refused(static_root):
    with uvicorn_server(static_root) as port:
        with pytest.raises(Exception) as refused:  # noqa: B017,PT011 - handshake rejected
            with connect(
                f"ws://127.0.0.1:{port}/ws/health/", origin="http://evil.example", open_timeout=5
            ):
                pass
        assert "403" in str(refused.value)


@pytest.mark.django_db(transaction=True)
def test_message_sent_through_one_process_reaches_a_client_on_another(static_root):
    isolated = {"CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex[:8]}"}
    with (
        uvicorn_server(static_root, env_extra=isolated) as port_a,
        uvicorn_server(static_root, env_extra=isolated) as port_b,
    ):
        with _ws(port_a) as sender, _ws(port_b) as viewer:
            # Each socket joined the group during its handshake, so the first message
            # already reaches both.
            sender.send(json.dumps({"echo": "across processes"}))
            assert json.loads(viewer.recv(timeout=10)) == {"echo": "across processes"}
            assert json.loads(sender.recv(timeout=10)) == {"echo": "across processes"}
