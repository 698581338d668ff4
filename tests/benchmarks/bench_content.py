"""Content benchmark: a long paid lesson page for an entitled learner.

    .venv/bin/python -m tests.benchmarks.bench_content [--quick] [--duration 8] [...]

Builds its own PostgreSQL database (zhiliao_content_bench, dropped and created each
run), seeds a creator, a paid course, one long lesson (about 400 Markdown blocks with
code, tables and links; the paywall marker near the top) and a learner holding a
ticket, then serves the site with gunicorn sync workers (deploy/gunicorn.conf.py,
DEBUG=0, the production set-up of bench_http's set-up A) twice:

  cached    the rendered, sanitised HTML comes from the cache (per revision)
  uncached  CONTENT_RENDER_CACHE_SECONDS=0: markdown-it + nh3 on every request

and runs `wrk` as the learner (session cookie) against the bare reference view
(/bench/bare/1/, one primary-key query) and the lesson page. Prints requests/s, p50,
p99 and ratios: each page against the bare view of the same server, and cached against
uncached. Writes var/bench/content.md. Figures are printed, nothing is asserted.
"""

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from tests.benchmarks.bench_http import (
    HOST,
    OUT_DIR,
    PY,
    ROOT,
    SERVER_ENV_KEYS,
    SETTINGS_MODULE,
    Server,
    Setup,
    _gunicorn_argv,
)
from tests.benchmarks.common import (
    SMOKE_HELP,
    _cores,
    _pick,
    database_fresh,
    log,
    md_table,
    parse_wrk,
    smoke_exit,
    text_table,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/zhiliao_content_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

SEED = r"""
import json, random
from datetime import timedelta
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from content import services
from content.models import Access
from marketplace.models import Category, Channel, Course, CreatorProfile, Entitlement
from accounts.models import User

CreatorProfile.objects.filter(slug="bench-creator").delete()  # a --reuse-db rerun
User.objects.filter(email__startswith="bench-").delete()
creator_user = User.objects.create_user(email="bench-creator@example.com", password=None)
creator = CreatorProfile.objects.create(
    user=creator_user, slug="bench-creator", display_name="Bench")
channel = Channel.objects.create(creator=creator, slug="bench-channel", title="Bench channel",
    category=Category.objects.first(), status="published", published_at=timezone.now())
course = Course.objects.create(channel=channel, slug="bench-course", title="Bench course",
    category=channel.category, price_amount=9900, currency="CNY", status="published",
    published_at=timezone.now())
rng = random.Random(7)
words = ("async await event loop coroutine task future scheduler socket buffer stream "
         "generator yield iterator protocol context manager decorator closure scope frame "
         "thread process queue lock semaphore barrier timeout cancel gather shield").split()
def word():
    # Moderation refuses text with a small vocabulary as flooding: vary the words.
    if rng.random() < 0.5:
        return rng.choice(words)
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9)))
def sentence():
    return " ".join(word() for _ in range(14)).capitalize() + "."
blocks = ["## Introduction", sentence() + " " + sentence(), "<!-- more -->"]
for i in range(100):
    blocks += [f"### Part {i}", f"{sentence()} *{rng.choice(words)}* `{rng.choice(words)}`.",
               f"```python\ndef f{i}(x):\n    return x * {i}\n```",
               f"| a | b |\n|---|--:|\n| {i} | {i * i} |"]
lesson = services.lesson_create(user=creator_user, course=course, title="A long lesson",
    body="\n\n".join(blocks), access=Access.TICKET)
services.item_publish(user=creator_user, item=lesson)
lesson.refresh_from_db()
# Random filler may look like contact details to the screening; this is not moderation's
# benchmark, so the lesson is shown as a moderator's approval would.
services.item_set_visible(lesson, True)
learner = User.objects.create_user(email="bench-learner@example.com", password=None)
Entitlement.objects.create(user=learner, course=course, source="ticket", source_ref="bench",
    starts_at=timezone.now() - timedelta(minutes=1))
session = SessionStore()
session[SESSION_KEY] = str(learner.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = learner.get_session_auth_hash()
session.set_expiry(7 * 24 * 3600)
session.save()
print(json.dumps({"url": lesson.get_absolute_url(), "session": session.session_key,
                  "chars": len(lesson.body)}))
"""


@dataclass
class Config:
    duration: int
    connections: int
    threads: int
    warmup: int
    gunicorn_workers: int
    database_url: str
    redis_url: str
    reuse_db: bool
    cores: int
    smoke: bool = False


def parse_args(argv=None) -> Config:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_content")
    parser.add_argument("--quick", action="store_true", help="3 s runs, 1 s warm-up")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP + " (3 s runs)")
    parser.add_argument("--duration", type=int, help="seconds per wrk run (default 8)")
    parser.add_argument("--connections", "-c", type=int, help="wrk connections (default 16)")
    parser.add_argument("--threads", "-t", type=int, help="wrk threads (default 2)")
    parser.add_argument("--gunicorn-workers", type=int, help="default 2 x cores + 1")
    parser.add_argument("--reuse-db", action="store_true", help="keep the last run's database")
    parser.add_argument("--rounds", type=int, default=1, help="accepted for scripts/bench.sh")
    args = parser.parse_args(argv)
    cores = _cores()
    cfg = Config(
        duration=_pick(args.duration, "BENCH_DURATION", 3 if args.smoke or args.quick else 8),
        connections=_pick(args.connections, "BENCH_CONNECTIONS", 4 if args.smoke else 16),
        threads=_pick(args.threads, "BENCH_THREADS", 1 if args.smoke else 2),
        warmup=1 if args.quick or args.smoke else 2,
        gunicorn_workers=_pick(
            args.gunicorn_workers, "BENCH_GUNICORN_WORKERS", 2 if args.smoke else 2 * cores + 1
        ),
        database_url=os.environ.get("BENCH_CONTENT_DATABASE_URL", DEFAULT_DATABASE_URL),
        redis_url=os.environ.get("BENCH_CONTENT_REDIS_URL", DEFAULT_REDIS_URL),
        reuse_db=args.reuse_db,
        cores=cores,
        smoke=args.smoke,
    )
    for url in (cfg.database_url, cfg.redis_url):
        if urlsplit(url).hostname not in LOOPBACK:
            parser.error(f"{url}: the benchmark only talks to services on this machine")
    if not urlsplit(cfg.database_url).path.strip("/").endswith("_bench"):
        parser.error("the benchmark database name must end in _bench (it is dropped each run)")
    return cfg


