"""Live room fan-out benchmark: one room, N viewers, one server process, against plain websockets.

    .venv/bin/python -m tests.benchmarks.bench_rooms [--quick | --smoke] [--viewers 200,1000,2000]
        [--rates 5,10,20,50,100,200,500,1000] [--step-seconds 3] [--two-processes 1000]
        [--reuse-db] [--profile]

Builds a dedicated PostgreSQL database (zhiliao_bench_rooms; dropped, created and
migrated each run unless --reuse-db), creates a host (a creator with a published
channel and a free live session, started) and as many viewers as the largest N,
each logged in by a Django session row written directly (bulk_create; the cookie is
its key), then for every N, side by side:

  ours   uvicorn config.asgi:application, ONE process, as deploy/Procfile runs it
         (DB_POOL=true), Redis channel layer (REDIS_URL), PostgreSQL; the live room
         socket ws/live/<id>/ (livestream.consumers + livestream.hub); the host's
         chat goes through livestream.services.chat_post (saved, published on commit)
  plain  a minimal broadcast server on the `websockets` library
         (tests/benchmarks/bench_rooms_plain.py): welcome, chat -> broadcast() + ack

Each server is started fresh for each N. One client process
(tests/benchmarks/bench_rooms_client.py: bare asyncio protocols on uvloop, no JSON
decoding for viewers) connects the host (sender) and N viewers, then the host posts
chat at a steady rate, step by step (5, 10, 20, 50, ... messages/s, a few seconds
each), stopping at the first step where p95 delivery latency >= 250 ms or a viewer
misses a message. Latency = viewer's receive time - send time written into the
message (time.time(), same machine). Memory per connection = server VmRSS with N
viewers connected - VmRSS with only the host connected, / N.

Then the same room on TWO of our server processes (fan-out between them through the
Redis channel layer), --two-processes viewers on each (default 1,000; the sender on
the first), stepped the same way, against plain with as many viewers on its one
process; then one fixed run per server: 200 viewers x 10 messages/s for 10 s (p99,
and whether every message reached every viewer).

The machine has 2 cores, shared by the server, the client, PostgreSQL and Redis:
the CPU columns show who was busy (cores used while sending). Absolute numbers drift
between runs; compare ours/plain within a run. Results are printed and written to
var/bench/rooms.md (and rooms.json); server logs to var/bench/rooms-server-*.log.
Figures are printed, nothing is asserted.

--profile runs our server under cProfile (its event-loop thread) and writes
var/bench/rooms-profile-<N>.prof, printing the top functions; the figures of a
profiled run are not comparable with others.

Options may also come from the environment: BENCH_STEP_SECONDS, BENCH_VIEWERS,
BENCH_RATES, BENCH_ROOMS_DATABASE_URL, BENCH_ROOMS_REDIS_URL (command-line options win).
"""

import argparse
import json
import os
import pstats
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from tests.benchmarks.common import (
    SMOKE_HELP,
    ServerProcess,
    _cores,
    _pick,
    database_fresh,
    log,
    md_table,
    smoke_exit,
    text_table,
)

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "var" / "bench"
PY = sys.executable
HOST = "127.0.0.1"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SETTINGS_MODULE = "tests.benchmarks.bench_settings"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/zhiliao_bench_rooms"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
P95_LIMIT_MS = 250.0
TARGET_N = 1000
TARGET_RATIO = 0.5
CHECK_VIEWERS, CHECK_RATE = 200, 10.0
TWO_PROCESS_VIEWERS = 1000
SERVERS = ("ours", "plain")
# Not run unless asked for: our room with the direct send (bench_rooms_asgi.py).
EXPERIMENTS = ("direct",)
VIEWERS, QUICK_VIEWERS = "200,1000,2000", "200,500"
RATES = "5,10,20,50,100,200,500,1000"
SERVER_ENV_KEYS = (
    "DB_POOL", "DB_POOL_MIN", "DB_POOL_MAX", "CONN_MAX_AGE", "WEB_CONCURRENCY",
    "DJANGO_SETTINGS_MODULE", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
)  # fmt: skip

_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --- configuration ---------------------------------------------------------------------


