"""Video benchmark: publish to first playable playlist, latency behind live, segment
requests/s through the signed path and the edge cache against unchecked nginx, Django
requests per viewer, and simulated viewers in real time.

    .venv/bin/python -m tests.benchmarks.bench_video [--quick | --smoke] [--repeats 5]
        [--latency-seconds 30] [--duration 8] [--rounds 3] [-c 32] [-t 2]
        [--keyint-seconds 2] [--viewers 1000,2000] [--viewer-seconds 60] [--reuse-db]

Builds a dedicated PostgreSQL database (zhiliao_bench_video; dropped, created and
migrated each run unless --reuse-db, or --smoke finds it), a creator with a published
channel, one free session per publish (scheduled; the publish takes it live) and a
logged-in learner (a Django session row written directly; the cookie is its key).
Then, as production runs them:

  app    gunicorn -c deploy/gunicorn.conf.py (sync workers, persistent connections;
         deploy/Procfile's HTTP server), on a free port
  nginx  livestream.management.commands.video_ingest.write_config + nginx_start:
         deploy/nginx-rtmp.conf.template as shipped (2 s fragments, 20 s playlist,
         playback tokens checked by secure_link), callbacks to the app server
  edge   deploy/nginx-edge.conf.template (write_edge_config) in front of it
  ffmpeg a generated picture and tone (testsrc 640x360 at 30 fps, libx264 ultrafast
         zerolatency, 1 Mbit/s, a keyframe every --keyint-seconds, AAC), -re, pushed
         to rtmp://.../live/<session id>?key=<stream key>

Players (class Player) do what static/js/live-room.js does: a token from Django
(/live/<id>/playback/hls/, with the learner's cookie) at start and every refresh_in
seconds; playlists and segments go to nginx with the token in the path, no cookie.

1. Startup, --repeats times, each on a fresh session: wall time from spawning ffmpeg,
   and from its first frame (estimated from ffmpeg's -progress), to the first
   playlist fetched through nginx with the token that answers 200 with at least one
   segment (polled every 50 ms). Also when the session went live and when the
   playlist appeared on disk.
2. Latency behind live, one stream for --latency-seconds: the playlist polled every
   100 ms; the media end of the newest listed segment against the wall time since
   the first frame ("edge age"); a player at hls.js's live sync point plays 3 x
   EXT-X-TARGETDURATION behind the edge.
3. Segment requests/s, while that stream runs: wrk on the newest segment through the
   signed path, through the edge cache, from a second nginx written from the same
   rendered config with the RTMP block and the token check removed (reference), and
   the app's token endpoint alone. CPU per request, database transactions.
4. Viewers (asyncio + aiohttp), --viewers N through the origin and M through the
   edge for --viewer-seconds: each joins (token), polls the playlist every target
   duration and fetches each new segment; a segment fetched later than its duration
   after it was listed is a stall. Reports stalls, errors, the origin's requests/s
   (its stub_status counter) and Django requests per viewer per minute.

The last line printed is
    video signed <r>x edge <r>x of unchecked nginx, django <n> req/viewer/min

Figures are printed and written to var/bench/video.md (and video.json); nothing is
asserted. Every process started here (gunicorn, both nginx, ffmpeg) is stopped on
the way out, failures included. Logs: var/bench/video-*.log.

Options may also come from the environment: BENCH_VIDEO_DATABASE_URL,
BENCH_VIDEO_REDIS_URL (default Redis db 8).
"""

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from tests.benchmarks.common import (
    ServerProcess,
    _admin_url,
    _cores,
    _pick,
    database_exists,
    database_fresh,
    free_port,
    log,
    md_table,
    migrate,
    parse_wrk,
    text_table,
)

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "var" / "bench"
PY = sys.executable
HOST = "127.0.0.1"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SETTINGS_MODULE = "tests.benchmarks.bench_settings"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/zhiliao_bench_video"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
WRK = shutil.which("wrk") or ""
FPS = 30
SLOW_KEYINT_FRAMES = 250  # x264's default keyint (OBS "0 = auto")
HLSJS_SYNC_COUNT = 3  # liveSyncDurationCount in static/js/live-room.js (hls.js default too)
SERVER_ENV_KEYS = (
    "DB_POOL", "DB_POOL_MIN", "DB_POOL_MAX", "CONN_MAX_AGE", "WEB_CONCURRENCY",
    "DJANGO_SETTINGS_MODULE", "VIDEO_ROOT", "VIDEO_CALLBACK_TOKEN", "VIDEO_UPDATE_SECONDS",
    "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
)  # fmt: skip

_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --- configuration ---------------------------------------------------------------------


@dataclass
class Config:
    repeats: int
    startup_timeout: float
    latency_seconds: float
    duration: int
    rounds: int
    connections: int
    threads: int
    keyint_seconds: float
    slow_keyint: bool
    database_url: str
    redis_url: str
    reuse_db: bool
    quick: bool
    cores: int
    viewers: list[int]
    viewer_seconds: float
    smoke: bool = False


