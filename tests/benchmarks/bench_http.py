"""Serving benchmark: the catalogue page and API under production server set-ups.

    .venv/bin/python -m tests.benchmarks.bench_http [--quick] [--duration 8] [...]

Builds a dedicated PostgreSQL database (zhiliao_bench, dropped and created each run),
seeds it (seed_demo plus 200 published channels), collects static files into a
temporary STATIC_ROOT, then for each server set-up:

  A  gunicorn sync workers (WSGI, deploy/gunicorn.conf.py), persistent connections
  B  uvicorn ASGI, 2 workers, psycopg connection pool (DB_POOL=true)
  C  uvicorn ASGI, 2 workers, no pool (CONN_MAX_AGE=0, as Django advises under ASGI)

starts the server on a free loopback port with production settings (DEBUG=0), warms it
up, runs `wrk --latency` against the bare reference view (one primary-key query, JSON;
it exists only in tests.benchmarks.bench_urls), the catalogue page and the catalogue
API, and stops it. Prints requests/s, p50, p99 and the ratio to the bare view under the
same server, plus each set-up against A, and writes the tables to var/bench/http.md.

On a shared machine absolute numbers drift between runs; compare ratios within a run.
Everything stays on 127.0.0.1. Figures are printed, nothing is asserted.

Options may also come from the environment: BENCH_DURATION, BENCH_CONNECTIONS,
BENCH_THREADS, BENCH_SETUPS, BENCH_GUNICORN_WORKERS, BENCH_ASGI_WORKERS,
BENCH_DATABASE_URL, BENCH_REDIS_URL (command-line options win).
"""

import argparse
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
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from tests.benchmarks.common import (
    SMOKE_HELP,
    ServerProcess,
    _admin_url,
    _cores,
    _pick,
    database_fresh,
    log,
    md_table,
    parse_wrk,
    smoke_exit,
    text_table,
)

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "var" / "bench"
PY = sys.executable
HOST = "127.0.0.1"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SETTINGS_MODULE = "tests.benchmarks.bench_settings"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/zhiliao_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
TARGET_RATIO = 0.5

ENDPOINTS = [
    ("bare", "/bench/bare/1/"),
    ("catalogue page", "/catalogue/"),
    ("catalogue API", "/api/v1/catalogue/channels/"),
]
# Settings a caller's environment must not leak into a set-up (each sets its own).
SERVER_ENV_KEYS = (
    "DB_POOL",
    "DB_POOL_MIN",
    "DB_POOL_MAX",
    "CONN_MAX_AGE",
    "WEB_CONCURRENCY",
    "GUNICORN_CMD_ARGS",
    "GUNICORN_BIND",
    "GUNICORN_ACCESS_LOG",
    "SECURE_SSL_REDIRECT",
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
)

# Nothing here may ever leave the machine: no proxies for the readiness checks.
_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --- configuration ---------------------------------------------------------------------


@dataclass
class Config:
    duration: int
    connections: int
    threads: int
    warmup: int
    rounds: int
    setups: list[str]
    gunicorn_workers: int
    asgi_workers: int
    channels: int
    database_url: str
    redis_url: str
    reuse_db: bool
    cores: int
    smoke: bool = False