@dataclass
class Config:
    viewers: list[int]
    rates: list[float]
    step_seconds: float
    drain_seconds: float
    check_seconds: float
    servers: list[str]
    database_url: str
    redis_url: str
    reuse_db: bool
    profile: bool
    quick: bool
    cores: int
    smoke: bool = False
    check_viewers: int = CHECK_VIEWERS
    two_processes: int = TWO_PROCESS_VIEWERS  # viewers per process of the 2-process run


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse_args(argv=None) -> Config:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_rooms",
        description="Live room fan-out: N viewers on one server process, against plain websockets.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="N = 200, 500; 2 s steps; 5 s fixed run (~2 min)"
    )
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP + " (5 viewers, 1 s steps)")
    parser.add_argument("--viewers", help="comma-separated N (default 200,1000,2000)")
    parser.add_argument("--rates", help="messages/s per step (default 5,10,20,50,100,200,500,1000)")
    parser.add_argument("--step-seconds", type=float, help="seconds per rate step (default 3)")
    parser.add_argument("--servers", help="ours,plain (default both)")
    parser.add_argument(
        "--two-processes",
        type=int,
        help=f"viewers per process of the run with two of our processes on Redis, against "
        f"plain with as many viewers on one (default {TWO_PROCESS_VIEWERS}; 0: skip it)",
    )
    parser.add_argument("--duration", type=float, help="alias of --step-seconds (bench.sh)")
    parser.add_argument("--rounds", type=int, help=argparse.SUPPRESS)  # taken by bench.sh
    parser.add_argument("--reuse-db", action="store_true", help="keep the database of the last run")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile our server (figures not comparable)"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    step = args.step_seconds if args.step_seconds is not None else args.duration
    if args.smoke:
        args.viewers, args.rates, step = args.viewers or "5", args.rates or "5,20", step or 1.0
    viewers = _pick(args.viewers, "BENCH_VIEWERS", QUICK_VIEWERS if quick else VIEWERS, str)
    rates = _pick(args.rates, "BENCH_RATES", RATES, str)
    cfg = Config(
        viewers=_ints(viewers),
        rates=[float(r) for r in rates.split(",") if r.strip()],
        step_seconds=_pick(step, "BENCH_STEP_SECONDS", 2.0 if quick else 3.0, float),
        drain_seconds=1.0 if args.smoke else 2.0 if quick else 3.0,
        check_seconds=1.0 if args.smoke else 5.0 if quick else 10.0,
        servers=[s.strip() for s in (args.servers or ",".join(SERVERS)).split(",") if s.strip()],
        database_url=os.environ.get("BENCH_ROOMS_DATABASE_URL", DEFAULT_DATABASE_URL),
        redis_url=os.environ.get("BENCH_ROOMS_REDIS_URL", DEFAULT_REDIS_URL),
        reuse_db=args.reuse_db,
        profile=args.profile,
        quick=quick,
        cores=_cores(),
        smoke=args.smoke,
        check_viewers=5 if args.smoke else CHECK_VIEWERS,
        two_processes=(
            args.two_processes if args.two_processes is not None
            else 3 if args.smoke else 250 if quick else TWO_PROCESS_VIEWERS
        ),
    )  # fmt: skip
    if not cfg.viewers or not all(1 <= n <= 10_000 for n in cfg.viewers):
        parser.error("viewers: 1..10000 each")
    if not 0 <= cfg.two_processes <= 5_000:
        parser.error("--two-processes: 0..5000 viewers per process")
    if not cfg.rates or not all(0.5 <= r <= 5000 for r in cfg.rates):
        parser.error("rates: 0.5..5000 messages/s each")
    if not 0.5 <= cfg.step_seconds <= 60:
        parser.error("step seconds 0.5..60")
    if not cfg.servers or set(cfg.servers) - set(SERVERS) - set(EXPERIMENTS):
        parser.error(f"servers: a subset of {','.join(SERVERS + EXPERIMENTS)}")
    for url in (cfg.database_url, cfg.redis_url):
        if urlsplit(url).hostname not in LOOPBACK:
            parser.error(f"{url}: the benchmark only talks to services on this machine")
    if "bench" not in urlsplit(cfg.database_url).path:
        parser.error("the benchmark database name must contain 'bench' (it is dropped each run)")
    return cfg


# --- database, people and cookies --------------------------------------------------------


