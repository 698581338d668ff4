"""The ASGI app under a real server (uvicorn), and two server processes sharing Redis.

A message sent by a WebSocket client on one process reaches a client on the other:
the channel layer really goes through Redis, as it must when the site runs on more
than one process or machine.
"""

import json
import re
import urllib.request
import uuid

import pytest
from websockets.sync.client import connect

from tests import asgi_servers
from tests.asgi_servers import uvicorn_server
from tests.factories import ChannelFactory

static_root = asgi_servers.static_root  # the fixture, shared with the live-room server tests


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
