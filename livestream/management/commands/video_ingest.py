"""Write the nginx-rtmp configuration for this checkout and start or stop nginx.

    manage.py video_ingest start [--rtmp-port 1935] [--http-port 8935] [--callback-base URL]
    manage.py video_ingest stop
    manage.py video_ingest reload    (rewrite the config, e.g. after a key rotation)
    manage.py video_ingest edge [--edge-port 8936]    (an edge cache in front of it,
        files under <prefix>-edge/; deploy/nginx-edge.conf.template, docs/scaling.md)
    manage.py video_ingest config    (write var/nginx/nginx.conf only)

nginx runs as an ordinary process with everything under var/nginx/; no system
service is involved. Without nginx or its RTMP module the command says so and exits
with status 3, and the site runs without video ingest.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from livestream import ladder
from livestream.playback import nginx_key_map
from livestream.replay_storage import nginx_bucket_origin
from livestream.video_views import callback_token

NGINX = "/usr/sbin/nginx"
MODULE_PATHS = ("/usr/lib/nginx/modules/ngx_rtmp_module.so",)
TEMPLATE = Path(settings.BASE_DIR) / "deploy" / "nginx-rtmp.conf.template"
EDGE_TEMPLATE = Path(settings.BASE_DIR) / "deploy" / "nginx-edge.conf.template"


def _user_directive() -> str:
    # Started by root (CI), nginx would drop its workers to `nobody`, who cannot
    # write into the project's folders: keep the workers as the caller.
    return "user root;" if os.geteuid() == 0 else ""


def rtmp_module() -> str | None:
    return next((p for p in MODULE_PATHS if Path(p).exists()), None)


def write_config(*, prefix: Path, rtmp_port: int, http_port: int, callback_base: str) -> Path:
    module = rtmp_module()
    if not Path(NGINX).exists() or module is None:
        raise FileNotFoundError(
            "nginx with the RTMP module is not installed (Debian: nginx libnginx-mod-rtmp)."
        )
    for sub in ("hls", "rec", "vod", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    config = TEMPLATE.read_text().format(
        prefix=prefix,
        module=module,
        rtmp_port=rtmp_port,
        http_port=http_port,
        callback_base=callback_base.rstrip("/"),
        site_origin=callback_base.rstrip("/"),
        token=callback_token(),
        signing_keys=nginx_key_map(),
        video_bucket=_bucket_directive(),
        abr_exec=_abr_directive(prefix=prefix, rtmp_port=rtmp_port),
        update_seconds=settings.VIDEO_UPDATE_SECONDS,
        user_directive=_user_directive(),
    )
    path = prefix / "nginx.conf"
    path.write_text(config)
    return path


def _abr_directive(*, prefix: Path, rtmp_port: int) -> str:
    """With VIDEO_ABR, nginx runs livestream/ladder.py for every accepted publish (after
    on_publish said yes) and stops it, SIGTERM, when the publish ends. `-I`: the
    script's folder is not on the import path (livestream/selectors.py would shadow
    the standard library's)."""
    if not settings.VIDEO_ABR:
        return ""
    rungs = ladder.parse_ladder(settings.VIDEO_ABR_LADDER)  # refuses a malformed ladder
    spec = ",".join(f"{r.name}:{r.height}:{r.kbps}" for r in rungs)
    if not rungs or not settings.VIDEO_ABR_PRESET.isalpha():
        raise ValueError("VIDEO_ABR needs a ladder (VIDEO_ABR_LADDER) and an x264 preset")
    return (
        "            # Adaptive bitrate (VIDEO_ABR): the ladder's renditions and master playlist.\n"
        f"            exec_push {sys.executable} -I {ladder.__file__}"
        f" --input rtmp://127.0.0.1:{rtmp_port}/live/$name --out {prefix}/hls/$name"
        f" --ladder {spec} --preset {settings.VIDEO_ABR_PRESET};\n"
        "            exec_kill_signal term;"
    )


def _bucket_directive() -> str:
    origin = nginx_bucket_origin()
    if not origin:
        return "return 404;"
    return f"proxy_pass {origin}/$video_kind/$video_session/$video_file;"