def environment(cfg: Config, run_id: str, static_root: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVER_ENV_KEYS}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DATABASE_URL": cfg.database_url,
            "REDIS_URL": cfg.redis_url,
            "CELERY_BROKER_URL": cfg.redis_url,
            "CACHE_KEY_PREFIX": f"zhiliao-bench-rooms-{run_id}",
            "CHANNEL_LAYER_PREFIX": f"zhiliao-bench-rooms-{run_id}",
            "DEBUG": "0",
            # The sessions written here are signed with it; the servers must share it.
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "STATIC_ROOT": static_root,
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            "NO_PROXY": "*",
            "no_proxy": "*",
        }
    )
    return env


def server_environment(env: dict[str, str]) -> dict[str, str]:
    """Our servers' environment: no rate limit in the way, psycopg's pool on."""
    return {
        **env,
        "LIVESTREAM_RATE_BURST": "100000",
        "LIVESTREAM_RATE_PER_SECOND": "100000",
        "DB_POOL": "true",  # as deploy/Procfile runs the WebSocket server
    }


def seed(env: dict[str, str], run_id: str, viewers: int) -> tuple[int, dict]:
    """The host's live session and logged-in viewers; returns (session id, cookies)."""
    os.environ.update(env)
    for key in SERVER_ENV_KEYS:
        if key != "DJANGO_SETTINGS_MODULE":
            os.environ.pop(key, None)
    import django

    django.setup()
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connections, transaction
    from django.utils import timezone

    from accounts.models import User
    from livestream import services as live
    from livestream.models import LiveSession
    from marketplace import services as market
    from marketplace.models import Category, PublicationStatus
    from marketplace.moderated import creator_verified_set

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql" or db.get("HOST") not in LOOPBACK:
        sys.exit("the rooms benchmark needs PostgreSQL on this machine")
    if "bench" not in str(db["NAME"]):
        sys.exit(f"refusing to seed database {db['NAME']!r}")
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        sys.exit(f"sessions are written as database rows; SESSION_ENGINE={settings.SESSION_ENGINE}")

    backend = "django.contrib.auth.backends.ModelBackend"
    expires = timezone.now() + timedelta(days=1)
    store = SessionStore()

    def session_for(user) -> Session:
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        return Session(
            session_key=secrets.token_hex(16), session_data=store.encode(data), expire_date=expires
        )

    with transaction.atomic():
        host = User.objects.create_user(
            f"host-{run_id}@bench.invalid", None, display_name="Bench Host"
        )
        creator = market.creator_become(user=host, display_name=f"Bench Host {run_id}")
        # A verified expert's session goes live at once; an unverified one's waits for
        # review, and the room refuses every viewer ("There is no such session.").
        creator_verified_set(user_id=host.pk)
        channel = market.channel_create(
            creator=creator,
            title=f"Rooms benchmark {run_id}",
            category=Category.objects.order_by("pk").first(),
            status=PublicationStatus.PUBLISHED,
        )
        session = live.session_schedule(
            user=host,
            channel=channel,
            title="Fan-out benchmark",
            scheduled_start=timezone.now() + timedelta(minutes=1),
            access=LiveSession.Access.FREE,
        )
    live.session_start(session=session, user=host)
    unusable = make_password(None)  # one hash for all: nobody logs in with a password
    users = User.objects.bulk_create(
        [
            User(
                email=f"viewer-{run_id}-{i}@bench.invalid",
                display_name=f"Viewer {i}",
                password=unusable,
            )
            for i in range(viewers)
        ],
        batch_size=1000,
    )
    sessions = [session_for(host)] + [session_for(u) for u in users]
    Session.objects.bulk_create(sessions, batch_size=1000)
    connections.close_all()
    return session.pk, {
        "sender": sessions[0].session_key,
        "viewers": [s.session_key for s in sessions[1:]],
    }


# --- servers ---------------------------------------------------------------------------------