WRK = shutil.which("wrk") or ""


def wrk(cfg: Config, url: str, seconds: int, cookie: str):
    argv = [
        WRK, f"-t{cfg.threads}", f"-c{cfg.connections}", f"-d{seconds}s", "--timeout", "5s",
        "--latency", "-H", f"Cookie: sessionid={cookie}", url,
    ]  # fmt: skip
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True)
    return parse_wrk(out.stdout)


def environment(cfg: Config, static_root: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVER_ENV_KEYS}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DATABASE_URL": cfg.database_url,
            "REDIS_URL": cfg.redis_url,
            "CELERY_BROKER_URL": cfg.redis_url,
            "CACHE_KEY_PREFIX": "zhiliao-content-bench",
            "DEBUG": "0",
            "SECRET_KEY": "content-bench-" + secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": HOST,
            "STATIC_ROOT": static_root,
            "LOG_LEVEL": "WARNING",
            "NO_PROXY": "*",
            "no_proxy": "*",
        }
    )
    return env


def main(argv=None) -> int:
    import json

    cfg = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not WRK:
        sys.exit("wrk is not installed: apt-get install -y wrk (or scripts/install.sh --dev)")
    started = datetime.now(UTC)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    static_root = tempfile.mkdtemp(prefix="zhiliao-content-bench-static-")
    results: dict[tuple[str, str], object] = {}
    try:
        env = environment(cfg, static_root)
        database_fresh(cfg.database_url, env, reuse=cfg.reuse_db)
        seeded = subprocess.run(
            [PY, "manage.py", "shell", "-c", SEED],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if seeded.returncode:
            sys.exit(f"seeding failed:\n{seeded.stderr[-3000:]}")
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        log(f"Seeded a lesson of {seed['chars']} characters at {seed['url']}")
        subprocess.run(
            [PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        setups = [
            Setup("cached", "gunicorn, rendered HTML cached per revision", {}, _gunicorn_argv),
            Setup(
                "uncached",
                "gunicorn, render cache off",
                {"CONTENT_RENDER_CACHE_SECONDS": "0"},
                _gunicorn_argv,
            ),
        ]
        for setup in setups:
            server = Server(setup, cfg, env)  # type: ignore[arg-type]
            log(f"{setup.key}: starting on {server.base}")
            try:
                server.start()
                page = server.base + seed["url"]
                cookie = f"Cookie: sessionid={seed['session']}"
                check = subprocess.run(
                    ["curl", "-s", "--noproxy", "*", "-H", cookie, page],
                    capture_output=True, text=True, timeout=30,
                )  # fmt: skip
                if "Part 99" not in check.stdout:
                    raise RuntimeError("the learner does not get the whole lesson")
                for name, url in (("bare", server.base + "/bench/bare/1/"), ("lesson page", page)):
                    wrk(cfg, url, cfg.warmup, seed["session"])
                    r = wrk(cfg, url, cfg.duration, seed["session"])
                    results[(setup.key, name)] = r
                    log(f"  {name:12} {r.rps:8.1f} req/s p50 {r.p50_ms:.1f} ms")
            finally:
                server.stop()
    finally:
        shutil.rmtree(static_root, ignore_errors=True)

    headers = ["set-up", "endpoint", "req/s", "p50", "p99", "vs bare", "errors"]
    rows = []
    for (key, name), r in results.items():
        bare = results[(key, "bare")].rps
        rows.append(
            [key, name, f"{r.rps:.0f}", f"{r.p50_ms:.1f} ms", f"{r.p99_ms:.1f} ms",
             f"{r.rps / bare:.2f}x" if bare else "n/a", str(r.errors)]
        )  # fmt: skip
    cached = results[("cached", "lesson page")].rps
    uncached = results[("uncached", "lesson page")].rps
    # A loaded machine can finish no uncached render inside a short smoke run: say so
    # rather than divide by zero.
    ratio = f"{cached / uncached:.2f}x" if uncached else "n/a (no uncached page finished)"
    summary = f"Lesson page, cached against uncached rendering: {ratio}"
    print()
    print(text_table(headers, rows, {0, 1}))
    print(summary)
    if cfg.smoke:  # nothing judged, nothing written over a real run's figures
        return smoke_exit(sum(r.requests for r in results.values() if not r.errors), "requests")
    md = "\n".join(
        [
            "# Content benchmark: long paid lesson page, entitled learner",
            "",
            f"Run {started:%Y-%m-%d %H:%M} UTC on {cfg.cores} cores (shared machine: compare "
            f"ratios within this run). `wrk -t{cfg.threads} -c{cfg.connections} "
            f"-d{cfg.duration}s`, gunicorn {cfg.gunicorn_workers} sync workers, DEBUG=0, "
            f"PostgreSQL and Redis on loopback. Lesson body: {seed['chars']} characters.",
            "",
            md_table(headers, rows, {0, 1}),
            "",
            summary,
            "",
        ]
    )
    (OUT_DIR / "content.md").write_text(md)
    print(f"Written {OUT_DIR / 'content.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