def parse_args(argv=None) -> Config:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_video",
        description="Publish to first playable playlist, latency behind live, segment req/s.",
    )
    parser.add_argument(
        "--quick", action="store_true",
        help="3 startups, 14 s latency run, no slow-keyframe run, 1 round of 4 s per wrk run",
    )  # fmt: skip
    parser.add_argument("--repeats", type=int, help="publishes timed for startup (default 5)")
    parser.add_argument("--latency-seconds", type=float, help="latency run (default 30)")
    parser.add_argument("--duration", type=int, help="seconds per wrk run (default 8)")
    parser.add_argument("--rounds", type=int, help="wrk runs per target; median (default 3)")
    parser.add_argument("--connections", "-c", type=int, help="wrk connections (default 32)")
    parser.add_argument("--threads", "-t", type=int, help="wrk threads (default 2)")
    parser.add_argument(
        "--keyint-seconds", type=float, default=2.0,
        help="encoder keyframe interval (default 2, matching hls_fragment)",
    )  # fmt: skip
    parser.add_argument(
        "--slow-keyint", action=argparse.BooleanOptionalAction, default=None,
        help=f"a second latency run with a keyframe every {SLOW_KEYINT_FRAMES} frames "
        "(x264's default, OBS's auto); default on, off with --quick",
    )  # fmt: skip
    parser.add_argument("--reuse-db", action="store_true", help="keep the database of the last run")
    parser.add_argument(
        "--viewers", help="viewer load test: N through the origin, M through the edge "
        "(default 1000,2000; --quick 300,600)",
    )  # fmt: skip
    parser.add_argument("--viewer-seconds", type=float, help="viewer load test (default 60)")
    parser.add_argument(
        "--smoke", action="store_true",
        help="tiny sizes (CI): 1 startup, 6 s latency, 1 s wrk runs, 20 viewers for 6 s; "
        "reuses the benchmark database if it exists; nothing judged",
    )  # fmt: skip
    args = parser.parse_args(argv)
    smoke = args.smoke
    if smoke:
        args.repeats, args.latency_seconds, args.duration, args.rounds = 1, 6.0, 1, 1
        args.slow_keyint, args.viewers = False, args.viewers or "20,20"
        args.viewer_seconds = args.viewer_seconds or 6.0
        args.connections = args.connections or 8
    quick = args.quick
    cfg = Config(
        repeats=_pick(args.repeats, "BENCH_VIDEO_REPEATS", 3 if quick else 5),
        startup_timeout=30.0,
        latency_seconds=_pick(args.latency_seconds, "BENCH_VIDEO_LATENCY_SECONDS",
                              14.0 if quick else 30.0, float),
        duration=_pick(args.duration, "BENCH_DURATION", 4 if quick else 8),
        rounds=_pick(args.rounds, "BENCH_ROUNDS", 1 if quick else 3),
        connections=_pick(args.connections, "BENCH_CONNECTIONS", 32),
        threads=_pick(args.threads, "BENCH_THREADS", 2),
        keyint_seconds=args.keyint_seconds,
        slow_keyint=(not quick) if args.slow_keyint is None else args.slow_keyint,
        database_url=os.environ.get("BENCH_VIDEO_DATABASE_URL", DEFAULT_DATABASE_URL),
        redis_url=os.environ.get("BENCH_VIDEO_REDIS_URL", DEFAULT_REDIS_URL),
        reuse_db=args.reuse_db,
        quick=quick,
        cores=_cores(),
        viewers=[int(n) for n in (args.viewers or ("300,600" if quick else "1000,2000"))
                 .split(",")][:2],
        viewer_seconds=_pick(args.viewer_seconds, "BENCH_VIDEO_VIEWER_SECONDS", 60.0, float),
        smoke=smoke,
    )  # fmt: skip
    if len(cfg.viewers) != 2 or not all(1 <= n <= 20000 for n in cfg.viewers):
        parser.error("--viewers N,M (origin, edge), each 1..20000")
    if not 1 <= cfg.repeats <= 20:
        parser.error("repeats 1..20")
    if not 6 <= cfg.latency_seconds <= 600:
        parser.error("latency seconds 6..600")
    if not 1 <= cfg.duration <= 120 or not 1 <= cfg.rounds <= 10:
        parser.error("duration 1..120 s, rounds 1..10")
    if not 0.5 <= cfg.keyint_seconds <= 20:
        parser.error("keyint seconds 0.5..20")
    for url in (cfg.database_url, cfg.redis_url):
        if urlsplit(url).hostname not in LOOPBACK:
            parser.error(f"{url}: the benchmark only talks to services on this machine")
    if "bench" not in urlsplit(cfg.database_url).path:
        parser.error("the benchmark database name must contain 'bench' (it is dropped each run)")
    return cfg


# --- database, people, cookie --------------------------------------------------------------


def environment(cfg: Config, run_id: str, static_root: str, video_root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVER_ENV_KEYS}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DATABASE_URL": cfg.database_url,
            "REDIS_URL": cfg.redis_url,
            "CELERY_BROKER_URL": cfg.redis_url,
            "CACHE_KEY_PREFIX": f"zhiliao-bench-video-{run_id}",
            "CHANNEL_LAYER_PREFIX": f"zhiliao-bench-video-{run_id}",
            "DEBUG": "0",
            # Signs the session written here and derives nginx's callback token: the
            # app server and this process must share it.
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "STATIC_ROOT": static_root,
            "VIDEO_ROOT": str(video_root),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            "NO_PROXY": "*",
            "no_proxy": "*",
        }
    )
    return env


@dataclass
class Seeded:
    session_ids: list[int]
    key: str
    cookie: str  # "sessionid=..."
    app_base: str = ""  # set once gunicorn runs
    players: dict = field(default_factory=dict)

    def player(self, session_id: int) -> "Player":
        if session_id not in self.players:
            self.players[session_id] = Player(self.app_base, self.cookie, session_id)
        return self.players[session_id]


class Player:
    """What static/js/live-room.js does for its token: ask Django (with the viewer's
    cookie) when it starts and again every `refresh_in` seconds; every playlist and
    segment goes to nginx with the newest token and no cookie."""

    def __init__(self, app_base: str, cookie: str, session_id: int, kind: str = "hls"):
        self.url = f"{app_base}/live/{session_id}/playback/{kind}/"
        self.cookie, self.session_id, self.kind = cookie, session_id, kind
        self.django_requests = 0
        self._token: dict | None = None
        self._at = 0.0

    def token(self) -> str:
        if self._token is None or time.monotonic() - self._at >= self._token["refresh_in"]:
            status, body = get(self.url, self.cookie)
            self.django_requests += 1
            if status != 200:
                raise RuntimeError(f"{self.url}: {status} {body[:200]!r}")
            self._token, self._at = json.loads(body), time.monotonic()
        return self._token["token"]

    def path(self, file: str) -> str:
        return f"/{self.kind}/{self.token()}/{self.session_id}/{file}"


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    for key in SERVER_ENV_KEYS:
        if key not in env:
            os.environ.pop(key, None)
    import django

    django.setup()