class Server(ServerProcess):
    def __init__(self, kind: str, cfg: Config, env: dict[str, str], tag: str):
        self.kind, self.cfg = kind, cfg
        self.name = f"{kind} server"
        super().__init__(env, OUT_DIR / f"rooms-server-{kind}-{tag}.log")
        self.profile_path = (
            OUT_DIR / f"rooms-profile-{kind}-{tag}.prof"
            if cfg.profile and kind != "plain"
            else None
        )

    def argv(self) -> list[str]:
        if self.kind == "plain":
            return [PY, "-m", "tests.benchmarks.bench_rooms_plain", "--port", str(self.port)]
        prefix = [PY]
        if self.profile_path is not None and self.kind != "plain":
            prefix = [PY, "-m", "cProfile", "-o", str(self.profile_path)]
        app = "config.asgi:application"
        if self.kind == "direct":
            app = "tests.benchmarks.bench_rooms_asgi:application"
        return prefix + [
            "-m", "uvicorn", app,
            "--host", HOST, "--port", str(self.port),
            "--lifespan", "off", "--no-access-log", "--log-level", "warning",
            "--timeout-graceful-shutdown", "3",
            "--ws-per-message-deflate", "false",  # as deploy/Procfile
        ]  # fmt: skip

    def process_env(self) -> dict[str, str]:
        return {**self.env, "SITE_URL": f"http://{HOST}:{self.port}"}

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def ready(self) -> bool:
        try:
            if self.kind == "plain":
                with socket.create_connection((HOST, self.port), timeout=1):
                    return True
            with _http.open(f"http://{HOST}:{self.port}/healthz/", timeout=2) as resp:
                return resp.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def stop(self, timeout: float = 20, first: signal.Signals = signal.SIGTERM) -> None:
        # uvicorn re-raises SIGTERM after its shutdown, which kills cProfile before it
        # writes; SIGINT ends in KeyboardInterrupt, and cProfile writes on the way out.
        super().stop(timeout, signal.SIGINT if self.profile_path is not None else first)


def log_findings(text: str) -> dict:
    lines = text.splitlines()
    return {
        "too_many_connections": sum("Too many connections" in line for line in lines),
        "tracebacks": sum(line.startswith("Traceback") for line in lines),
        "warnings": sum(" WARNING " in line or line.startswith("WARNING") for line in lines),
        "errors": sum(" ERROR " in line or line.startswith("ERROR") for line in lines),
        "sample": next((line for line in lines if "Error" in line or "Too many" in line), "")[:300],
    }


# --- one run: a fresh server, one client process ------------------------------------------


def one_run(
    cfg: Config, kind: str, env: dict[str, str], workdir: str, session_id: int, cookies_path: str,
    viewers: int, rates: list[float], seconds: float, stop: bool, tag: str, processes: int = 1,
    client_args: tuple[str, ...] = (),
) -> dict:  # fmt: skip
    """Fresh server process(es), one client; with `processes` > 1, as many servers of
    `kind` serving the same room (through Redis), the viewers spread over them."""
    servers = [
        Server(kind, cfg, env, tag if processes == 1 else f"{tag}-{i}") for i in range(processes)
    ]
    server = servers[0]
    out_path = os.path.join(workdir, f"{kind}-{tag}.json")
    server_env_note = "" if kind == "plain" else "DB_POOL=true"
    ports = ",".join(str(s.port) for s in servers)
    log(f"{kind}: {viewers} viewers, rates {','.join(f'{r:g}' for r in rates)} msg/s "
        f"x {seconds:g} s on :{ports} {server_env_note}")  # fmt: skip
    try:
        for s in servers:
            s.start()
        argv = [
            PY, "-m", "tests.benchmarks.bench_rooms_client",
            "--port", str(server.port),
            "--ports", ",".join(str(s.port) for s in servers[1:]),
            "--path", "/" if kind == "plain" else f"/ws/live/{session_id}/",
            "--cookies", cookies_path,
            "--viewers", str(viewers),
            "--rates", ",".join(f"{r:g}" for r in rates),
            "--step-seconds", str(seconds),
            "--drain-seconds", str(cfg.drain_seconds),
            "--p95-limit-ms", str(P95_LIMIT_MS),
            "--server-pid", str(server.pid),
            "--server-pids", ",".join(str(s.pid) for s in servers[1:]),
            "--db-name", urlsplit(cfg.database_url).path.strip("/"),
            "--out", out_path,
        ] + ([] if stop else ["--no-stop"]) + list(client_args)  # fmt: skip
        budget = 120 + viewers / 10 + len(rates) * (seconds + cfg.drain_seconds + 2)
        proc = subprocess.run(argv, cwd=ROOT, env=env, timeout=budget, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"client exited {proc.returncode}; server log:\n{server.log_tail()}")
        with open(out_path) as f:
            result = json.load(f)
    finally:
        for s in servers:
            s.stop()
    result["server"] = kind
    result["processes"] = processes
    findings = [log_findings(s.log_text()) for s in servers]
    result["log"] = {
        k: next((f[k] for f in findings if f[k]), "")
        if k == "sample"
        else sum(f[k] for f in findings)
        for k in findings[0]
    }
    if server.profile_path is not None and server.profile_path.exists():
        result["profile"] = str(server.profile_path)
    return result