def write_edge_config(*, prefix: Path, http_port: int, origin: str, listen_host: str = "127.0.0.1",
                      cache_max_size: str = "1g") -> Path:  # fmt: skip
    """The edge cache's configuration (deploy/nginx-edge.conf.template): verifies
    the same playback keys, caches segments from `origin` (http://host:port)."""
    if not Path(NGINX).exists():
        raise FileNotFoundError("nginx is not installed (Debian: nginx)")
    for sub in ("cache", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    config = EDGE_TEMPLATE.read_text().format(
        prefix=prefix,
        listen=f"{listen_host}:{http_port}",
        origin_host=origin.removeprefix("http://").rstrip("/"),
        signing_keys=nginx_key_map(),
        cache_max_size=cache_max_size,
        user_directive=_user_directive(),
    )
    path = prefix / "nginx.conf"
    path.write_text(config)
    return path


def _nginx(config: Path, *extra: str) -> None:
    """Test the configuration, then run nginx with it (and `extra`, e.g. -s reload)."""
    base = [NGINX, "-p", str(config.parent), "-c", str(config)]
    # Fixed binary, paths of our own making: no untrusted input reaches the command.
    subprocess.run([*base, "-t", "-q"], check=True)  # noqa: S603
    subprocess.run([*base, *extra], check=True)  # noqa: S603


def nginx_start(config: Path) -> None:
    _nginx(config)


def nginx_reload(config: Path) -> None:
    """Re-read the configuration (new playback keys) without dropping streams."""
    _nginx(config, "-s", "reload")


def nginx_stop(prefix: Path) -> bool:
    pid_file = prefix / "nginx.pid"
    if not pid_file.exists():
        return False
    try:
        os.kill(int(pid_file.read_text().strip()), signal.SIGQUIT)
    except (ProcessLookupError, ValueError):
        pid_file.unlink(missing_ok=True)
        return False
    return True


class Command(BaseCommand):
    help = "Write the nginx-rtmp configuration and start or stop the ingest server."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["start", "stop", "reload", "config", "edge"])
        parser.add_argument("--prefix", default=settings.VIDEO_ROOT)
        parser.add_argument("--rtmp-port", type=int, default=1935)
        parser.add_argument("--http-port", type=int, default=8935)
        parser.add_argument("--callback-base", default="http://127.0.0.1:8000")
        parser.add_argument("--edge-port", type=int, default=8936)

    def handle(self, *args, action, prefix, rtmp_port, http_port, callback_base, **options):
        prefix = Path(prefix).resolve()
        if action == "edge":
            edge = prefix.with_name(prefix.name + "-edge")
            nginx_stop(edge)
            config = write_edge_config(prefix=edge, http_port=options["edge_port"],
                                       origin=f"http://127.0.0.1:{http_port}")  # fmt: skip
            try:
                nginx_start(config)
            except subprocess.CalledProcessError as exc:
                raise CommandError(f"nginx did not start; see {edge / 'error.log'}") from exc
            self.stdout.write(
                f"edge cache on http://127.0.0.1:{options['edge_port']} (config {config})"
            )
            return
        if action == "stop":
            stopped = nginx_stop(prefix)
            self.stdout.write("video ingest stopped" if stopped else "video ingest was not running")
            return
        try:
            config = write_config(
                prefix=prefix, rtmp_port=rtmp_port, http_port=http_port,
                callback_base=callback_base,
            )  # fmt: skip
        except FileNotFoundError as exc:
            self.stderr.write(f"Video ingest is off: {exc}")
            raise SystemExit(3) from exc
        if action == "config":
            self.stdout.write(str(config))
            return
        if action == "reload":
            try:
                nginx_reload(config)
            except subprocess.CalledProcessError as exc:
                raise CommandError(f"nginx did not reload; see {prefix / 'error.log'}") from exc
            self.stdout.write("video ingest reloaded")
            return
        nginx_stop(prefix)
        try:
            nginx_start(config)
        except subprocess.CalledProcessError as exc:
            raise CommandError(f"nginx did not start; see {prefix / 'error.log'}") from exc
        self.stdout.write(f"video ingest on rtmp://127.0.0.1:{rtmp_port}/live (config {config})")