def seed(run_id: str, sessions: int) -> Seeded:
    """A creator with a published channel and `sessions` free scheduled sessions, a
    stream key, and a logged-in learner (who may watch free sessions)."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connections, transaction
    from django.utils import timezone

    from accounts.models import User
    from livestream import services as live
    from livestream import video
    from livestream.models import LiveSession
    from marketplace import services as market
    from marketplace.models import Category, PublicationStatus

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql" or db.get("HOST") not in LOOPBACK:
        sys.exit("the video benchmark needs PostgreSQL on this machine")
    if "bench" not in str(db["NAME"]):
        sys.exit(f"refusing to seed database {db['NAME']!r}")
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        sys.exit(f"sessions are written as database rows; SESSION_ENGINE={settings.SESSION_ENGINE}")

    with transaction.atomic():
        host = User.objects.create_user(
            f"video-host-{run_id}@bench.invalid", None, display_name="Bench Host"
        )
        creator = market.creator_become(user=host, display_name=f"Video Host {run_id}")
        channel = market.channel_create(
            creator=creator,
            title=f"Video benchmark {run_id}",
            category=Category.objects.order_by("pk").first(),
            status=PublicationStatus.PUBLISHED,
        )
        ids = [
            live.session_schedule(
                user=host,
                channel=channel,
                title=f"Video benchmark {i}",
                scheduled_start=timezone.now() + timedelta(minutes=1),
                access=LiveSession.Access.FREE,
            ).pk
            for i in range(sessions)
        ]
        key = video.stream_key_rotate(creator=creator)
        learner = User.objects.create_user(
            f"video-viewer-{run_id}@bench.invalid", None, display_name="Bench Viewer"
        )
        data = {
            SESSION_KEY: str(learner.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: learner.get_session_auth_hash(),
        }
        row = Session.objects.create(
            session_key=secrets.token_hex(16),
            session_data=SessionStore().encode(data),
            expire_date=timezone.now() + timedelta(days=1),
        )
    connections.close_all()
    return Seeded(ids, key, f"{settings.SESSION_COOKIE_NAME}={row.session_key}")


def session_publishing(session_id: int) -> bool:
    from django.db import connections

    from livestream.models import LiveSession

    try:
        return bool(
            LiveSession.objects.filter(pk=session_id).values_list("publishing", flat=True).first()
        )
    finally:
        connections.close_all()


# --- processes ------------------------------------------------------------------------


def get(url: str, cookie: str | None = None, timeout: float = 5, headers=None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with _http.open(request, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class AppServer(ServerProcess):
    """gunicorn as deploy/Procfile runs it (deploy/gunicorn.conf.py), its own session."""

    name = "gunicorn"

    def __init__(self, env: dict[str, str]):
        super().__init__(env, OUT_DIR / "video-app.log")

    def argv(self) -> list[str]:
        return [
            PY, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind", f"{HOST}:{self.port}", "--log-level", "warning",
        ]  # fmt: skip

    def ready(self) -> bool:
        return get(self.base + "/healthz/", timeout=2)[0] == 200

    def start(self, ready_timeout: float = 180) -> None:
        super().start(ready_timeout)

    def pids(self) -> list[int]:
        return group_pids(self.proc.pid) if self.proc else []


class Nginx:
    """An nginx master started here (daemon on: it writes its pid to <prefix>/nginx.pid)."""

    def __init__(self, prefix: Path, http_port: int):
        self.prefix, self.http_port = prefix, http_port
        self.pid: int | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    def started(self, ready_timeout: float = 10) -> None:
        deadline = time.monotonic() + ready_timeout
        pid_file = self.prefix / "nginx.pid"
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                self.pid = int(pid_file.read_text().strip())
                if get(self.base + "/healthz", timeout=2)[0] == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"nginx in {self.prefix} not ready:\n{self.error_log()}")

    def pids(self) -> list[int]:
        if self.pid is None:
            return []
        return [self.pid, *children(self.pid)]

    def stop(self) -> None:
        """SIGQUIT (graceful), then SIGTERM, then SIGKILL to the master and workers."""
        if self.pid is None:
            return
        pids = self.pids()
        for sig, wait in ((signal.SIGQUIT, 10), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            for pid in pids if sig == signal.SIGKILL else [self.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and any(alive(p) for p in pids):
                time.sleep(0.1)
            if not any(alive(p) for p in pids):
                break
        self.pid = None

    def error_log(self, lines: int = 30) -> str:
        try:
            text = (self.prefix / "error.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def reference_config(rendered: str, main_prefix: Path, ref_prefix: Path, port: int) -> str:
    """The shipped, rendered config without RTMP and without the token check: the same
    http block (same locations, types and headers) serving the same hls folder."""
    lines = rendered.splitlines()
    out, skipping, removed_checks = [], False, 0
    for line in lines:
        if line.startswith("load_module"):
            continue
        if line.startswith("rtmp {"):
            skipping = True
            continue
        if skipping:
            skipping = line != "}"
            continue
        stripped = line.strip()
        if stripped.startswith(("secure_link", "if ($video_secret", "if ($secure_link")):
            removed_checks += 1
            continue
        out.append(line)
    text = "\n".join(out) + "\n"
    listen = f"listen {HOST}:"
    if removed_checks == 0 or "rtmp {" in text or text.count(listen) != 1:
        raise RuntimeError("the rendered nginx config no longer has the expected shape")
    text = re.sub(rf"listen {re.escape(HOST)}:\d+;", f"listen {HOST}:{port};", text)
    # Every path under the main prefix moves to the reference's; its hls/ is a link
    # to the main hls/ folder, so both serve the very same files.
    return text.replace(str(main_prefix), str(ref_prefix))


class Encoder:
    """ffmpeg pushing a generated stream; -progress tells when its first frame went out."""

    def __init__(self, rtmp_port: int, session_id: int, key: str, keyint: float, log_path: Path):
        gop = max(1, round(keyint * FPS))
        self.argv = [
            FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error",
            "-progress", "pipe:1", "-stats_period", "0.1",
            "-re", "-f", "lavfi", "-i", f"testsrc=size=640x360:rate={FPS}",
            "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
            "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
            "-b:v", "1000k", "-maxrate", "1000k", "-bufsize", "2000k", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "96k",
            "-f", "flv", f"rtmp://{HOST}:{rtmp_port}/live/{session_id}?key={key}",
        ]  # fmt: skip
        self.log_path = log_path
        self.spawned = 0.0
        self.first_frame: float | None = None  # wall time (time.time())
        self.proc: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as logfile:
            self.spawned = time.time()
            self.proc = subprocess.Popen(
                self.argv, stdout=subprocess.PIPE, stderr=logfile, start_new_session=True
            )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        out_us = None
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").strip()
            if line.startswith("out_time_us="):
                with contextlib.suppress(ValueError):
                    out_us = int(line.split("=", 1)[1])
            elif line.startswith("progress=") and out_us and out_us > 0:
                # Output time never runs ahead of the wall clock under -re, so the
                # earliest (wall - output time) is the first frame's wall time.
                estimate = time.time() - out_us / 1e6
                if self.first_frame is None or estimate < self.first_frame:
                    self.first_frame = estimate

    @property
    def t0(self) -> float:
        return self.first_frame if self.first_frame is not None else self.spawned

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


# --- /proc ----------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the state on (index 0 = field 3)


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def _all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def children(ppid: int) -> list[int]:
    return [p for p in _all_pids() if (f := _stat(p)) and int(f[1]) == ppid]


def group_pids(pgid: int) -> list[int]:
    return [p for p in _all_pids() if (f := _stat(p)) and int(f[2]) == pgid]


def named_pids(name: str) -> list[int]:
    found = []
    for pid in _all_pids():
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/comm").read_text().strip() == name:
                found.append(pid)
    return found


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


def db_commits(database_url: str) -> int | None:
    import psycopg

    admin, name = _admin_url(database_url)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            row = conn.execute(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
                [name],
            ).fetchone()
    except psycopg.Error:
        return None
    return int(row[0]) if row and row[0] is not None else None


# --- playlists ------------------------------------------------------------------------


@dataclass
class Playlist:
    media_sequence: int
    target: float
    segments: list[tuple[str, float]]  # (uri, EXTINF seconds)

    @property
    def newest(self) -> int:
        return self.media_sequence + len(self.segments) - 1


def parse_playlist(text: str) -> Playlist | None:
    if not text.startswith("#EXTM3U"):
        return None
    sequence, target, duration, segments = 0, 0.0, None, []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            sequence = int(line.split(":", 1)[1])
        elif line.startswith("#EXT-X-TARGETDURATION:"):
            target = float(line.split(":", 1)[1])
        elif line.startswith("#EXTINF:"):
            duration = float(line.split(":", 1)[1].split(",", 1)[0])
        elif line and not line.startswith("#") and duration is not None:
            segments.append((line, duration))
            duration = None
    return Playlist(sequence, target, segments) if segments else None


def fetch_playlist(nginx: Nginx, session_id: int, seeded: Seeded) -> tuple[int, Playlist | None]:
    try:
        status, body = get(nginx.base + seeded.player(session_id).path("index.m3u8"), timeout=5)
    except OSError:
        return 0, None
    if status != 200:
        return status, None
    return status, parse_playlist(body.decode(errors="replace"))


# --- 1. startup -------------------------------------------------------------------------


def time_startup(
    cfg: Config, nginx: Nginx, rtmp_port: int, hls_dir: Path, session_id: int, seeded: Seeded,
    log_path: Path,
) -> dict:  # fmt: skip
    encoder = Encoder(rtmp_port, session_id, seeded.key, cfg.keyint_seconds, log_path)
    playlist_file = hls_dir / str(session_id) / "index.m3u8"
    t_live = t_disk = t_http = None
    statuses: dict[int, int] = {}
    try:
        encoder.start()
        deadline = time.monotonic() + cfg.startup_timeout
        while time.monotonic() < deadline:
            now = time.time()
            if t_live is None and session_publishing(session_id):
                t_live = now
            if t_disk is None:
                with contextlib.suppress(OSError):
                    if "#EXTINF" in playlist_file.read_text():
                        t_disk = now
            status, playlist = fetch_playlist(nginx, session_id, seeded)
            statuses[status] = statuses.get(status, 0) + 1
            if playlist is not None:
                t_http = time.time()
                t_disk = t_disk or t_http  # it was written within this poll
                break
            if not encoder.running():
                raise RuntimeError(f"ffmpeg exited {encoder.proc.returncode}; see {log_path}")
            time.sleep(0.05)
        if t_http is None:
            raise RuntimeError(
                f"no playable playlist within {cfg.startup_timeout:.0f} s (answers {statuses}); "
                f"nginx: {nginx.error_log(5)}"
            )
        time.sleep(0.3)  # one more -progress block for the first-frame estimate
    finally:
        encoder.stop()
    spawned = encoder.spawned
    first = encoder.first_frame

    def rel(t, base):
        return None if t is None or base is None else t - base

    return {
        "session": session_id,
        "from_spawn": rel(t_http, spawned),
        "from_first_frame": rel(t_http, first),
        "first_frame_after_spawn": rel(first, spawned),
        "live_after_spawn": rel(t_live, spawned),
        "disk_after_spawn": rel(t_disk, spawned),
        "from_live": rel(t_http, t_live),
        "answers_before": {str(k): v for k, v in sorted(statuses.items())},
    }


# --- 2. latency -------------------------------------------------------------------------


@dataclass
class LatencyRun:
    durations: dict[int, float] = field(default_factory=dict)  # media sequence -> EXTINF
    seen_at: dict[int, float] = field(default_factory=dict)  # media sequence -> wall time
    targets: set = field(default_factory=set)
    ages: list[float] = field(default_factory=list)  # wall - t0 - newest media end, per poll
    listed_delays: list[float] = field(default_factory=list)  # per new segment
    window: list[int] = field(default_factory=list)  # segments listed per playlist
    polls: int = 0
    failed_polls: int = 0
    last: Playlist | None = None
    startup: float | None = None  # first frame -> first playable playlist

    def media_end(self, seq: int) -> float | None:
        if any(s not in self.durations for s in range(seq + 1)):
            return None
        return sum(self.durations[s] for s in range(seq + 1))


def measure_latency(
    cfg: Config, nginx: Nginx, encoder: Encoder, session_id: int, seeded: Seeded, seconds: float
) -> LatencyRun:
    run = LatencyRun()
    deadline = time.monotonic() + cfg.startup_timeout
    while time.monotonic() < deadline and fetch_playlist(nginx, session_id, seeded)[1] is None:
        time.sleep(0.05)
    t_playable = time.time()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not encoder.running():
            raise RuntimeError(f"ffmpeg exited {encoder.proc.returncode} during the latency run")
        status, playlist = fetch_playlist(nginx, session_id, seeded)
        now = time.time()
        run.polls += 1
        if playlist is None:
            run.failed_polls += 1
            time.sleep(0.1)
            continue
        run.last = playlist
        run.targets.add(playlist.target)
        run.window.append(len(playlist.segments))
        for i, (_uri, duration) in enumerate(playlist.segments):
            seq = playlist.media_sequence + i
            run.durations.setdefault(seq, duration)
            if seq not in run.seen_at:
                run.seen_at[seq] = now
                media_end = run.media_end(seq)
                if media_end is not None and seq == playlist.newest:
                    run.listed_delays.append(now - (encoder.t0 + media_end))
        media_end = run.media_end(playlist.newest)
        if media_end is not None:
            run.ages.append(now - encoder.t0 - media_end)
        time.sleep(0.1)
    run.startup = t_playable - encoder.t0
    return run


def latency_case(
    cfg: Config, nginx: Nginx, encoder: Encoder, session_id: int, seeded: Seeded, label: str
) -> dict:
    run = measure_latency(cfg, nginx, encoder, session_id, seeded, cfg.latency_seconds)
    lat = {"label": label, **latency_summary(run)}
    log(f"  first playlist {_s(lat['startup'])} after the first frame, segments "
        f"{_s(lat['extinf_median'])}, target {_s(lat['target'], '{:g} s')}, edge age "
        f"{_s(lat['age_mean'])}, hls.js latency "
        f"{_s(lat['hlsjs_latency'], '{:.1f} s')}")  # fmt: skip
    return lat


# --- 3. segment requests/s --------------------------------------------------------------


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    mib_per_s: float
    cpu: dict[str, float]  # process set -> CPU seconds during the run
    commits: int | None = None


def wrk(cfg: Config, url: str, headers: dict[str, str], seconds: int, watch: dict) -> WrkResult:
    assert urlsplit(url).hostname == HOST
    argv = [WRK, f"-t{cfg.threads}", f"-c{cfg.connections}", f"-d{seconds}s", "--timeout", "5s",
            "--latency"]  # fmt: skip
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    argv.append(url)
    before = {k: cpu_seconds(f()) for k, f in watch.items()}
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True)
    after = {k: cpu_seconds(f()) for k, f in watch.items()}
    f = parse_wrk(out.stdout)
    cpu = {k: after[k] - before[k] for k in after}
    return WrkResult(f.rps, f.p50_ms, f.p99_ms, f.requests, f.errors, f.mib_per_s, cpu)


def newest_segment(nginx: Nginx, session_id: int, seeded: Seeded) -> str:
    _status, playlist = fetch_playlist(nginx, session_id, seeded)
    if playlist is None:
        raise RuntimeError("no playlist to take a segment from")
    return playlist.segments[-1][0]


TARGETS = (
    ("nginx, no check", "reference: the same config and files, the token check removed"),
    ("nginx, signed", "the token checked by nginx's secure_link (as shipped), no Django"),
    ("edge cache", "deploy/nginx-edge.conf.template: token checked at the edge, "
                   "segment from its proxy_cache"),
    ("app: token endpoint", "gunicorn /live/<id>/playback/hls/ (one player's refresh)"),
)  # fmt: skip


def bench_segments(
    cfg: Config, main: Nginx, ref: Nginx, edge: Nginx, app: AppServer, session_id: int,
    seeded: Seeded, watch: dict,
) -> dict:  # fmt: skip
    results: dict[str, list[WrkResult]] = {name: [] for name, _ in TARGETS}
    sizes = []
    player = seeded.player(session_id)
    for round_no in range(cfg.rounds):
        # The newest segment each round: nginx-rtmp deletes old ones as the window moves.
        segment = newest_segment(main, session_id, seeded)
        path = player.path(segment)
        status, body = get(main.base + path)
        ref_status, ref_body = get(ref.base + path)
        edge_status, edge_body = get(edge.base + path)
        if status != 200 or ref_status != 200 or body != ref_body or edge_body != body:
            same = body == ref_body == edge_body
            raise RuntimeError(f"{path}: signed {status}, reference {ref_status}, edge "
                               f"{edge_status}, same bytes {same}")  # fmt: skip
        sizes.append(len(body))
        urls = {
            "nginx, no check": (ref.base + path, {}),
            "nginx, signed": (main.base + path, {}),
            "edge cache": (edge.base + path, {}),
            "app: token endpoint": (player.url, {"Cookie": seeded.cookie}),
        }
        for name, _ in TARGETS:
            url, headers = urls[name]
            if round_no == 0:
                wrk(cfg, url, headers, 1, watch)  # warm-up: connections, worker caches
            commits_before = db_commits(cfg.database_url)
            r = wrk(cfg, url, headers, cfg.duration, watch)
            time.sleep(1.2)  # PostgreSQL publishes the backends' statistics
            commits_after = db_commits(cfg.database_url)
            if commits_before is not None and commits_after is not None:
                r.commits = commits_after - commits_before
            results[name].append(r)
            log(f"  {name:22} {r.rps:9.0f} req/s  p50 {r.p50_ms:7.2f} ms  "
                f"p99 {r.p99_ms:7.2f} ms  errors {r.errors}")  # fmt: skip
    chosen = {}
    for name, runs in results.items():
        median = statistics.median_low(r.rps for r in runs)
        chosen[name] = next(r for r in runs if r.rps == median)
    return {"results": chosen, "all": results, "segment_bytes": statistics.median(sizes)}


# --- 4. viewers in real time ---------------------------------------------------------------


def origin_requests(nginx: Nginx) -> int:
    """nginx's request counter (stub_status, deploy/nginx-rtmp.conf.template)."""
    status, body = get(nginx.base + "/nginx_status")
    if status != 200:
        raise RuntimeError(f"no /nginx_status on the origin ({status})")
    return int(body.decode().split("\n")[2].split()[2])