def summarise(result: dict) -> dict:
    steps = result["steps"]
    passed = [s for s in steps if s.get("ok")]
    failed = next((s for s in steps if not s.get("ok")), None)
    best = passed[-1] if passed else None
    idle, full = result.get("rss_idle_kib"), result.get("rss_connected_kib")
    n = result.get("connected") or 0
    return {
        "best": best,
        "failed": failed,
        "all_passed": failed is None and bool(steps),
        "kib_per_conn": (full - idle) / n if idle and full and n else None,
    }


# --- report -------------------------------------------------------------------------------


def _f(value, fmt: str = "{:.0f}", none: str = "-") -> str:
    return none if value is None else fmt.format(value)


def _ms(value) -> str:
    return _f(value, "{:.1f} ms")


def _fail_note(step: dict | None) -> str:
    if step is None:
        return "none (top rate passed)"
    why = []
    if step["delivered"] < step["expected"]:
        why.append(f"{step['delivered_pct']:.2f}% delivered")
    if step["p95_ms"] is None or step["p95_ms"] >= P95_LIMIT_MS:
        why.append(f"p95 {_ms(step['p95_ms'])}")
    return f"{step['rate']:g} msg/s: " + ", ".join(why)


MAIN_HEADERS = [
    "server", "N", "connected", "KiB/conn", "sustained msg/s", "deliveries/s",
    "p50", "p95", "p99", "failed at", "ours/plain deliveries/s",
]  # fmt: skip


def main_rows(results: list[dict], cfg: Config) -> list[list[str]]:
    by = {(r["server"], r["viewers"]): r for r in results if r.get("kind") == "steps"}
    rows = []
    for n in cfg.viewers:
        for kind in cfg.servers:
            r = by.get((kind, n))
            if r is None:
                continue
            s = summarise(r)
            best = s["best"]
            rate = _f(best["rate"], "{:g}") if best else f"< {cfg.rates[0]:g}"
            if s["all_passed"]:
                rate = f">= {rate}"
            ratio = ""
            if kind != "plain" and ("plain", n) in by:
                plain = summarise(by[("plain", n)])["best"]
                if best and plain:
                    ratio = f"{best['deliveries_per_s'] / plain['deliveries_per_s']:.2f}x"
                elif plain:
                    ratio = "0.00x"
            rows.append(
                [
                    kind, str(n), f"{r.get('connected', 0)}/{n}", _f(s["kib_per_conn"]), rate,
                    _f(best["deliveries_per_s"]) if best else "0",
                    _ms(best["p50_ms"]) if best else "-", _ms(best["p95_ms"]) if best else "-",
                    _ms(best["p99_ms"]) if best else "-", _fail_note(s["failed"]), ratio,
                ]
            )  # fmt: skip
    return rows


STEP_HEADERS = [
    "server", "N", "msg/s", "sent msg/s", "delivered", "deliveries/s", "p50", "p95", "p99",
    "max", "ack p50", "ack p99", "server CPU", "client CPU", "PG+Redis CPU", "machine CPU",
    "closed",
]  # fmt: skip


def step_rows(results: list[dict]) -> list[list[str]]:
    rows = []
    for r in results:
        for s in r["steps"]:
            rows.append(
                [
                    r["server"], str(r["viewers"]), f"{s['rate']:g}", f"{s['sent_rate']:.1f}",
                    f"{s['delivered_pct']:.2f}%", _f(s["deliveries_per_s"]), _ms(s["p50_ms"]),
                    _ms(s["p95_ms"]), _ms(s["p99_ms"]), _ms(s["max_ms"]), _ms(s["ack_p50_ms"]),
                    _ms(s["ack_p99_ms"]), _f(s["server_cpu"], "{:.2f}"),
                    _f(s["client_cpu"], "{:.2f}"), _f(s.get("pg_redis_cpu"), "{:.2f}"),
                    _f(s["machine_cpu"], "{:.2f}"),
                    str(s["viewers_closed"]),
                ]
            )  # fmt: skip
    return rows


CHECK_HEADERS = ["server", "N x msg/s", "delivered", "all delivered", "p50", "p95", "p99", "max"]


