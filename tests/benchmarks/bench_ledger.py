"""Ledger benchmark: tips per second through payments.services.tip_send on PostgreSQL.

    .venv/bin/python -m tests.benchmarks.bench_ledger [--quick] [--duration 5] [--warmup 1]
        [--mode processes|threads] [--rounds 1] [--scenarios a,b,c,d,e] [--max-tips 20000]
        [--reuse-db]

Builds a dedicated PostgreSQL database (zhiliao_ledger_bench; dropped, created and
migrated each run unless --reuse-db), creates for every scenario its own payers, whose
wallets are funded through services.wallet_top_up_credit, and its own creators, then
runs, each for a fixed time after a warm-up:

  ref N  the reference: N workers, each doing one bare single-row INSERT per
         transaction (autocommit) into bench_ref, a table this script creates, through
         Django's connection (a cursor per statement, as the ORM does)
  a      1 payer tipping one creator
  b      8 concurrent payers, each tipping their own creator
  c      32 concurrent payers, each tipping their own creator
  d      32 concurrent payers all tipping the same creator (a hot credited account)
  e      32 concurrent workers tipping from one wallet to 32 creators (a hot debited
         account: one person tipping from many devices; beyond the spec, it isolates
         the SELECT ... FOR UPDATE on the wallet)

Each worker is a forked process (default) or, with --mode threads, a thread of this
process; either way it has its own database connection, closed when it ends. Processes
are the default because a tip costs roughly three times more Python CPU than
PostgreSQL CPU: threads share one GIL, so they cap the client at one core and measure
the GIL as much as the ledger (compare the "client cores busy" column of both modes;
threads never pass 1.0). Production runs Django in processes (gunicorn workers) too.
Every tip has a unique client_key, so every call writes a tip. The reference at the
same concurrency runs, in the same mode, just before the scenarios that use it; with
--rounds N the whole plan runs N times and the median round of each run is reported.

Prints and writes to var/bench/ledger.md (and ledger.json): operations per second,
p50/p99 latency per operation, the ratio tips/s / reference inserts/s at the same
concurrency, and where the time goes: SQL statements per operation, client (Python)
CPU and PostgreSQL backend CPU per operation (read from /proc, both run on this
machine), and time inside the deferred balance trigger per tip (pg_stat_user_functions,
with track_functions = 'pl' set on the benchmark database). Then checks the ledger
invariants on the benchmark database and prints "invariants: ok", or exits 1.

On a shared machine absolute numbers drift between runs; compare ratios within a run.
Everything stays on 127.0.0.1. Figures are printed, nothing is asserted except the
invariants.

Options may also come from the environment: BENCH_DURATION, BENCH_WARMUP, BENCH_MODE,
BENCH_LEDGER_DATABASE_URL, BENCH_REDIS_URL (command-line options win).
"""

import argparse
import json
import multiprocessing
import os
import queue
import resource
import secrets
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.benchmarks.common import (
    SMOKE_HELP,
    _admin_url,
    _cores,
    _pick,
    log,
    md_table,
    recreate_migrated,
    smoke_exit,
    text_table,
)

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "var" / "bench"
PY = sys.executable
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SETTINGS_MODULE = "tests.benchmarks.bench_settings"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/zhiliao_ledger_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
REF_TABLE = "bench_ref"
BARRIER_TIMEOUT = 120  # seconds a worker waits for the others to be ready
MAX_ERRORS = 100  # a worker stops after this many failed operations


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    workers: int
    payers: int  # distinct wallets debited
    creators: int  # distinct creators credited


SCENARIOS = {
    s.key: s
    for s in (
        Scenario("a", "1 payer", 1, 1, 1),
        Scenario("b", "8 payers, own creators", 8, 8, 8),
        Scenario("c", "32 payers, own creators", 32, 32, 32),
        Scenario("d", "32 payers, same creator (hot credit)", 32, 32, 1),
        Scenario("e", "32 workers, same wallet (hot debit, extra)", 32, 1, 32),
    )
}


# --- configuration ---------------------------------------------------------------------


@dataclass
class Config:
    duration: float
    warmup: float
    mode: str
    rounds: int
    scenarios: list[str]
    max_tips: int
    database_url: str
    redis_url: str
    reuse_db: bool
    cores: int
    history: list[int] = field(default_factory=lambda: [1_000, 1_000_000])
    smoke: bool = False