async def _viewer(http, base: str, player_url: str, cookie: str, session_id: int,
                  until: float, stats: dict, django_slots) -> None:  # fmt: skip
    """One hls.js-like viewer: a token from Django at start and every refresh_in s,
    the playlist every target duration, each new segment once. A segment that takes
    longer than its duration from being listed to being fetched is a stall."""
    import asyncio

    token, token_at, seen = None, 0.0, -1
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            if token is None or started - token_at >= token["refresh_in"]:
                # The web tier's connection pool: a join storm queues here, as it
                # would in front of gunicorn, instead of timing out by the thousand.
                async with (
                    django_slots,
                    http.get(
                        player_url, headers={"Cookie": cookie}, timeout=django_slots.timeout
                    ) as response,
                ):
                    stats["django"] += 1
                    if response.status != 200:
                        stats["errors"] += 1
                        await asyncio.sleep(1)
                        continue
                    now = time.monotonic()
                    if token is not None:
                        stats["intervals"].append(now - token_at)
                    token, token_at = await response.json(), now

            prefix = f"{base}/hls/{token['token']}/{session_id}/"
            async with http.get(prefix + "index.m3u8") as response:
                text = await response.text() if response.status == 200 else ""
            listed_at = time.monotonic()
            playlist = parse_playlist(text)
            if playlist is None:
                stats["errors"] += 1
                await asyncio.sleep(1)
                continue
            first = playlist.media_sequence
            if seen < 0:  # join at hls.js's live sync point, 3 segments from the end
                seen = max(first, playlist.newest - HLSJS_SYNC_COUNT) - 1
            for i, (uri, duration) in enumerate(playlist.segments):
                if first + i <= seen:
                    continue
                async with http.get(prefix + uri) as response:
                    body = await response.read()
                    ok = response.status == 200 and body
                stats["segments"] += 1
                if not ok:
                    stats["errors"] += 1
                elif time.monotonic() - listed_at > duration:
                    stats["stalls"] += 1
                seen = first + i
            await asyncio.sleep(max(0.0, playlist.target - (time.monotonic() - started)))
        except (OSError, TimeoutError, ValueError) as exc:  # aiohttp errors are OSErrors
            stats["errors"] += 1
            stats["last_error"] = repr(exc)[:200]
            await asyncio.sleep(1)