def check_rows(results: list[dict]) -> list[list[str]]:
    rows = []
    for r in results:
        if r.get("kind") != "check" or not r["steps"]:
            continue
        s = r["steps"][0]
        rows.append(
            [
                r["server"], f"{r['viewers']} x {s['rate']:g}", f"{s['delivered_pct']:.2f}%",
                "yes" if s["delivered"] == s["expected"] else "no",
                _ms(s["p50_ms"]), _ms(s["p95_ms"]), _ms(s["p99_ms"]), _ms(s["max_ms"]),
            ]
        )  # fmt: skip
    return rows


def target_lines(results: list[dict]) -> list[str]:
    by = {(r["server"], r["viewers"], r.get("kind")): r for r in results}
    lines = []
    ours, plain = by.get(("ours", TARGET_N, "steps")), by.get(("plain", TARGET_N, "steps"))
    if ours and plain:
        ob, pb = summarise(ours)["best"], summarise(plain)["best"]
        if ob and pb:
            ratio = ob["deliveries_per_s"] / pb["deliveries_per_s"]
            lines.append(
                f"- N = {TARGET_N}: sustained {ob['deliveries_per_s']:.0f} deliveries/s against "
                f"plain {pb['deliveries_per_s']:.0f}: {ratio:.2f}x "
                f"({'met' if ratio >= TARGET_RATIO else 'NOT met'}; target >= {TARGET_RATIO}x)"
            )
        else:
            lines.append(f"- N = {TARGET_N}: ours sustained no step (NOT met)")
        complete = all(s["delivered"] == s["expected"] for s in ours["steps"] if s.get("ok"))
        lines.append(
            f"- N = {TARGET_N}: 100% delivered at every sustained step: "
            f"{'yes' if complete and ob else 'NO'}"
        )
    else:
        lines.append(f"- N = {TARGET_N} not measured in this run (use --viewers ...,{TARGET_N})")
    check = by.get(("ours", CHECK_VIEWERS, "check"))
    if check and check["steps"]:
        s = check["steps"][0]
        ok = (
            s["p99_ms"] is not None
            and s["p99_ms"] < P95_LIMIT_MS
            and s["delivered"] == s["expected"]
        )
        lines.append(
            f"- N = {CHECK_VIEWERS} x {CHECK_RATE:g} msg/s: p99 {_ms(s['p99_ms'])}, "
            f"{s['delivered_pct']:.2f}% delivered ({'met' if ok else 'NOT met'}; "
            f"target p99 < {P95_LIMIT_MS:.0f} ms, 100%)"
        )  # fmt: skip
    return lines


def two_process_lines(results: list[dict]) -> list[str]:
    """The 2-process run: ours on two processes (Redis) against plain on one."""
    by = {r["server"]: r for r in results if r.get("kind") == "two"}
    ours, plain = by.get("ours"), by.get("plain")
    if ours is None:
        return ["- two processes: not run (--two-processes 0)"]
    o = summarise(ours)
    ob = o["best"]
    per = ours["viewers"] // 2
    line = (
        f"- 2 processes x {per} viewers (ours, Redis): {ours.get('connected', 0)}/"
        f"{ours['viewers']} connected, sustained "
        + (f"{ob['rate']:g} msg/s, {ob['deliveries_per_s']:.0f} deliveries/s, p99 "
           f"{_ms(ob['p99_ms'])}" if ob else "no step")
        + f", {_f(o['kib_per_conn'])} KiB/socket"
    )  # fmt: skip
    lines = [line]
    pb = summarise(plain)["best"] if plain else None
    if plain is not None:
        ratio = (ob["deliveries_per_s"] / pb["deliveries_per_s"]) if ob and pb else 0.0
        lines.append(
            f"- against plain, one process x {plain['viewers']} viewers: "
            + (f"{pb['rate']:g} msg/s, {pb['deliveries_per_s']:.0f} deliveries/s" if pb
               else "no step")
            + f": ours {ratio:.2f}x of plain"
        )  # fmt: skip
    return lines


def _ratio_at(results: list[dict], n: int) -> float | None:
    by = {(r["server"], r["viewers"]): r for r in results if r.get("kind") == "steps"}
    ours, plain = by.get(("ours", n)), by.get(("plain", n))
    if not ours or not plain:
        return None
    ob, pb = summarise(ours)["best"], summarise(plain)["best"]
    if not pb:
        return None
    return ob["deliveries_per_s"] / pb["deliveries_per_s"] if ob else 0.0