def parse_args(argv=None) -> Config:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_http",
        description="Serving benchmark (wrk) of the catalogue page and API.",
    )
    parser.add_argument("--quick", action="store_true", help="3 s runs, 1 s warm-up")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP + " (set-up A, 1 s runs)")
    parser.add_argument("--duration", type=int, help="seconds per wrk run (default 8)")
    parser.add_argument("--connections", "-c", type=int, help="wrk connections (default 32)")
    parser.add_argument("--threads", "-t", type=int, help="wrk threads (default 2)")
    parser.add_argument("--warmup", type=int, help="seconds of warm-up per endpoint")
    parser.add_argument(
        "--rounds", type=int, default=1, help="wrk runs per endpoint; the median is reported"
    )
    parser.add_argument("--setups", help="comma-separated subset of A,B,C (default all)")
    parser.add_argument("--gunicorn-workers", type=int, help="default 2 x cores + 1")
    parser.add_argument("--asgi-workers", type=int, help="default 2")
    parser.add_argument("--channels", type=int, default=200, help="extra channels to seed")
    parser.add_argument(
        "--reuse-db", action="store_true", help="keep the seeded database of the last run"
    )
    args = parser.parse_args(argv)

    cores = _cores()
    quick = args.quick
    if args.smoke:  # one set-up, a second per endpoint, a small catalogue
        args.setups, args.duration, args.warmup = args.setups or "A", args.duration or 1, 0
        args.connections, args.channels = args.connections or 4, min(args.channels, 10)
    setups = _pick(args.setups, "BENCH_SETUPS", "A,B,C,D", str)
    cfg = Config(
        duration=_pick(args.duration, "BENCH_DURATION", 3 if quick else 8),
        connections=_pick(args.connections, "BENCH_CONNECTIONS", 32),
        threads=_pick(args.threads, "BENCH_THREADS", 1 if args.smoke else 2),
        warmup=_pick(args.warmup, "BENCH_WARMUP", 1 if quick else 2),
        rounds=args.rounds,
        setups=[s.strip().upper() for s in setups.split(",") if s.strip()],
        gunicorn_workers=_pick(args.gunicorn_workers, "BENCH_GUNICORN_WORKERS", 2 * cores + 1),
        asgi_workers=_pick(args.asgi_workers, "BENCH_ASGI_WORKERS", 2),
        channels=args.channels,
        database_url=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        redis_url=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        reuse_db=args.reuse_db,
        cores=cores,
        smoke=args.smoke,
    )
    if not 1 <= cfg.duration <= 600 or not 0 <= cfg.warmup <= 60 or not 1 <= cfg.rounds <= 10:
        parser.error("duration 1..600 s, warm-up 0..60 s, rounds 1..10")
    if not 1 <= cfg.threads <= cfg.connections <= 4096:
        parser.error("need 1 <= threads <= connections <= 4096")
    unknown = set(cfg.setups) - set(SETUPS)
    if unknown or not cfg.setups:
        parser.error(f"unknown set-up(s) {sorted(unknown)}; choose from {', '.join(SETUPS)}")
    for url in (cfg.database_url, cfg.redis_url):
        if urlsplit(url).hostname not in LOOPBACK:
            parser.error(f"{url}: the benchmark only talks to services on this machine")
    if not urlsplit(cfg.database_url).path.strip("/").endswith("_bench"):
        parser.error("the benchmark database name must end in _bench (it is dropped each run)")
    return cfg


# --- server set-ups -----------------------------------------------------------------------


@dataclass
class Setup:
    key: str
    label: str
    env: dict[str, str]
    argv: Callable[[Config, int], list[str]]  # (config, port) -> command line


def _gunicorn_argv(cfg: Config, port: int) -> list[str]:
    return [
        PY, "-m", "gunicorn",
        "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind", f"{HOST}:{port}",
        "--workers", str(cfg.gunicorn_workers),
        "--log-level", "warning",
    ]  # fmt: skip


def _uvicorn_argv(cfg: Config, port: int) -> list[str]:
    return [
        PY, "-m", "uvicorn", "config.asgi:application",
        "--host", HOST,
        "--port", str(port),
        "--workers", str(cfg.asgi_workers),
        "--no-access-log",
        "--log-level", "warning",
        "--timeout-graceful-shutdown", "5",
    ]  # fmt: skip


SETUPS = {
    "A": Setup(
        "A", "gunicorn sync (WSGI), CONN_MAX_AGE=60", {"CONN_MAX_AGE": "60"}, _gunicorn_argv
    ),
    "B": Setup("B", "uvicorn (ASGI), DB_POOL=true", {"DB_POOL": "true"}, _uvicorn_argv),
    "C": Setup(
        "C", "uvicorn (ASGI), no pool, CONN_MAX_AGE=0", {"CONN_MAX_AGE": "0"}, _uvicorn_argv
    ),
    # A with the catalogue cache off: what every query costs the first time it is asked.
    "D": Setup(
        "D",
        "gunicorn sync (WSGI), catalogue cache off",
        {"CONN_MAX_AGE": "60", "CATALOGUE_CACHE_SECONDS": "0"},
        _gunicorn_argv,
    ),
}