def viewer_load(base: str, origin: Nginx, seeded: Seeded, session_id: int, viewers: int,
                seconds: float) -> dict:  # fmt: skip
    """`viewers` simulated players on one session through `base` (the origin or the
    edge) for `seconds`: stalls, errors, Django requests per viewer per minute, and
    the origin's requests/s (its stub_status counter)."""
    import asyncio

    import aiohttp

    stats: dict = {"django": 0, "segments": 0, "stalls": 0, "errors": 0, "last_error": "",
                   "intervals": []}  # fmt: skip
    join_seconds = min(10.0, seconds / 4)
    player_url = seeded.player(session_id).url

    async def run() -> None:
        timeout = aiohttp.ClientTimeout(total=10)
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        django_slots = asyncio.Semaphore(8)
        django_slots.timeout = aiohttp.ClientTimeout(total=seconds)  # a queue, not a failure
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
            until = time.monotonic() + seconds
            tasks = []
            for _ in range(viewers):  # viewers join over the first seconds
                tasks.append(asyncio.create_task(_viewer(http, base, player_url, seeded.cookie,
                                                         session_id, until, stats,
                                                         django_slots)))  # fmt: skip
                await asyncio.sleep(join_seconds / viewers)
            await asyncio.gather(*tasks)

    before, t0 = origin_requests(origin), time.monotonic()
    asyncio.run(run())
    elapsed = time.monotonic() - t0
    stats["origin_rps"] = (origin_requests(origin) - before - 1) / elapsed
    stats["viewers"], stats["seconds"] = viewers, elapsed
    # Every request the players made, over the viewers' minutes (a short run is
    # dominated by the one request at start), and the steady rate: 60 s over the
    # measured time between a player's consecutive token requests.
    stats["django_per_viewer_min"] = stats["django"] / viewers / (elapsed / 60)
    intervals = stats.pop("intervals")
    stats["refresh_interval"] = statistics.fmean(intervals) if intervals else None
    stats["django_steady_per_viewer_min"] = 60 / statistics.fmean(intervals) if intervals else None
    return stats


# --- report -------------------------------------------------------------------------------


def _s(value, fmt: str = "{:.2f} s") -> str:
    return "-" if value is None else fmt.format(value)


def _stats(values: list) -> tuple:
    values = [v for v in values if v is not None]
    if not values:
        return None, None, None
    return statistics.median(values), min(values), max(values)


