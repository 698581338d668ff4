"""Helpers shared by the benchmark scripts."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# The servers the benchmarks start speak plain HTTP on loopback: without this the
# secure defaults (DEBUG off) would answer every request with a redirect to HTTPS.
os.environ.setdefault("PLAIN_HTTP", "1")


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _pick(cli, env_name: str, default, cast=int):
    if cli is not None:
        return cli
    if os.environ.get(env_name):
        return cast(os.environ[env_name])
    return default


def _admin_url(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.strip("/")


def log(msg: str) -> None:
    print(f"==> {msg}", flush=True)


# --- databases, ports ----------------------------------------------------------------

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class ServerProcess:
    """A server a benchmark starts: in a session of its own (so that stop() signals its
    process group only), its output in `log_path`, ready once `ready()` says so.
    Subclasses give `argv()` and `ready()`, and `name` for messages."""

    name = "server"

    def __init__(self, env: dict[str, str], log_path: Path):
        self.port = free_port()
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def argv(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def process_env(self) -> dict[str, str]:
        return self.env

    def start(self, ready_timeout: float = 60) -> None:
        with open(self.log_path, "wb") as logfile:
            self.proc = subprocess.Popen(
                self.argv(), cwd=ROOT, env=self.process_env(), stdout=logfile,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                if self.ready():
                    return
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} not ready after {ready_timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 20, first: signal.Signals = signal.SIGTERM) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        for sig, wait in ((first, timeout), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # Workers left in the group after the master exited (should not happen).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


def recreate_database(database_url: str) -> None:
    """Drop (forcing out old sessions) and create the benchmark's own database."""
    import psycopg
    from psycopg import sql

    admin, name = _admin_url(database_url)
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True, timeout=900,
    )  # fmt: skip


def database_exists(database_url: str) -> bool:
    import psycopg

    admin, name = _admin_url(database_url)
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        return row is not None


TEMPLATE_PREFIX = "zhiliao_bench_template_"


def _migrations_digest() -> str:
    from tests.db_template import migrations_digest

    return migrations_digest()


def migrated_template(database_url: str, env: dict[str, str]) -> str:
    """The name of a database migrated to the project's current migrations, made once
    per set of migration files and cloned by every benchmark (CREATE DATABASE ...
    TEMPLATE takes a second where migrating takes minutes on a busy machine)."""
    import psycopg
    from psycopg import sql

    admin, _ = _admin_url(database_url)
    name = TEMPLATE_PREFIX + _migrations_digest()
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return name
    building = f"{name}_{os.getpid()}"
    if not _copy_of_test_template(admin, building):
        log(f"Migrating the benchmark template database {name} (once per set of migrations)")
        recreate_database(urlunsplit(urlsplit(database_url)._replace(path=f"/{building}")))
        migrate(
            {
                **env,
                "DATABASE_URL": urlunsplit(urlsplit(database_url)._replace(path=f"/{building}")),
            }
        )
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        try:
            conn.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(building), sql.Identifier(name)
                )
            )
        except psycopg.errors.DuplicateDatabase:  # a benchmark running beside us won
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(building)))
        stale = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
            [TEMPLATE_PREFIX + "%", name],
        ).fetchall()
        for (old,) in stale:
            if "_" not in old.removeprefix(TEMPLATE_PREFIX):  # not one being built
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(old))
                )
    return name


def _copy_of_test_template(admin: str, building: str) -> bool:
    """Make `building` a copy of the test suite's template for the same migration files
    (tests/db_template.py), when a test run made one: no need to migrate again."""
    import psycopg
    from psycopg import sql

    from tests import db_template

    source = db_template.template_name()
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [db_template.LOCK_KEY])
        try:
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [source]
            ).fetchone():
                return False
            log(f"Copying the test suite's migrated template {source}")
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(building), sql.Identifier(source)
                )
            )
            return True
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [db_template.LOCK_KEY])


def recreate_migrated(database_url: str, env: dict[str, str]) -> None:
    """Drop the benchmark's database and create it again, migrated: a clone of the
    migrated template."""
    import psycopg
    from psycopg import sql

    template = migrated_template(database_url, env)
    admin, name = _admin_url(database_url)
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )


def database_fresh(database_url: str, env: dict[str, str], *, reuse: bool) -> bool:
    """A migrated, empty database, unless `reuse`. Returns whether it was made anew."""
    if reuse:
        log(f"Reusing {database_url}")
        return False
    log(f"Creating {database_url} (dropped first, cloned from the migrated template)")
    recreate_migrated(database_url, env)
    return True


# --- wrk -------------------------------------------------------------------------------

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_UNIT_MIB = {"B": 1 / 2**20, "KB": 1 / 2**10, "MB": 1.0, "GB": 2**10}


@dataclass
class WrkFigures:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors + non-2xx/3xx responses
    mib_per_s: float


def _latency(text: str, pct: str) -> float:
    m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    return float(m.group(1)) * _UNIT_MS[m.group(2)] if m else float("nan")


def parse_wrk(text: str) -> WrkFigures:
    """The figures of `wrk --latency` output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    total = re.search(r"^\s*(\d+) requests in ", text, re.M)
    transfer = re.search(r"^Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", text, re.M)
    errors = 0
    sock = re.search(r"connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if sock:
        errors += sum(int(g) for g in sock.groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non2xx:
        errors += int(non2xx.group(1))
    if not rps or not total:
        raise RuntimeError(f"could not parse wrk output:\n{text}")
    mib = float(transfer.group(1)) * _UNIT_MIB[transfer.group(2)] if transfer else float("nan")
    return WrkFigures(
        rps=float(rps.group(1)),
        p50_ms=_latency(text, "50"),
        p99_ms=_latency(text, "99"),
        requests=int(total.group(1)),
        errors=errors,
        mib_per_s=mib,
    )


# --- tables ------------------------------------------------------------------------------


def text_table(headers: list[str], rows: list[list[str]], left=frozenset({0})) -> str:
    """A plain-text table: the columns in `left` left-aligned, the rest right-aligned.
    Markdown bold (**x**) is dropped."""
    rows = [[c.replace("**", "") for c in r] for r in rows]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(
            c.ljust(widths[i]) if i in left else c.rjust(widths[i]) for i, c in enumerate(cells)
        )

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def md_table(headers: list[str], rows: list[list[str]], left=frozenset({0})) -> str:
    sep = ["---" if i in left else "---:" for i in range(len(headers))]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [headers, sep, *rows])


# --- smoke mode ------------------------------------------------------------------------

SMOKE_HELP = "CI smoke run: tiny sizes, a few seconds, nothing judged; fails if nothing measured"


def smoke_exit(measured: int, what: str) -> int:
    """The exit status of a --smoke run: 0 only if it really measured something.

    A benchmark that silently stops measuring (every viewer refused, every request an
    error) is what the smoke run in CI is there to catch."""
    if measured > 0:
        print(f"smoke: ok, {measured} {what}", flush=True)
        return 0
    print(f"smoke: FAILED, measured no {what}", file=sys.stderr, flush=True)
    return 1