def _label(cfg: Config, setup: Setup) -> str:
    workers = cfg.gunicorn_workers if setup.argv is _gunicorn_argv else cfg.asgi_workers
    return f"{setup.key}: {setup.label}, {workers} workers"


# --- helpers ---------------------------------------------------------------------------


def run(argv: list[str], env: dict[str, str], timeout: int = 900) -> None:
    subprocess.run(argv, cwd=ROOT, env=env, check=True, timeout=timeout)


def db_sessions(database_url: str) -> int | None:
    """Connections ever opened to the database (pg_stat_database.sessions, PG 14+)."""
    import psycopg

    admin, name = _admin_url(database_url)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            row = conn.execute(
                "SELECT sessions FROM pg_stat_database WHERE datname = %s", [name]
            ).fetchone()
    except psycopg.Error:
        return None
    return int(row[0]) if row and row[0] is not None else None


def get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with _http.open(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# --- wrk ---------------------------------------------------------------------------------


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors + non-2xx/3xx responses
    raw: str = field(repr=False, default="")


def wrk(cfg: Config, url: str, seconds: int) -> WrkResult:
    assert urlsplit(url).hostname == HOST
    argv = [
        WRK, f"-t{cfg.threads}", f"-c{cfg.connections}", f"-d{seconds}s",
        "--timeout", "5s", "--latency", url,
    ]  # fmt: skip
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True)
    f = parse_wrk(out.stdout)
    return WrkResult(f.rps, f.p50_ms, f.p99_ms, f.requests, f.errors, raw=out.stdout)


WRK = shutil.which("wrk") or ""


# --- one server set-up --------------------------------------------------------------------


class Server(ServerProcess):
    name = "server"

    def __init__(self, setup: Setup, cfg: Config, base_env: dict[str, str]):
        self.setup, self.cfg = setup, cfg
        # A cache of its own: a set-up must not be served what another one cached.
        env = {**base_env, "CACHE_KEY_PREFIX": f"zhiliao-bench-{setup.key}", **setup.env}
        super().__init__(env, OUT_DIR / f"server-{setup.key}.log")

    def argv(self) -> list[str]:
        return self.setup.argv(self.cfg, self.port)

    def ready(self) -> bool:
        return get(self.base + ENDPOINTS[0][1], timeout=2)[0] == 200


def check_endpoints(server: Server, channels_expected: int) -> dict[str, str]:
    """Every endpoint answers 200 with what it should; returns notes for the report."""
    notes = {}
    for name, path in ENDPOINTS:
        status, body = get(server.base + path, timeout=10)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}:\n{body[:500]!r}\n{server.log_tail()}")
        if name == "catalogue API":
            data = json.loads(body)
            if data["count"] < channels_expected:
                raise RuntimeError(f"catalogue API lists {data['count']} channels")
            notes[name] = f"{len(data['results'])} of {data['count']} channels per page"
        elif name == "catalogue page":
            cards = body.count(b'data-testid="channel-card"')
            pages = re.search(rb"Page 1 of (\d+)", body)
            notes[name] = (
                f"{cards} cards, {pages.group(1).decode() if pages else '?'} pages, "
                f"{len(body) // 1024} KiB"
            )
        else:
            notes[name] = body.decode()[:60]
    return notes


@dataclass
class Row:
    setup: str
    endpoint: str
    result: WrkResult
    ratio: float  # to the bare view under the same server