def parse_args(argv=None) -> Config:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_ledger",
        description="Ledger throughput (tips/s) on PostgreSQL against a bare INSERT loop.",
    )
    parser.add_argument("--quick", action="store_true", help="2 s runs, 0.5 s warm-up")
    parser.add_argument(
        "--smoke", action="store_true", help=SMOKE_HELP + " (1 s runs, scenarios c and d)"
    )
    parser.add_argument(
        "--history",
        help="entries behind the accounts whose balance reads are timed (default 1000,1000000)",
    )
    parser.add_argument("--duration", type=float, help="seconds per measured run (default 5)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per run (default 1)")
    parser.add_argument(
        "--mode",
        choices=["threads", "processes"],
        help="workers are forked processes (default) or threads in this process",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="runs of the whole plan; the median is reported"
    )
    parser.add_argument("--scenarios", help="comma-separated subset of a,b,c,d,e (default all)")
    parser.add_argument(
        "--max-tips",
        type=int,
        default=20_000,
        help="operations per worker at most (bounds the loop; wallets are funded for it)",
    )
    parser.add_argument("--reuse-db", action="store_true", help="keep the database of the last run")
    args = parser.parse_args(argv)

    quick = args.quick
    if args.smoke:
        args.scenarios, args.history = args.scenarios or "c,d", args.history or "1000,10000"
    scenarios = _pick(args.scenarios, "BENCH_SCENARIOS", ",".join(SCENARIOS), str)
    cfg = Config(
        duration=_pick(args.duration, "BENCH_DURATION", 2.0 if quick else 5.0, float),
        warmup=_pick(args.warmup, "BENCH_WARMUP", 0.5 if quick else 1.0, float),
        mode=_pick(args.mode, "BENCH_MODE", "processes", str),
        rounds=args.rounds,
        scenarios=[s.strip().lower() for s in scenarios.split(",") if s.strip()],
        max_tips=args.max_tips,
        database_url=os.environ.get("BENCH_LEDGER_DATABASE_URL", DEFAULT_DATABASE_URL),
        redis_url=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        reuse_db=args.reuse_db,
        cores=_cores(),
        history=[int(n) for n in (args.history or "1000,1000000").split(",") if n.strip()],
        smoke=args.smoke,
    )
    if args.smoke and args.duration is None:
        cfg.duration, cfg.warmup = 1.0, 0.2
    if len(cfg.history) != 2 or not 1 <= cfg.history[0] < cfg.history[1] <= 10_000_000:
        parser.error("--history SMALL,LARGE entries, 1 <= SMALL < LARGE <= 10000000")
    if not 1 <= cfg.duration <= 600 or not 0 <= cfg.warmup <= 60 or not 1 <= cfg.rounds <= 10:
        parser.error("duration 1..600 s, warm-up 0..60 s, rounds 1..10")
    if not 100 <= cfg.max_tips <= 1_000_000:
        parser.error("--max-tips 100..1000000")
    if cfg.mode not in ("threads", "processes"):
        parser.error("mode is threads or processes")
    unknown = set(cfg.scenarios) - set(SCENARIOS)
    if unknown or not cfg.scenarios:
        parser.error(f"unknown scenario(s) {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")
    cfg.scenarios = [k for k in SCENARIOS if k in cfg.scenarios]  # canonical order
    for url in (cfg.database_url, cfg.redis_url):
        if urlsplit(url).hostname not in LOOPBACK:
            parser.error(f"{url}: the benchmark only talks to services on this machine")
    if not urlsplit(cfg.database_url).path.strip("/").endswith("_bench"):
        parser.error("the benchmark database name must end in _bench (it is dropped each run)")
    return cfg


# --- environment and database ------------------------------------------------------------


SCRUB_ENV_KEYS = ("DB_POOL", "DB_POOL_MIN", "DB_POOL_MAX", "CONN_MAX_AGE", "DJANGO_SETTINGS_MODULE")


def environment(cfg: Config) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUB_ENV_KEYS}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DATABASE_URL": cfg.database_url,
            "REDIS_URL": cfg.redis_url,
            "CELERY_BROKER_URL": cfg.redis_url,
            "CACHE_KEY_PREFIX": "zhiliao-bench-ledger",
            "CHANNEL_LAYER_PREFIX": "zhiliao-bench-ledger",
            "DEBUG": "0",  # DEBUG=1 would record every query in connection.queries
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "NO_PROXY": "*",
            "no_proxy": "*",
        }
    )
    return env


def prepare_database(cfg: Config, env: dict[str, str]) -> None:
    import psycopg
    from psycopg import sql

    if cfg.reuse_db:
        log(f"Reusing {cfg.database_url}")
    else:
        log(f"Creating {cfg.database_url} (dropped first, cloned from the migrated template)")
        recreate_migrated(cfg.database_url, env)
    admin, name = _admin_url(cfg.database_url)
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        # Per-function timings (the balance trigger) for the sessions opened from now on.
        try:
            conn.execute(
                sql.SQL("ALTER DATABASE {} SET track_functions = 'pl'").format(sql.Identifier(name))
            )
        except psycopg.Error as exc:
            log(f"track_functions not set ({exc.sqlstate}): no trigger timings")


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    for key in SCRUB_ENV_KEYS:
        if key != "DJANGO_SETTINGS_MODULE":
            os.environ.pop(key, None)
    import django

    django.setup()
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit(f"the ledger benchmark needs PostgreSQL, not {db['ENGINE']}")
    if db.get("HOST") not in LOOPBACK:
        sys.exit(f"database host {db.get('HOST')!r} is not loopback")


# --- people and money ---------------------------------------------------------------------