def summary_line(results: list[dict]) -> str:
    """The issue's summary: ours/plain deliveries/s at N = 200 and 1,000, and our
    memory per socket at the largest N measured."""
    ratios = {n: _ratio_at(results, n) for n in (CHECK_VIEWERS, TARGET_N)}
    ours = [r for r in results if r.get("kind") == "steps" and r["server"] == "ours"]
    largest = max(ours, key=lambda r: r["viewers"], default=None)
    kib = summarise(largest)["kib_per_conn"] if largest else None
    text = {n: "n/a" if r is None else f"{r:.2f}" for n, r in ratios.items()}
    return (
        f"rooms N={CHECK_VIEWERS} {text[CHECK_VIEWERS]}x N={TARGET_N} {text[TARGET_N]}x "
        f"of plain websockets, {'n/a' if kib is None else f'{kib:.0f}'} KiB/socket"
    )


def report(cfg: Config, results: list[dict], started: datetime, load_at_start: str) -> str:
    steps = [r for r in results if r.get("kind") == "steps"]
    checks = [r for r in results if r.get("kind") == "check"]
    twos = [r for r in results if r.get("kind") == "two"]
    log_lines = []
    for r in results:
        lf = r["log"]
        if any(lf[k] for k in ("too_many_connections", "tracebacks", "errors", "warnings")):
            log_lines.append(
                f"- {r['server']} N={r['viewers']} ({r['kind']}): "
                f"{lf['too_many_connections']} 'Too many connections', {lf['tracebacks']} "
                f"tracebacks, {lf['errors']} errors, {lf['warnings']} warnings"
                + (f"; e.g. `{lf['sample']}`" if lf["sample"] else "")
            )
        if r.get("connect_errors"):
            log_lines.append(
                f"- {r['server']} N={r['viewers']}: connect errors {r['connect_errors']}"
            )
        if r.get("closed_by_server") or r.get("lost"):
            log_lines.append(
                f"- {r['server']} N={r['viewers']}: viewers closed by the server "
                f"{r.get('closed_by_server')}, lost without close {r.get('lost')}"
            )
        if r.get("sender_errors"):
            log_lines.append(
                f"- {r['server']} N={r['viewers']}: sender errors {r['sender_errors']}"
            )
    if not log_lines:
        log_lines = ["- no 'Too many connections', tracebacks, errors or closed viewers"]
    parts = [
        "# Live room fan-out benchmark: ours against plain websockets",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC on {cfg.cores} cores, shared by the server, the "
        "client, PostgreSQL and Redis (compare ours/plain within this run, not absolute "
        "figures across runs). One server process each; ours = uvicorn + Channels room "
        "(`ws/live/<id>/`, hub fan-out, Redis channel layer, PostgreSQL, DB_POOL=true), "
        "plain = `websockets` `broadcast()` (`tests/benchmarks/bench_rooms_plain.py`). "
        "One client process (bare asyncio protocols on uvloop) holds the host (sender) and "
        f"the N viewers. Steps of {cfg.step_seconds:g} s at "
        f"{', '.join(f'{r:g}' for r in cfg.rates)} msg/s, each followed by up to "
        f"{cfg.drain_seconds:g} s for the last deliveries; a step is sustained when every "
        f"viewer got every message and p95 < {P95_LIMIT_MS:.0f} ms; stepping stops at the "
        "first that is not. Latency = viewer receive time - send time in the message.",
        "",
        f"Load average when the run started: {load_at_start}.",
        "",
        md_table(MAIN_HEADERS, main_rows(results, cfg)),
        "",
        "`sustained msg/s` is the highest sustained step; `deliveries/s`, p50/p95/p99 are "
        "measured at that step. `KiB/conn` = (server VmRSS with N viewers - VmRSS with "
        "the host alone) / N.",
        "",
        f"## {CHECK_VIEWERS} viewers x {CHECK_RATE:g} msg/s for {cfg.check_seconds:g} s",
        "",
        md_table(CHECK_HEADERS, check_rows(checks)) if checks else "(not run)",
        "",
        "## Against the targets (reported, not asserted)",
        "",
        *target_lines(results),
        "",
        "## Two of our processes, one room (Redis)",
        "",
        *two_process_lines(results),
        "",
        summary_line(results),
        "",
        "## Every step",
        "",
        "CPU in cores busy while sending: the server process; the client process; the "
        "PostgreSQL backends of the benchmark database plus redis-server; the whole "
        "machine (anything else running on it too). `ack` = the host's send -> ack time "
        "(ours: chat_post, its commit and publish, then the ack through the same event "
        "loop). Latencies include the client's own time to read the frames: it is one "
        "process reading every viewer's socket.",
        "",
        md_table(STEP_HEADERS, step_rows(steps + twos + checks)),
        "",
        "## Server logs and connections",
        "",
        *log_lines,
        "",
    ]
    return "\n".join(parts)