def bench_setup(cfg: Config, setup: Setup, base_env: dict[str, str]) -> tuple[list[Row], dict]:
    server = Server(setup, cfg, base_env)
    label = _label(cfg, setup)
    log(f"{label}: starting on {server.base}")
    sessions_before = db_sessions(cfg.database_url)
    total_requests = 0
    info: dict = {}
    rows: list[Row] = []
    try:
        server.start()
        info["notes"] = check_endpoints(server, cfg.channels)
        total_requests += len(ENDPOINTS) + 1
        if cfg.warmup:
            for _, path in ENDPOINTS:
                total_requests += wrk(cfg, server.base + path, cfg.warmup).requests
        results: dict[str, WrkResult] = {}
        for name, path in ENDPOINTS:
            runs = []
            for _ in range(cfg.rounds):
                runs.append(wrk(cfg, server.base + path, cfg.duration))
                total_requests += runs[-1].requests
            median = statistics.median_low(r.rps for r in runs)
            results[name] = next(r for r in runs if r.rps == median)
            r = results[name]
            log(f"  {name:15} {r.rps:9.1f} req/s  p50 {r.p50_ms:7.2f} ms  p99 {r.p99_ms:7.2f} ms")
        bare = results["bare"].rps
        rows = [
            Row(label, name, res, res.rps / bare if bare else float("nan"))
            for name, res in results.items()
        ]
    finally:
        server.stop()
    time.sleep(1.5)  # PostgreSQL publishes the closed sessions' statistics
    sessions_after = db_sessions(cfg.database_url)
    if sessions_before is not None and sessions_after is not None and total_requests:
        opened = sessions_after - sessions_before
        info["db_connections_opened"] = opened
        info["db_connections_per_1k_requests"] = 1000 * opened / total_requests
    info["requests"] = total_requests
    return rows, info


# --- report -------------------------------------------------------------------------------


def _fmt_rows(rows: list[Row]) -> list[list[str]]:
    out = []
    for row in rows:
        r = row.result
        flag = "" if row.endpoint == "bare" or row.ratio >= TARGET_RATIO else " (below 0.5)"
        out.append(
            [
                row.setup,
                row.endpoint,
                f"{r.rps:.0f}",
                f"{r.p50_ms:.1f} ms",
                f"{r.p99_ms:.1f} ms",
                f"{row.ratio:.2f}x{flag}",
                str(r.errors),
            ]
        )
    return out


HEADERS = ["setup", "endpoint", "req/s", "p50", "p99", "vs bare", "errors"]


def _left(headers: list[str]) -> set[int]:
    return {i for i, h in enumerate(headers) if h in ("setup", "endpoint")}


def cross_headers(cfg: Config) -> list[str]:
    return ["setup", "endpoint", "req/s", f"vs {cfg.setups[0]} (same endpoint)"]


def _cross_rows(rows: list[Row]) -> list[list[str]]:
    first = {}
    out = []
    for row in rows:
        first.setdefault(row.endpoint, row)
        ref = first[row.endpoint].result.rps
        out.append(
            [row.setup, row.endpoint, f"{row.result.rps:.0f}", f"{row.result.rps / ref:.2f}x"]
        )
    return out


