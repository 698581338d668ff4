"""Real nginx servers for the video tests: the ingest/origin nginx as
`manage.py video_ingest` writes it, and the edge cache in front of it.

Both run as ordinary processes with every file under the test's tmp dir.
"""

import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from livestream.management.commands.video_ingest import (
    nginx_reload,
    nginx_start,
    nginx_stop,
    write_config,
    write_edge_config,
)
from tests.asgi_servers import free_port

_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(port: int, path: str) -> tuple[int, bytes, dict]:
    """GET http://127.0.0.1:<port><path>: (status, body, headers)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    try:
        with _http.open(request, timeout=5) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, b"", dict(error.headers)


def _stopped(prefix: Path) -> None:
    nginx_stop(prefix)
    deadline = time.monotonic() + 10
    while (prefix / "nginx.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.1)


@contextmanager
def origin_nginx(prefix: Path, *, callback_base: str = "http://127.0.0.1:9"):
    """The ingest nginx (RTMP and signed HTTP). Yields a dict with its ports, its
    prefix and `reload()` (rewrite the config from the current settings)."""
    rtmp_port, http_port = free_port(), free_port()

    def config() -> Path:
        return write_config(prefix=prefix, rtmp_port=rtmp_port, http_port=http_port,
                            callback_base=callback_base)  # fmt: skip

    nginx_start(config())
    try:
        yield {"port": rtmp_port, "http": http_port, "prefix": prefix,
               "reload": lambda: nginx_reload(config())}  # fmt: skip
    finally:
        _stopped(prefix)


@contextmanager
def edge_nginx(prefix: Path, *, origin_port: int):
    """An edge cache (deploy/nginx-edge.conf.template) in front of the origin."""
    port = free_port()
    nginx_start(write_edge_config(prefix=prefix, http_port=port,
                                  origin=f"http://127.0.0.1:{origin_port}"))  # fmt: skip
    try:
        yield {"http": port, "prefix": prefix}
    finally:
        _stopped(prefix)


def hls_files(prefix: Path, kind: str, session_id: int, segments: int = 3) -> list[str]:
    """A small live playlist and its segments, written where nginx-rtmp writes them."""
    folder = prefix / kind / str(session_id)
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"index-{i}.ts" for i in range(segments)]
    for name in names:
        (folder / name).write_bytes(name.encode() * 2000)
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:2", "#EXT-X-MEDIA-SEQUENCE:0"]
    for name in names:
        lines += ["#EXTINF:2.0,", name]
    (folder / "index.m3u8").write_text("\n".join(lines) + "\n")
    return names