@dataclass
class Job:
    """What one worker does; pickled to forked workers, so plain data only."""

    kind: str  # "tip" or "ref"
    index: int
    key_prefix: str
    max_ops: int
    tipper_id: int | None = None
    creator_id: int | None = None


def tip_amount() -> tuple[int, str, int]:
    from django.conf import settings

    from payments import services

    amount = settings.PAYMENTS_MIN_TIP
    return (
        amount,
        settings.MARKETPLACE_DEFAULT_CURRENCY,
        services.platform_fee(amount=amount, income="tip"),
    )


def create_people(cfg: Config, run_id: str) -> tuple[dict[str, list[Job]], dict[int, int]]:
    """Payers with funded wallets and creators per scenario; returns jobs and funding."""
    from django.conf import settings

    from payments import services
    from tests.factories import CreatorFactory, UserFactory

    amount, currency, _ = tip_amount()
    max_top_up = settings.MARKETPLACE_MAX_PRICE_MINOR
    jobs: dict[str, list[Job]] = {}
    funded: dict[int, int] = {}
    for key in cfg.scenarios:
        sc = SCENARIOS[key]
        tag = f"{run_id}-{key}"
        payers = [
            UserFactory(email=f"payer-{tag}-{i}@bench.invalid", password=None)
            for i in range(sc.payers)
        ]
        creators = [
            CreatorFactory(
                user=UserFactory(email=f"creator-{tag}-{i}@bench.invalid", password=None),
                slug=f"bench-{tag}-{i}",
            ).user
            for i in range(sc.creators)
        ]
        workers_per_payer = sc.workers // sc.payers
        for payer in payers:
            need = cfg.max_tips * amount * workers_per_payer * cfg.rounds
            funded[payer.pk] = need
            chunk = 0
            while need > 0:
                step = min(need, max_top_up)
                services.wallet_top_up_credit(
                    user=payer,
                    amount=step,
                    currency=currency,
                    payment_intent_id=f"pi_bench_{run_id}_{payer.pk}_{chunk}",
                )
                need -= step
                chunk += 1
        jobs[key] = [
            Job(
                kind="tip",
                index=i,
                key_prefix=f"{run_id}-{key}-{i}",
                max_ops=cfg.max_tips,
                tipper_id=payers[i % sc.payers].pk,
                creator_id=creators[i % sc.creators].pk,
            )
            for i in range(sc.workers)
        ]
    return jobs, funded


def create_reference_table() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {REF_TABLE} (id bigserial primary key, n bigint)"
        )


# --- workers --------------------------------------------------------------------------------


@dataclass
class WorkerResult:
    index: int
    tipper_id: int | None = None
    warmup_ok: int = 0
    ok: int = 0
    errors: int = 0
    error_sample: str = ""
    fatal: str = ""
    capped: bool = False
    start: float = 0.0  # time.monotonic(), system-wide on Linux (also across processes)
    end: float = 0.0
    statements: int = 0
    client_cpu: float | None = None  # seconds, this worker's thread or process
    server_cpu: float | None = None  # seconds, this worker's PostgreSQL backend
    latencies: list[float] = field(default_factory=list, repr=False)


_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _backend_cpu(pid: int | None) -> float | None:
    """utime + stime of a PostgreSQL backend on this machine, or None if unreadable."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def _machine_cpu() -> tuple[float, float] | None:
    """(busy, all) CPU seconds of the whole machine so far, all processes, from /proc/stat."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    ticks = [int(x) for x in first[1:9]]  # user nice system idle iowait irq softirq steal
    idle = ticks[3] + ticks[4]
    return (sum(ticks) - idle) / _CLK_TCK, sum(ticks) / _CLK_TCK


def _client_cpu(mode: str) -> float | None:
    who = getattr(resource, "RUSAGE_THREAD", None) if mode == "threads" else resource.RUSAGE_SELF
    if who is None:
        return None
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _operation(job: Job) -> Callable[[int], None]:
    from django.db import connection

    if job.kind == "ref":
        sql = f"INSERT INTO {REF_TABLE} (n) VALUES (%s)"

        def insert(i: int) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, [i])

        return insert

    from accounts.models import User
    from payments import services

    tipper = User.objects.get(pk=job.tipper_id)
    creator = User.objects.get(pk=job.creator_id)
    amount, currency, _ = tip_amount()

    def tip(i: int) -> None:
        services.tip_send(
            tipper=tipper,
            creator=creator,
            amount=amount,
            currency=currency,
            client_key=f"{job.key_prefix}-{i}",
        )

    return tip