def report(cfg: Config, rows: list[Row], infos: dict[str, dict], started: datetime) -> str:
    first_info = next(iter(infos.values()), {})
    notes = first_info.get("notes", {})
    conn_lines = [
        f"- {_label(cfg, SETUPS[k])}: {i['db_connections_opened']} PostgreSQL connections "
        f"opened for {i['requests']} requests "
        f"({i['db_connections_per_1k_requests']:.1f} per 1,000)"
        for k, i in infos.items()
        if "db_connections_opened" in i
    ]
    parts = [
        "# Serving benchmark: catalogue page and API",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC on {cfg.cores} cores (shared machine: compare "
        f"ratios within this run, not absolute figures across runs). "
        f"`wrk -t{cfg.threads} -c{cfg.connections} -d{cfg.duration}s --latency`, "
        f"{cfg.warmup} s warm-up per endpoint, "
        + (f"median of {cfg.rounds} runs, " if cfg.rounds > 1 else "")
        + "DEBUG=0, PostgreSQL and Redis on loopback, wrk on the same machine.",
        "",
        "Endpoints: `bare` = `/bench/bare/1/` (one primary-key query, JsonResponse; "
        "benchmark URLconf only), `catalogue page` = `/catalogue/`"
        + (f" ({notes['catalogue page']})" if "catalogue page" in notes else "")
        + ", `catalogue API` = `/api/v1/catalogue/channels/`"
        + (f" ({notes['catalogue API']})" if "catalogue API" in notes else "")
        + ".",
        "",
        md_table(HEADERS, _fmt_rows(rows), _left(HEADERS)),
        "",
        f"Target: catalogue page and API at least {TARGET_RATIO}x the bare view's req/s "
        "under the same server.",
        "",
        "## Set-ups against each other (same endpoint, same run)",
        "",
        md_table(cross_headers(cfg), _cross_rows(rows), _left(cross_headers(cfg))),
        "",
    ]
    if conn_lines:
        parts += ["## Database connections opened", "", *conn_lines, ""]
    return "\n".join(parts)


# --- main -------------------------------------------------------------------------------


def base_environment(cfg: Config, static_root: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVER_ENV_KEYS}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DATABASE_URL": cfg.database_url,
            "REDIS_URL": cfg.redis_url,
            "CELERY_BROKER_URL": cfg.redis_url,
            "CACHE_KEY_PREFIX": "zhiliao-bench",
            "CHANNEL_LAYER_PREFIX": "zhiliao-bench",
            "DEBUG": "0",
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


def prepare_database(cfg: Config, env: dict[str, str]) -> None:
    if database_fresh(cfg.database_url, env, reuse=cfg.reuse_db):
        log("Seeding: seed_demo + extra channels")
        run([PY, "manage.py", "seed_demo"], env)
        run([PY, "-m", "tests.benchmarks.bench_seed", "--channels", str(cfg.channels)], env)


def main(argv=None) -> int:
    cfg = parse_args(argv)
    # `kill` of the benchmark still runs the finally blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not WRK:
        sys.exit("wrk is not installed: apt-get install -y wrk (or scripts/install.sh --dev)")
    started = datetime.now(UTC)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    static_root = tempfile.mkdtemp(prefix="zhiliao-bench-static-")
    rows: list[Row] = []
    infos: dict[str, dict] = {}
    try:
        env = base_environment(cfg, static_root)
        prepare_database(cfg, env)
        log(f"collectstatic into {static_root}")
        run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env)
        for key in cfg.setups:
            setup_rows, infos[key] = bench_setup(cfg, SETUPS[key], env)
            rows += setup_rows
    finally:
        shutil.rmtree(static_root, ignore_errors=True)

    print()
    print(text_table(HEADERS, _fmt_rows(rows), _left(HEADERS)))
    print()
    print(text_table(cross_headers(cfg), _cross_rows(rows), _left(cross_headers(cfg))))
    for key, info in infos.items():
        if "db_connections_opened" in info:
            print(
                f"{key}: {info['db_connections_opened']} DB connections opened for "
                f"{info['requests']} requests ({info['db_connections_per_1k_requests']:.1f}/1k)"
            )
    if cfg.smoke:  # nothing judged, nothing written over a real run's figures
        return smoke_exit(sum(r.result.requests for r in rows if not r.result.errors), "requests")
    md = report(cfg, rows, infos, started)
    (OUT_DIR / "http.md").write_text(md)
    (OUT_DIR / "http.json").write_text(
        json.dumps(
            [
                {
                    "setup": r.setup,
                    "endpoint": r.endpoint,
                    "rps": r.result.rps,
                    "p50_ms": r.result.p50_ms,
                    "p99_ms": r.result.p99_ms,
                    "errors": r.result.errors,
                    "ratio_to_bare": r.ratio,
                }
                for r in rows
            ],
            indent=2,
        )
    )
    print(f"\nWritten {OUT_DIR / 'http.md'} (server logs: {OUT_DIR}/server-*.log)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