def startup_rows(startups: list[dict]) -> list[list[str]]:
    rows = []
    for key, label in (
        ("from_spawn", "ffmpeg spawned -> playlist playable (200 via nginx, >= 1 segment)"),
        ("from_first_frame", "first frame sent -> playlist playable"),
        ("first_frame_after_spawn", "ffmpeg spawned -> first frame sent (connect, on_publish)"),
        ("live_after_spawn", "ffmpeg spawned -> session live in the database"),
        ("from_live", "session live -> playlist playable (the room page sees 404s meanwhile)"),
        ("disk_after_spawn", "ffmpeg spawned -> playlist with a segment on disk"),
    ):
        med, lo, hi = _stats([s[key] for s in startups])
        rows.append([label, _s(med), _s(lo), _s(hi)])
    return rows


def latency_summary(run: LatencyRun) -> dict:
    durations = list(run.durations.values())
    target = max(run.targets) if run.targets else None
    age_mean = statistics.fmean(run.ages) if run.ages else None
    window = sum(d for _u, d in run.last.segments) if run.last else None
    return {
        "segments": len(durations),
        "extinf_median": statistics.median(durations) if durations else None,
        "extinf_min": min(durations) if durations else None,
        "extinf_max": max(durations) if durations else None,
        "target": target,
        "window_segments": len(run.last.segments) if run.last else None,
        "window_seconds": window,
        "listed_delay_median": statistics.median(run.listed_delays) if run.listed_delays else None,
        "listed_delay_max": max(run.listed_delays) if run.listed_delays else None,
        "age_mean": age_mean,
        "age_max": max(run.ages) if run.ages else None,
        # hls.js starts 3 target durations behind the edge, or at the playlist's first
        # segment if the playlist is shorter than that.
        "hlsjs_latency": (age_mean + min(HLSJS_SYNC_COUNT * target, window))
        if age_mean is not None and target and window else None,
        "hlsjs_latency_2s_target": (age_mean + HLSJS_SYNC_COUNT * 2.0)
        if age_mean is not None else None,
        # RFC 8216 6.2.2: a live playlist must not get shorter than 3 target durations.
        "window_ok": window >= 3 * target if window and target else None,
        "polls": run.polls,
        "failed_polls": run.failed_polls,
        "startup": run.startup,
    }  # fmt: skip


def latency_headers(cases: list[dict]) -> list[str]:
    return ["", *(c["label"] for c in cases)]


def latency_rows(cases: list[dict]) -> list[list[str]]:
    rows = [
        ("first frame -> first playable playlist", lambda s: _s(s["startup"])),
        ("segments (EXTINF) median / min / max",
         lambda s: f"{_s(s['extinf_median'])} / {_s(s['extinf_min'])} / {_s(s['extinf_max'])}"),
        ("EXT-X-TARGETDURATION", lambda s: _s(s["target"], "{:g} s")),
        ("playlist window at the end", lambda s: f"{_s(s['window_segments'], '{:g}')} segments, "
                                                 f"{_s(s['window_seconds'], '{:.1f} s')}"),
        ("playlist at least 3 x target long (RFC 8216 6.2.2)",
         lambda s: "-" if s["window_ok"] is None else "yes" if s["window_ok"] else "**no**"),
        ("segment listed after its last frame was sent (median / max)",
         lambda s: f"{_s(s['listed_delay_median'])} / {_s(s['listed_delay_max'])}"),
        ("live edge age: wall clock - newest listed media end (mean / max)",
         lambda s: f"{_s(s['age_mean'])} / {_s(s['age_max'])}"),
        (f"hls.js at its live sync point (edge age + {HLSJS_SYNC_COUNT} x target, at most "
         "the window)",
         lambda s: f"**{_s(s['hlsjs_latency'], '{:.1f} s')}**"),
    ]  # fmt: skip
    return [[label, *(cell(c) for c in cases)] for label, cell in rows]


SEG_HEADERS = ["target", "req/s", "vs no check", "p50", "p99", "MiB/s", "errors",
               "gunicorn CPU/req", "nginx CPU/req", "PostgreSQL CPU/req",
               "DB xacts/req"]  # fmt: skip


def segment_rows(seg: dict) -> list[list[str]]:
    results = seg["results"]
    ref = results["nginx, no check"].rps
    rows = []
    for name, _ in TARGETS:
        r = results[name]
        # CPU milliseconds per request
        per_k = {
            k: max(0.0, 1000 * v / r.requests) if r.requests else None for k, v in r.cpu.items()
        }
        rows.append([
            name, f"{r.rps:,.0f}", f"{r.rps / ref:.3f}x" if ref else "-",
            f"{r.p50_ms:.2f} ms", f"{r.p99_ms:.2f} ms", f"{r.mib_per_s:.0f}", str(r.errors),
            _s(per_k.get("gunicorn"), "{:.2f} ms"), _s(per_k.get("nginx"), "{:.2f} ms"),
            _s(per_k.get("postgres"), "{:.2f} ms"),
            _s(r.commits / r.requests if r.commits is not None and r.requests else None,
               "{:.1f}"),
        ])  # fmt: skip
    return rows


def summary_rows(startups: list[dict], cases: list[dict], seg: dict | None,
                 loads: list[dict]) -> list[list[str]]:  # fmt: skip
    lat = cases[0]
    med, lo, hi = _stats([s["from_first_frame"] for s in startups])
    med2, lo2, hi2 = _stats([s["from_spawn"] for s in startups])
    rows = [
        ["first frame -> first playable playlist (median, min-max)",
         f"{_s(med)} ({_s(lo, '{:.2f}')}-{_s(hi, '{:.2f}')})"],
        ["ffmpeg spawned -> first playable playlist (median, min-max)",
         f"{_s(med2)} ({_s(lo2, '{:.2f}')}-{_s(hi2, '{:.2f}')})"],
        ["live edge age (mean)", _s(lat["age_mean"])],
        [f"viewer latency behind live, hls.js ({HLSJS_SYNC_COUNT} x target "
         f"{_s(lat['target'], '{:g} s')} back)", _s(lat["hlsjs_latency"], "{:.1f} s")],
    ]  # fmt: skip
    for other in cases[1:]:
        rows.append(
            [
                f"the same, {other['label']}",
                f"{_s(other['hlsjs_latency'], '{:.1f} s')} "
                f"(first playlist {_s(other['startup'], '{:.1f} s')} after the first frame)",
            ]
        )
    # fmt: skip
    if seg:
        r = seg["results"]
        ref = r["nginx, no check"].rps
        signed, edge = r["nginx, signed"].rps, r["edge cache"].rps
        rows += [
            ["segment req/s, nginx with the signed-token check", f"{signed:,.0f}"],
            ["segment req/s, through the edge cache", f"{edge:,.0f}"],
            ["segment req/s, nginx without any check", f"{ref:,.0f}"],
            ["ratio signed / unchecked", f"**{signed / ref:.3f}x**" if ref else "-"],
            ["ratio edge / unchecked", f"**{edge / ref:.3f}x**" if ref else "-"],
            ["token endpoint on gunicorn alone", f"{r['app: token endpoint'].rps:,.0f} req/s"],
        ]
    for load in loads:
        rows += [
            [f"{load['viewers']:,} viewers via {load['via']}, {load['seconds']:.0f} s: "
             "stalls / segments / errors",
             f"{load['stalls']} / {load['segments']:,} / {load['errors']}"],
            [f"  origin requests/s ({load['via']})", f"{load['origin_rps']:,.1f}"],
            [f"  Django requests per viewer per minute ({load['via']}): in this run "
             "(joins included) / steady (60 s / measured refresh interval)",
             f"{load['django_per_viewer_min']:.2f} / "
             f"{_s(load['django_steady_per_viewer_min'], '{:.2f}')}"],
        ]  # fmt: skip
    return rows