def run_worker(job: Job, mode: str, warmup: float, duration: float, ready, go) -> WorkerResult:
    """One worker: connect, warm up, measure; always closes its connection."""
    from django.db import connection

    res = WorkerResult(index=job.index, tipper_id=job.tipper_id)
    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    def attempt(i: int, latencies: list[float] | None) -> bool:
        t0 = time.perf_counter()
        try:
            op(i)
        except Exception as exc:  # counted and reported; the loop goes on
            res.errors += 1
            res.error_sample = res.error_sample or f"{type(exc).__name__}: {exc}"[:300]
            return False
        if latencies is not None:
            latencies.append(time.perf_counter() - t0)
        return True

    try:
        op = _operation(job)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_pid = cursor.fetchone()[0]
        ready.wait(BARRIER_TIMEOUT)
        i = 0
        deadline = time.monotonic() + warmup
        while time.monotonic() < deadline and i < job.max_ops and res.errors < MAX_ERRORS:
            res.warmup_ok += attempt(i, None)
            i += 1
        go.wait(BARRIER_TIMEOUT)

        cpu0, server0 = _client_cpu(mode), _backend_cpu(backend_pid)
        latencies: list[float] = []
        with connection.execute_wrapper(count):
            res.start = time.monotonic()
            deadline = res.start + duration
            while time.monotonic() < deadline and i < job.max_ops and res.errors < MAX_ERRORS:
                res.ok += attempt(i, latencies)
                i += 1
            res.end = time.monotonic()
        cpu1, server1 = _client_cpu(mode), _backend_cpu(backend_pid)
        res.capped = i >= job.max_ops
        res.statements = statements
        res.latencies = latencies
        if cpu0 is not None and cpu1 is not None:
            res.client_cpu = cpu1 - cpu0
        if server0 is not None and server1 is not None:
            res.server_cpu = server1 - server0
    except Exception as exc:
        res.fatal = f"{type(exc).__name__}: {exc}"[:500]
        # Do not leave the other workers waiting at a barrier for this one.
        ready.abort()
        go.abort()
    finally:
        connection.close()
    return res


def _run_threads(jobs: list[Job], cfg: Config) -> list[WorkerResult]:
    ready, go = threading.Barrier(len(jobs)), threading.Barrier(len(jobs))
    results: list[WorkerResult | None] = [None] * len(jobs)

    def target(pos: int, job: Job) -> None:
        results[pos] = run_worker(job, "threads", cfg.warmup, cfg.duration, ready, go)

    threads = [
        threading.Thread(target=target, args=(n, j), daemon=True) for n, j in enumerate(jobs)
    ]
    for t in threads:
        t.start()
    limit = time.monotonic() + 2 * BARRIER_TIMEOUT + cfg.warmup + cfg.duration + 60
    for t in threads:
        t.join(timeout=max(1.0, limit - time.monotonic()))
    if any(t.is_alive() for t in threads):
        raise RuntimeError("a worker thread did not finish in time")
    return [r for r in results if r is not None]


def _process_target(job: Job, cfg: Config, ready, go, out) -> None:
    out.put(run_worker(job, "processes", cfg.warmup, cfg.duration, ready, go))


def _run_processes(jobs: list[Job], cfg: Config) -> list[WorkerResult]:
    from django.db import connections

    # Forked children must not share the parent's socket to PostgreSQL.
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    ready, go = ctx.Barrier(len(jobs)), ctx.Barrier(len(jobs))
    out = ctx.Queue()
    procs = [ctx.Process(target=_process_target, args=(j, cfg, ready, go, out)) for j in jobs]
    for p in procs:
        p.start()
    results = []
    limit = time.monotonic() + 2 * BARRIER_TIMEOUT + cfg.warmup + cfg.duration + 60
    try:
        for _ in procs:
            results.append(out.get(timeout=max(1.0, limit - time.monotonic())))
    except queue.Empty as exc:
        raise RuntimeError("a worker process did not report in time") from exc
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join(timeout=10)
    return results


# --- measurement ----------------------------------------------------------------------------


@dataclass
class Measurement:
    name: str  # "ref 8", "a", ...
    label: str
    workers: int
    ops: int
    warmup_ops: int
    wall: float
    ops_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    error_sample: str
    capped: bool
    statements_per_op: float
    client_cpu_ms_per_op: float | None
    server_cpu_ms_per_op: float | None
    client_cores: float | None  # client CPU seconds / wall seconds
    machine_cores: float | None  # CPU busy on the whole machine / wall seconds (all processes)
    trigger_ms_per_tip: float | None = None
    ratio: float | None = None  # ops/s / reference ops/s at the same concurrency
    round_ratios: list[float] = field(default_factory=list)  # the same, round by round
    per_tipper: dict[int, int] = field(default_factory=dict, repr=False)


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def _sum_or_none(values) -> float | None:
    values = list(values)
    return None if any(v is None for v in values) else sum(values)


