"""Real ASGI servers for tests: uvicorn processes against the test database.

Used by tests/test_asgi_servers.py and tests/livestream/test_room_servers.py. A server's
output goes to a file, not a pipe: a process that logs a lot (Redis down, warnings
with tracebacks every tick) would block on a full pipe nobody reads.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
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


# port -> the server process, while it runs (a test may SIGKILL one).
running: dict[int, subprocess.Popen] = {}


@contextmanager
def uvicorn_server(static_root, *, env_extra=None, output: Path | None = None):
    """Start uvicorn on a free port and yield the port; stop it on exit.

    The server's stdout and stderr go to `output` (a temporary file next to the
    static root if not given): read it to see the server's tracebacks.
    """
    port = free_port()
    output = output or Path(static_root).parent / f"uvicorn-{port}.log"
    env = {
        **os.environ,
        "STATIC_ROOT": str(static_root),
        "DATABASE_URL": _database_url(),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",  # the room socket's allowed Origin
        "PLAIN_HTTP": "1",
        **(env_extra or {}),
    }
    with open(output, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
             "--port", str(port), "--lifespan", "off", "--log-level", "warning",
             "--ws-per-message-deflate", "false"],  # as deploy/Procfile
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # importing the app takes 30 s on a loaded machine
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz/", timeout=2)  # noqa: S310 - loopback
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"uvicorn did not start: {output.read_text()}")
                time.sleep(0.2)
        running[port] = proc
        yield port
    finally:
        running.pop(port, None)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