def print_profile(path: str, limit: int = 25) -> None:
    stats = pstats.Stats(path)
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)


# --- main -------------------------------------------------------------------------------


def main(argv=None) -> int:
    cfg = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = datetime.now(UTC)
    t0 = time.monotonic()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    run_id = secrets.token_hex(3)
    load_at_start = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    workdir = tempfile.mkdtemp(prefix="zhiliao-bench-rooms-")
    results: list[dict] = []
    try:
        static_root = os.path.join(workdir, "static")
        os.makedirs(static_root)
        env = environment(cfg, run_id, static_root)
        database_fresh(cfg.database_url, env, reuse=cfg.reuse_db)
        need = max([*cfg.viewers, cfg.check_viewers, 2 * cfg.two_processes])
        log(f"Seeding a live session, its host and {need} logged-in viewers (run {run_id})")
        session_id, cookies = seed(env, run_id, need)
        cookies_path = os.path.join(workdir, "cookies.json")
        with open(cookies_path, "w") as f:
            json.dump(cookies, f)
        server_env = server_environment(env)
        for n in cfg.viewers:
            for kind in cfg.servers:
                r = one_run(
                    cfg, kind, server_env, workdir, session_id, cookies_path, n, cfg.rates,
                    cfg.step_seconds, True, f"{n}",
                )  # fmt: skip
                r["kind"] = "steps"
                results.append(r)
        if cfg.two_processes and "ours" in cfg.servers:
            # The same room on two of our processes (fan-out through Redis), against
            # plain with as many viewers on its one process.
            total = 2 * cfg.two_processes
            for kind, processes in (("ours", 2), ("plain", 1)):
                if kind in cfg.servers:
                    r = one_run(
                        cfg, kind, server_env, workdir, session_id, cookies_path, total,
                        cfg.rates, cfg.step_seconds, True, f"two{total}", processes,
                    )  # fmt: skip
                    r["kind"] = "two"
                    results.append(r)
        for kind in cfg.servers:
            r = one_run(
                cfg, kind, server_env, workdir, session_id, cookies_path, cfg.check_viewers,
                [CHECK_RATE], cfg.check_seconds, False, f"check{cfg.check_viewers}",
            )  # fmt: skip
            r["kind"] = "check"
            results.append(r)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(text_table(MAIN_HEADERS, main_rows(results, cfg)))
    print()
    print(text_table(CHECK_HEADERS, check_rows(results)))
    print()
    for line in target_lines(results) + two_process_lines(results):
        print(line)
    if cfg.smoke:  # nothing judged, nothing written over a real run's figures
        ours = [r for r in results if r["server"] == "ours"]
        # Every run of our room (two processes too) must have admitted its viewers.
        all_in = bool(ours) and all(r.get("connected") == r["viewers"] for r in ours)
        delivered = sum(s["delivered"] for r in ours for s in r["steps"])
        code = smoke_exit(delivered if all_in else 0, "deliveries to viewers of our room")
        print(summary_line(results))
        return code
    md = report(cfg, results, started, load_at_start)
    (OUT_DIR / "rooms.md").write_text(md)
    (OUT_DIR / "rooms.json").write_text(
        json.dumps(
            {"started": started.isoformat(), "cores": cfg.cores, "results": results}, indent=1
        )
    )
    if cfg.profile:
        for r in results:
            if r.get("profile"):
                print(
                    f"\n### profile of ours, {r['viewers']} viewers ({r['kind']}): {r['profile']}"
                )
                print_profile(r["profile"])
    print(f"\nWritten {OUT_DIR / 'rooms.md'} in {time.monotonic() - t0:.0f} s "
          f"(server logs: {OUT_DIR}/rooms-server-*.log)")  # fmt: skip
    print(summary_line(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