def report(cfg: Config, started: datetime, load: str, startups: list[dict], cases: list[dict],
           seg: dict | None, settings_seen: dict, loads: list[dict]) -> str:  # fmt: skip
    lat = cases[0]
    per_run = [
        [str(i + 1), _s(s["from_spawn"]), _s(s["from_first_frame"]),
         _s(s["first_frame_after_spawn"]), _s(s["live_after_spawn"]), _s(s["disk_after_spawn"]),
         " ".join(f"{k}x{v}" for k, v in s["answers_before"].items())]
        for i, s in enumerate(startups)
    ]  # fmt: skip
    parts = [
        "# Video benchmark: publish to playable, latency behind live, segment requests/s",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC on {cfg.cores} cores shared by gunicorn, nginx, "
        "ffmpeg, wrk and PostgreSQL (compare within this run). App server: gunicorn "
        f"(deploy/gunicorn.conf.py, {settings_seen['workers']} sync workers); nginx-rtmp from "
        "deploy/nginx-rtmp.conf.template via video_ingest.write_config "
        f"(hls_fragment {settings_seen['hls_fragment']}, hls_playlist_length "
        f"{settings_seen['hls_playlist_length']}); ffmpeg testsrc 640x360@{FPS} fps, "
        f"libx264 ultrafast zerolatency 1 Mbit/s, keyframe every {cfg.keyint_seconds:g} s, "
        "AAC, -re. Load average at the start: "
        + load
        + "; at the end: "
        + " ".join(Path("/proc/loadavg").read_text().split()[:3])
        + " (anything else running on the machine shows here).",
        "",
        md_table(["", "value"], summary_rows(startups, cases, seg, loads)),
        "",
        f"## 1. Startup ({len(startups)} publishes, a fresh session each)",
        "",
        md_table(["", "median", "min", "max"], startup_rows(startups)),
        "",
        "Playable = the playlist fetched through nginx with the viewer's signed token "
        "(asked of Django first, as the player does) answers 200 and lists a segment; "
        "polled every 50 ms. "
        "First frame = earliest (wall time - output time) over ffmpeg's -progress "
        "reports (every 0.1 s).",
        "",
        md_table(
            [
                "#",
                "spawn -> playable",
                "frame -> playable",
                "spawn -> frame",
                "spawn -> live",
                "spawn -> on disk",
                "answers before playable",
            ],
            per_run,
        ),
        "",
        "## 2. Latency behind live",
        "",
        md_table(latency_headers(cases), latency_rows(cases)),
        "",
        "Media end of a segment = sum of EXTINF from media sequence 0; live edge age = "
        "wall time since the first frame - media end of the newest segment listed, "
        f"sampled every 100 ms ({lat['polls']} polls, {lat['failed_polls']} without a "
        "playlist). A player holding hls.js's live sync point plays "
        f"liveSyncDurationCount ({HLSJS_SYNC_COUNT}) x EXT-X-TARGETDURATION behind the "
        "edge, on top of the edge's own age. With the target at exactly 2 s it would be "
        f"{_s(lat['hlsjs_latency_2s_target'], '{:.1f} s')}."
        + (
            " The second column is the same template with the encoder left at x264's "
            f"default keyframe interval ({SLOW_KEYINT_FRAMES} frames, "
            f"{SLOW_KEYINT_FRAMES / FPS:.1f} s at {FPS} fps; what OBS sends when its "
            "keyframe interval is 0 = auto): "
            "nginx-rtmp cuts fragments only at keyframes, so hls_fragment 2s is a minimum."
            if len(cases) > 1
            else ""
        ),
        "",
    ]
    if seg:
        parts += [
            "## 3. Segment requests/s",
            "",
            f"`wrk -t{cfg.threads} -c{cfg.connections} -d{cfg.duration}s` on one segment "
            f"({seg['segment_bytes'] / 1024:.0f} KiB, the newest of the running stream), "
            "the viewer's token in the path (no cookie); "
            f"median of {cfg.rounds} round(s) each; CPU from "
            "/proc (gunicorn master and workers; nginx master and worker; every "
            "`postgres` process) per request; DB xacts (transactions, one per query in "
            "autocommit) from pg_stat_database.",
            "",
            md_table(SEG_HEADERS, segment_rows(seg)),
            "",
            *[f"- {name}: {desc}" for name, desc in TARGETS],
            "",
        ]
    return "\n".join(parts)


# --- main -------------------------------------------------------------------------------