def trigger_stats() -> tuple[int, float] | None:
    """(calls, total ms) of the balance trigger function, or None if not tracked."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT calls, total_time FROM pg_stat_user_functions "
            "WHERE funcname = 'payments_ledger_balanced'"
        )
        row = cursor.fetchone()
    return (int(row[0]), float(row[1])) if row else None


def entry_count() -> int:
    from payments.models import LedgerEntry

    return LedgerEntry.objects.count()


def measure(name: str, label: str, jobs: list[Job], cfg: Config) -> Measurement:
    from django.db import connection

    tips = jobs[0].kind == "tip"
    if tips:
        entries0, trig0 = entry_count(), trigger_stats()
    connection.close()  # not held across the run (and never shared with a fork)
    runner = _run_processes if cfg.mode == "processes" else _run_threads
    machine0, t0 = _machine_cpu(), time.monotonic()
    results = runner(jobs, cfg)
    machine1, t1 = _machine_cpu(), time.monotonic()
    fatal = [r.fatal for r in results if r.fatal]
    if fatal or len(results) != len(jobs):
        raise RuntimeError(f"{name}: {len(fatal)} worker(s) failed: {fatal[:3]}")
    latencies = sorted(x for r in results for x in r.latencies)
    ops = sum(r.ok for r in results)
    wall = max(r.end for r in results) - min(r.start for r in results)
    client = _sum_or_none(r.client_cpu for r in results)
    server = _sum_or_none(r.server_cpu for r in results)
    per_tipper: Counter[int] = Counter()
    for r in results:
        if r.tipper_id is not None:
            per_tipper[r.tipper_id] += r.ok + r.warmup_ok
    m = Measurement(
        name=name,
        label=label,
        workers=len(jobs),
        ops=ops,
        warmup_ops=sum(r.warmup_ok for r in results),
        wall=wall,
        ops_per_s=ops / wall if wall > 0 else float("nan"),
        p50_ms=1000 * _percentile(latencies, 50),
        p99_ms=1000 * _percentile(latencies, 99),
        errors=sum(r.errors for r in results),
        error_sample=next((r.error_sample for r in results if r.error_sample), ""),
        capped=any(r.capped for r in results),
        statements_per_op=sum(r.statements for r in results) / ops if ops else float("nan"),
        client_cpu_ms_per_op=1000 * client / ops if client is not None and ops else None,
        server_cpu_ms_per_op=1000 * server / ops if server is not None and ops else None,
        client_cores=client / wall if client is not None and wall > 0 else None,
        # Over the whole run, warm-up and start-up included: a gauge of saturation.
        machine_cores=(machine1[0] - machine0[0]) / (t1 - t0) if machine0 and machine1 else None,
        per_tipper=dict(per_tipper),
    )
    if tips and trig0 is not None:
        # Each backend reports its function statistics when it exits; wait for them.
        entries = entry_count() - entries0
        deadline = time.monotonic() + 10
        trig1 = trigger_stats()
        while trig1 and trig1[0] - trig0[0] < entries and time.monotonic() < deadline:
            time.sleep(0.2)
            trig1 = trigger_stats()
        all_tips = m.ops + m.warmup_ops
        if trig1 and trig1[0] - trig0[0] >= entries and all_tips:
            m.trigger_ms_per_tip = (trig1[1] - trig0[1]) / all_tips
    return m


# --- invariants -----------------------------------------------------------------------------


def check_invariants(
    funded: dict[int, int], tips_by_tipper: dict[int, int], tips_before: int
) -> list[str]:
    """Problems found in the benchmark database's ledger; empty when all is well."""
    from django.db import connection

    from payments.models import LedgerAccount, LedgerTransaction, Tip
    from payments.selectors import wallet_balance

    problems: list[str] = []

    def rows(sql: str, params=()) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def expect_none(what: str, sql: str, params=()) -> None:
        found = rows(sql, params)
        if found:
            problems.append(f"{what}: {len(found)} row(s), e.g. {found[:5]}")

    expect_none(
        "transactions with fewer than two entries",
        "SELECT t.id, count(e.id) FROM payments_ledgertransaction t "
        "LEFT JOIN payments_ledgerentry e ON e.transaction_id = t.id "
        "GROUP BY t.id HAVING count(e.id) < 2",
    )
    expect_none(
        "transactions that do not sum to zero",
        "SELECT transaction_id, currency, sum(amount) FROM payments_ledgerentry "
        "GROUP BY transaction_id, currency HAVING sum(amount) <> 0",
    )
    expect_none(
        "entries whose currency is not their account's",
        "SELECT e.id FROM payments_ledgerentry e "
        "JOIN payments_ledgeraccount a ON a.id = e.account_id WHERE e.currency <> a.currency",
    )
    expect_none(
        "non-negative accounts (wallets, earnings, escrow) below zero",
        "SELECT a.id, a.kind, sum(e.amount) FROM payments_ledgeraccount a "
        "JOIN payments_ledgerentry e ON e.account_id = a.id "
        "WHERE a.kind = ANY(%s) GROUP BY a.id, a.kind HAVING sum(e.amount) < 0",
        [sorted(str(k) for k in LedgerAccount.NON_NEGATIVE)],
    )
    expect_none(
        "entries in total not summing to zero",
        "SELECT currency, sum(amount) FROM payments_ledgerentry "
        "GROUP BY currency HAVING sum(amount) <> 0",
    )
    tips = Tip.objects.count()
    tip_txns = LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.TIP).count()
    if tips != tip_txns:
        problems.append(f"{tips} tips but {tip_txns} tip ledger transactions")
    linked = Tip.objects.filter(ledger_transaction__kind=LedgerTransaction.Kind.TIP).count()
    if linked != tips:
        problems.append(f"{tips - linked} tips point at a ledger transaction of another kind")
    written = sum(tips_by_tipper.values())
    if tips - tips_before != written:
        problems.append(f"workers reported {written} tips, the database holds {tips - tips_before}")
    amount, currency, _ = tip_amount()
    from accounts.models import User

    for user in User.objects.filter(pk__in=funded):
        expected = funded[user.pk] - amount * tips_by_tipper.get(user.pk, 0)
        held = wallet_balance(user=user, currency=currency)
        if held != expected:
            problems.append(f"wallet of user {user.pk}: {held}, expected {expected}")
    return problems