def main(argv=None) -> int:
    cfg = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    for tool, path in (("wrk", WRK), ("ffmpeg", FFMPEG)):
        if not path or not Path(path).exists():
            sys.exit(f"{tool} is not installed (scripts/install.sh --dev)")
    started = datetime.now(UTC)
    t_begin = time.monotonic()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    run_id = secrets.token_hex(3)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    workdir = Path(tempfile.mkdtemp(prefix="zhiliao-bench-video-"))
    prefix, ref_prefix = workdir / "nginx", workdir / "nginx-ref"
    ffmpeg_log = OUT_DIR / "video-ffmpeg.log"
    ffmpeg_log.write_text("")
    static_root = workdir / "static"
    static_root.mkdir()
    env = environment(cfg, run_id, str(static_root), prefix)
    app = AppServer(env)
    main_nginx = ref_nginx = edge_nginx = None
    encoder: Encoder | None = None
    startups: list[dict] = []
    cases: list[dict] = []
    loads: list[dict] = []
    seg = None
    try:
        reuse = cfg.reuse_db or (cfg.smoke and database_exists(cfg.database_url))
        if not database_fresh(cfg.database_url, env, reuse=reuse):
            migrate(env)  # a reused database gets this checkout's migrations
        django_setup(env)
        sessions = cfg.repeats + 2
        log(f"Seeding a creator, {sessions} free sessions and a logged-in learner")
        seeded = seed(run_id, sessions)

        from django.conf import settings

        from livestream.management.commands.video_ingest import (
            nginx_start,
            write_config,
            write_edge_config,
        )

        log(f"gunicorn (deploy/gunicorn.conf.py) on {app.base}")
        app.start()
        seeded.app_base = app.base
        rtmp_port, http_port, ref_port = free_port(), free_port(), free_port()
        edge_port = free_port()
        config = write_config(
            prefix=prefix, rtmp_port=rtmp_port, http_port=http_port, callback_base=app.base
        )
        rendered = config.read_text()
        main_nginx = Nginx(prefix, http_port)
        nginx_start(config)
        main_nginx.started()
        ref_prefix.mkdir()
        (ref_prefix / "tmp").mkdir()
        (ref_prefix / "hls").symlink_to(prefix / "hls", target_is_directory=True)
        ref_config = ref_prefix / "nginx.conf"
        ref_config.write_text(reference_config(rendered, prefix, ref_prefix, ref_port))
        ref_nginx = Nginx(ref_prefix, ref_port)
        nginx_start(ref_config)
        ref_nginx.started()
        edge_config = write_edge_config(prefix=workdir / "edge", http_port=edge_port,
                                        origin=f"http://{HOST}:{http_port}")  # fmt: skip
        edge_nginx = Nginx(workdir / "edge", edge_port)
        nginx_start(edge_config)
        edge_nginx.started()
        (OUT_DIR / "video-nginx.conf").write_text(rendered)
        (OUT_DIR / "video-nginx-reference.conf").write_text(ref_config.read_text())

        def directive(name: str) -> str:
            m = re.search(rf"^\s*{name}\s+([^;]+);", rendered, re.M)
            return m.group(1) if m else "?"

        settings_seen = {
            "hls_fragment": directive("hls_fragment"),
            "hls_playlist_length": directive("hls_playlist_length"),
            "workers": len(app.pids()) - 1,
            "update_seconds": settings.VIDEO_UPDATE_SECONDS,
        }
        log(f"nginx-rtmp rtmp :{rtmp_port}, hls :{http_port}; reference nginx :{ref_port}; "
            f"hls_fragment {settings_seen['hls_fragment']}, playlist "
            f"{settings_seen['hls_playlist_length']}")  # fmt: skip

        for i in range(cfg.repeats):
            s = time_startup(cfg, main_nginx, rtmp_port, prefix / "hls",
                             seeded.session_ids[i], seeded, ffmpeg_log)  # fmt: skip
            startups.append(s)
            log(f"startup {i + 1}/{cfg.repeats}: spawn -> playable {_s(s['from_spawn'])}, "
                f"first frame -> playable {_s(s['from_first_frame'])}, "
                f"live -> playable {_s(s['from_live'])}")  # fmt: skip

        live_id = seeded.session_ids[cfg.repeats]
        log(f"Latency: one stream for {cfg.latency_seconds:g} s (session {live_id})")
        encoder = Encoder(rtmp_port, live_id, seeded.key, cfg.keyint_seconds, ffmpeg_log)
        encoder.start()
        cases.append(latency_case(cfg, main_nginx, encoder, live_id, seeded,
                                  f"keyframe every {cfg.keyint_seconds:g} s"))  # fmt: skip

        log("Segment requests/s (stream still running)")
        watch = {
            "gunicorn": app.pids,
            "nginx": main_nginx.pids,
            "nginx-ref": ref_nginx.pids,
            "edge": edge_nginx.pids,
            "postgres": lambda: named_pids("postgres"),
        }
        seg = bench_segments(cfg, main_nginx, ref_nginx, edge_nginx, app, live_id, seeded,
                             watch)  # fmt: skip
        # The reference's CPU is its own nginx's; the edge's, the edge's plus the origin's.
        for name, result in seg["results"].items():
            ref_cpu, edge_cpu = result.cpu.pop("nginx-ref", 0), result.cpu.pop("edge", 0)
            if name == "nginx, no check":
                result.cpu["nginx"] = ref_cpu
            elif name == "edge cache":
                result.cpu["nginx"] += edge_cpu
        for via, server, viewers in (("origin", main_nginx, cfg.viewers[0]),
                                     ("edge", edge_nginx, cfg.viewers[1])):  # fmt: skip
            log(f"{viewers} viewers through the {via} for {cfg.viewer_seconds:g} s")
            result = viewer_load(server.base, main_nginx, seeded, live_id, viewers,
                                 cfg.viewer_seconds)  # fmt: skip
            loads.append({"via": via, **result})
            log(f"  stalls {result['stalls']} of {result['segments']} segments, errors "
                f"{result['errors']} {result['last_error']}, origin "
                f"{result['origin_rps']:.1f} req/s, Django "
                f"{result['django_per_viewer_min']:.2f} req/viewer/min")  # fmt: skip
        encoder.stop()
        encoder = None

        if cfg.slow_keyint:
            slow_id = seeded.session_ids[cfg.repeats + 1]
            keyint = SLOW_KEYINT_FRAMES / FPS
            log(f"Latency with a keyframe every {SLOW_KEYINT_FRAMES} frames ({keyint:.1f} s), "
                f"{cfg.latency_seconds:g} s (session {slow_id})")  # fmt: skip
            encoder = Encoder(rtmp_port, slow_id, seeded.key, keyint, ffmpeg_log)
            encoder.start()
            cases.append(latency_case(cfg, main_nginx, encoder, slow_id, seeded,
                                      f"keyframe every {SLOW_KEYINT_FRAMES} frames"))  # fmt: skip
    finally:
        if encoder is not None:
            encoder.stop()
        for server in (edge_nginx, ref_nginx, main_nginx):
            if server is not None:
                server.stop()
        app.stop()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(text_table(["", "value"], summary_rows(startups, cases, seg, loads)))
    print()
    print(text_table(["", "median", "min", "max"], startup_rows(startups)))
    print()
    print(text_table(latency_headers(cases), latency_rows(cases)))
    print()
    print(text_table(SEG_HEADERS, segment_rows(seg)))
    md = report(cfg, started, load, startups, cases, seg, settings_seen, loads)
    (OUT_DIR / "video.md").write_text(md)
    (OUT_DIR / "video.json").write_text(json.dumps({
        "started": started.isoformat(), "cores": cfg.cores, "startups": startups,
        "latency": cases, "settings": settings_seen,
        "segments": {name: vars(r) for name, r in seg["results"].items()},
        "segment_bytes": seg["segment_bytes"], "viewers": loads,
    }, indent=1, default=str))  # fmt: skip
    print(f"\nWritten {OUT_DIR / 'video.md'} in {time.monotonic() - t_begin:.0f} s "
          f"(logs: {OUT_DIR}/video-*.log, configs: {OUT_DIR}/video-nginx*.conf)")  # fmt: skip
    r = seg["results"]
    ref = r["nginx, no check"].rps or float("nan")
    # Steady state where measured (runs longer than the refresh interval), else the
    # run's own count (the joins dominate it).
    steady = [load["django_steady_per_viewer_min"] for load in loads]
    django = max(steady) if all(steady) else max(load["django_per_viewer_min"] for load in loads)
    print(f"video signed {r['nginx, signed'].rps / ref:.3f}x edge {r['edge cache'].rps / ref:.3f}x "
          f"of unchecked nginx, django {django:.2f} req/viewer/min")  # fmt: skip
    return 0 if r["nginx, signed"].requests and loads[0]["segments"] else 1


if __name__ == "__main__":
    sys.exit(main())