# --- balance reads -------------------------------------------------------------------------


@dataclass
class BalanceRead:
    entries: int
    balance_us: float  # payments.selectors.wallet_balance: the account row
    sum_us: float  # the old way: SUM over the account's entries


def _history_account(run_id: str, entries: int) -> Any:
    """A wallet with `entries` entries (+1/-1 pairs against a clearing account), written
    in bulk by SQL: a benchmark-only shortcut around ledger.post (its deferred balance
    trigger is switched off for this one insert, session_replication_role), then the
    running balance set to the sum as ledger.post would have kept it."""
    from django.db import connection, transaction

    from payments.models import LedgerAccount
    from tests.factories import UserFactory

    user = UserFactory(email=f"history-{run_id}-{entries}@bench.invalid", password=None)
    wallet = LedgerAccount.objects.create(kind="wallet", owner=user, currency="CNY")
    other = LedgerAccount.objects.create(kind="stripe_clearing", owner=user, currency="CNY")
    pairs = entries // 2
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "INSERT INTO payments_ledgertransaction "
            "(kind, idempotency_key, reference_type, reference_id, memo, created_at) "
            "SELECT 'top_up', %s || g, 'bench.history', g::text, '', now() "
            "FROM generate_series(1, %s) AS g",
            [f"history-{run_id}-{entries}-", pairs],
        )
        cursor.execute(
            "INSERT INTO payments_ledgerentry (transaction_id, account_id, amount, currency) "
            "SELECT t.id, a.account, a.amount, 'CNY' FROM payments_ledgertransaction t "
            "CROSS JOIN (VALUES (%s, 2), (%s, -2)) AS a(account, amount) "
            "WHERE t.idempotency_key LIKE %s",
            [wallet.pk, other.pk, f"history-{run_id}-{entries}-%"],
        )
        cursor.execute(
            "UPDATE payments_ledgeraccount a SET balance = s.total FROM (SELECT account_id, "
            "sum(amount) AS total FROM payments_ledgerentry WHERE account_id = ANY(%s) "
            "GROUP BY account_id) s WHERE a.id = s.account_id",
            [[wallet.pk, other.pk]],
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE payments_ledgerentry")
    return wallet


def _median_us(fn: Callable[[], object], reads: int) -> float:
    times = []
    for _ in range(reads):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(times)


def balance_reads(cfg: Config, run_id: str) -> list[BalanceRead]:
    """Median time of one balance read at each history length, and of the SUM."""
    from payments import ledger
    from payments.selectors import wallet_balance

    out = []
    for entries in cfg.history:
        log(f"Writing a wallet with {entries:,} entries, timing its balance reads")
        wallet = _history_account(run_id, entries)
        user = wallet.owner
        if wallet_balance(user=user, currency="CNY") != ledger.balance_from_entries(wallet):
            raise RuntimeError("the running balance of the history wallet is not its sum")
        reads = 20 if cfg.smoke else 300
        _median_us(lambda: wallet_balance(user=user, currency="CNY"), 20)  # warm
        out.append(
            BalanceRead(
                entries=entries,
                balance_us=_median_us(lambda: wallet_balance(user=user, currency="CNY"), reads),
                sum_us=_median_us(
                    lambda: ledger.balance_from_entries(wallet), 5 if entries > 10**5 else 50
                ),
            )
        )
    return out


READ_HEADERS = ["entries", "balance read (account row)", "SUM of entries (before)"]


def _read_rows(reads: list[BalanceRead]) -> list[list[str]]:
    return [[f"{r.entries:,}", f"{r.balance_us:.0f} us", f"{r.sum_us:.0f} us"] for r in reads]


def summary_line(ms: list[Measurement], reads: list[BalanceRead]) -> str:
    """The issue's summary: spread (c) against the bare INSERT loop, hot (d) against
    spread, balance read at the long history against the short one."""
    by = {m.name: m for m in ms}
    spread, hot = by.get("c"), by.get("d")
    r = f"{spread.ratio:.3f}" if spread and spread.ratio else "n/a"
    h = f"{hot.ops_per_s / spread.ops_per_s:.2f}" if spread and hot and spread.ops_per_s else "n/a"
    b = f"{reads[-1].balance_us / reads[0].balance_us:.2f}" if len(reads) == 2 else "n/a"
    return f"ledger {r}x of bare insert, hot {h}x of spread, balance read 1M/1k {b}"


# --- report -------------------------------------------------------------------------------


def _ms(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


MAIN_HEADERS = ["run", "what", "workers", "ops", "ops/s", "p50", "p99", "vs ref", "errors"]
COST_HEADERS = [
    "run",
    "SQL stmts/op",
    "client CPU ms/op",
    "PG backend CPU ms/op",
    "balance trigger ms/tip",
    "client cores busy",
    "machine cores busy",
]


def _main_rows(ms: list[Measurement]) -> list[list[str]]:
    out = []
    for m in ms:
        out.append(
            [
                m.name,
                m.label + (" (hit --max-tips)" if m.capped else ""),
                str(m.workers),
                str(m.ops),
                f"{m.ops_per_s:.0f}",
                f"{m.p50_ms:.2f} ms",
                f"{m.p99_ms:.2f} ms",
                "1.00x" if m.ratio is None else f"{m.ratio:.3f}x",
                str(m.errors),
            ]
        )
    return out


def _cost_rows(ms: list[Measurement]) -> list[list[str]]:
    return [
        [
            m.name,
            f"{m.statements_per_op:.1f}",
            _ms(m.client_cpu_ms_per_op),
            _ms(m.server_cpu_ms_per_op),
            "-" if m.name.startswith("ref") else _ms(m.trigger_ms_per_tip, 3),
            _ms(m.client_cores),
            _ms(m.machine_cores),
        ]
        for m in ms
    ]


def _left(headers: list[str]) -> set[int]:
    return {i for i, h in enumerate(headers) if h in ("run", "what")}


def report(
    cfg: Config, ms: list[Measurement], started: datetime, invariants: str, errors: list[str]
) -> str:
    amount, currency, fee = tip_amount()
    parts = [
        "# Ledger benchmark: tips per second on PostgreSQL",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC on {cfg.cores} cores (shared machine: compare "
        "ratios within this run, not absolute figures across runs). "
        f"Workers are {cfg.mode} (each with its own PostgreSQL connection), "
        f"{cfg.warmup:g} s warm-up then {cfg.duration:g} s measured per run, "
        + (
            f"median of {cfg.rounds} rounds (ratio = median over median), "
            if cfg.rounds > 1
            else ""
        )
        + f"PostgreSQL on loopback, database `{_admin_url(cfg.database_url)[1]}`.",
        "",
        f"A tip is `payments.services.tip_send` of {amount} minor units {currency} "
        f"(fee {fee}: three ledger entries), each with a new client_key. `ref N` is the "
        f"reference: N workers each running `INSERT INTO {REF_TABLE} (n) VALUES (%s)`, one "
        "row per transaction in autocommit, through Django's connection. `vs ref` = ops/s "
        "divided by the reference's ops/s at the same concurrency.",
        "",
        md_table(MAIN_HEADERS, _main_rows(ms), _left(MAIN_HEADERS)),
        "",
        "## Where the time goes (per operation, measured phase)",
        "",
        "SQL statements as Django's cursor sees them (savepoints included, BEGIN/COMMIT "
        "not); CPU of the workers (Python) and of their PostgreSQL backends, from "
        "getrusage and /proc; wall time inside the deferred balance trigger "
        "(`pg_stat_user_functions`, warm-up included; includes time descheduled). "
        "`client cores busy` = the workers' CPU seconds per wall second; `machine cores "
        f"busy` = the whole machine's (all processes, other tenants too; of {cfg.cores}), "
        "over the run including warm-up.",
        "",
        md_table(COST_HEADERS, _cost_rows(ms), _left(COST_HEADERS)),
        "",
    ]
    if cfg.rounds > 1:
        parts += [
            "Ratio to the reference round by round (each round's tips against the same "
            "round's reference): "
            + "; ".join(
                f"{m.name} " + " / ".join(f"{r:.3f}" for r in m.round_ratios)
                for m in ms
                if m.round_ratios
            ),
            "",
        ]
    samples = [f"- {m.name}: {m.errors} errors, e.g. `{m.error_sample}`" for m in ms if m.errors]
    if samples:
        parts += ["## Errors", "", *samples, ""]
    parts += [f"**invariants: {invariants}**", ""]
    parts += [f"- {e}" for e in errors]
    return "\n".join(parts) + "\n"


# --- main -------------------------------------------------------------------------------


def plan(cfg: Config, jobs: dict[str, list[Job]], run_id: str) -> list[tuple[str, str, list[Job]]]:
    """The runs in order: each reference just before the scenarios at its concurrency."""
    runs: list[tuple[str, str, list[Job]]] = []
    done: set[int] = set()
    for key in cfg.scenarios:
        n = SCENARIOS[key].workers
        if n not in done:
            done.add(n)
            ref_jobs = [
                Job(kind="ref", index=i, key_prefix=f"{run_id}-ref{n}-{i}", max_ops=cfg.max_tips)
                for i in range(n)
            ]
            runs.append((f"ref {n}", "bare INSERT, autocommit", ref_jobs))
        runs.append((key, SCENARIOS[key].label, jobs[key]))
    return runs


def pick_medians(runs: dict[str, list[Measurement]]) -> list[Measurement]:
    """Per run, the round with the median ops/s; ratios are median over median."""
    chosen: list[Measurement] = []
    ref_median: dict[int, float] = {}
    for name, ms in runs.items():  # plan order: a reference before its scenarios
        median = statistics.median_low(m.ops_per_s for m in ms)
        m = next(m for m in ms if m.ops_per_s == median)
        if name.startswith("ref"):
            ref_median[m.workers] = m.ops_per_s
        else:
            m.round_ratios = [x.ratio for x in ms if x.ratio is not None]
            m.ratio = m.ops_per_s / ref_median[m.workers]
        chosen.append(m)
    return chosen


def main(argv=None) -> int:
    cfg = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = datetime.now(UTC)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    env = environment(cfg)
    prepare_database(cfg, env)
    setup_django(env)

    from payments.models import Tip

    run_id = secrets.token_hex(3)  # fresh people and keys, also with --reuse-db
    log(f"Creating payers and creators (run {run_id}), funding wallets")
    create_reference_table()
    jobs, funded = create_people(cfg, run_id)
    tips_before = Tip.objects.count()

    runs: dict[str, list[Measurement]] = {}
    tips_by_tipper: Counter[int] = Counter()
    for round_no in range(cfg.rounds):
        refs: dict[int, float] = {}
        for name, label, run_jobs in plan(cfg, jobs, run_id):
            of = f" (round {round_no + 1} of {cfg.rounds})" if cfg.rounds > 1 else ""
            log(f"{name}: {label}, {len(run_jobs)} {cfg.mode}{of}")
            run_jobs = [replace(j, key_prefix=f"{j.key_prefix}-r{round_no}") for j in run_jobs]
            m = measure(name, label, run_jobs, cfg)
            if name.startswith("ref"):
                refs[m.workers] = m.ops_per_s
            else:
                m.ratio = m.ops_per_s / refs[m.workers]
                tips_by_tipper.update(m.per_tipper)
            runs.setdefault(name, []).append(m)
            log(
                f"  {m.ops_per_s:9.1f} ops/s  p50 {m.p50_ms:7.2f} ms  p99 {m.p99_ms:7.2f} ms"
                + (f"  vs ref {m.ratio:.3f}x" if m.ratio is not None else "")
                + (f"  errors {m.errors}: {m.error_sample}" if m.errors else "")
            )
    measurements = pick_medians(runs)
    reads = balance_reads(cfg, run_id)

    log("Checking the ledger invariants")
    problems = check_invariants(funded, tips_by_tipper, tips_before)
    verdict = "ok" if not problems else "FAILED"

    print()
    print(text_table(MAIN_HEADERS, _main_rows(measurements), _left(MAIN_HEADERS)))
    print()
    print(text_table(COST_HEADERS, _cost_rows(measurements), _left(COST_HEADERS)))
    print()
    if cfg.rounds > 1:
        for m in measurements:
            if m.round_ratios:
                print(
                    f"{m.name}: vs ref round by round "
                    + " / ".join(f"{r:.3f}" for r in m.round_ratios)
                )
        print()
    print(text_table(READ_HEADERS, _read_rows(reads), {0}))
    print()
    if cfg.smoke:  # nothing judged, nothing written over a real run's figures
        tips = sum(m.ops for m in measurements if not m.name.startswith("ref"))
        code = smoke_exit(tips if not problems and reads else 0, "tips through the ledger")
        print(summary_line(measurements, reads))
        return code
    md = report(cfg, measurements, started, verdict, problems)
    md += "\n## Balance reads\n\n" + md_table(READ_HEADERS, _read_rows(reads), {0}) + "\n"
    md += "\n" + summary_line(measurements, reads) + "\n"
    (OUT_DIR / "ledger.md").write_text(md)
    (OUT_DIR / "ledger.json").write_text(
        json.dumps(
            {
                "started": started.isoformat(),
                "mode": cfg.mode,
                "duration": cfg.duration,
                "warmup": cfg.warmup,
                "rounds": cfg.rounds,
                "cores": cfg.cores,
                "invariants": verdict,
                "runs": [
                    {k: v for k, v in asdict(m).items() if k != "per_tipper"} for m in measurements
                ],
                "all_rounds": {
                    name: [
                        {"ops_per_s": m.ops_per_s, "p50_ms": m.p50_ms, "p99_ms": m.p99_ms}
                        for m in ms
                    ]
                    for name, ms in runs.items()
                },
            },
            indent=2,
        )
    )
    print(f"Written {OUT_DIR / 'ledger.md'}")
    if problems:
        for p in problems:
            print(f"  !! {p}", file=sys.stderr)
        print("invariants: FAILED", file=sys.stderr)
        print(summary_line(measurements, reads))
        return 1
    print("invariants: ok")
    print(summary_line(measurements, reads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
