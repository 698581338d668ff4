"""Go-live fan-out benchmark: a channel with N followers goes live.

    .venv/bin/python -m tests.benchmarks.bench_fanout [--quick] [--followers 10000]
        [--batch 1000] [--workers 2] [--reuse-db]

Builds its own PostgreSQL database (zhiliao_bench_fanout, cloned from the migrated
template), seeds a creator, a public channel and N followers (bulk inserts), starts a
real Celery worker (prefork, --workers processes) on a private Redis and
the file-based e-mail backend, and measures:

  enqueue    the go-live call the host's request makes (livestream's session_start:
             the status change, its commit and what is queued on commit), in ms
  delivered  from that call until every follower's notification row exists and every
             batch's e-mails are written by the worker (one file per batch), in s
  queries    the queries of one batch (community.services.golive_followers_notify,
             --batch followers), captured in this process
  ref        the reference, measured in the same run: the same notice sent one person at
             a time (accounts' notify, as the audience notice does), e-mails sent inline,
             over a sample of 300 followers (--smoke 50), per follower

and prints the figures with ratios: the fan-out's time per follower against the
reference's, and the go-live call against what telling every follower inline would
have added to it. On a shared machine compare ratios, not absolute numbers. Writes
var/bench/fanout.md (not with --smoke).

The broker is a private redis-server on a free port (the shared one's numbered
databases are flushed by test runs). Options may also come from the environment:
BENCH_FANOUT_DATABASE_URL.
"""

import argparse
import atexit
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.benchmarks.common import (
    SMOKE_HELP,
    database_fresh,
    free_port,
    log,
    md_table,
    smoke_exit,
    text_table,
)

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "bench" / "fanout.md"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/zhiliao_bench_fanout"


def _environment(database_url: str, redis_url: str, outbox: Path, queue: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
        "DEBUG": "0",
        "PLAIN_HTTP": "1",
    }


def _seed(followers: int):
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from community.models import Follow
    from livestream.models import LiveSession
    from marketplace.models import Category, Channel, CreatorProfile

    host = User.objects.create_user(email="bench-host@example.com", password=None)
    creator = CreatorProfile.objects.create(user=host, slug="bench-host", display_name="Host")
    channel = Channel.objects.create(
        creator=creator,
        slug="bench-channel",
        title="Bench channel",
        category=Category.objects.first(),
        status="published",
        published_at=timezone.now(),
    )
    password = make_password(None)
    User.objects.bulk_create(
        [User(email=f"fan{n}@bench.invalid", password=password) for n in range(followers)],
        batch_size=5000,
    )
    fans = User.objects.filter(email__endswith="@bench.invalid").values_list("pk", flat=True)
    Follow.objects.bulk_create(
        [Follow(user_id=pk, channel=channel) for pk in fans.iterator()], batch_size=5000
    )

    def session(title: str, status: str = "scheduled") -> LiveSession:
        return LiveSession.objects.create(
            channel=channel,
            title=title,
            scheduled_start=timezone.now(),
            status=status,
            started_at=timezone.now() if status == "live" else None,
        )

    return host, channel, session


def _private_redis() -> tuple[str, subprocess.Popen]:
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    atexit.register(server.terminate)  # also when the run stops early
    import redis

    deadline = time.monotonic() + 30
    while True:
        try:
            redis.Redis(port=port, socket_connect_timeout=1).ping()
            break
        except redis.RedisError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("redis-server did not start") from None
            time.sleep(0.1)
    return f"redis://127.0.0.1:{port}/0", server


def _lonely_channel(host):
    from django.utils import timezone

    from marketplace.models import Category, Channel

    return Channel.objects.create(
        creator=host.creator_profile,
        slug="bench-lonely",
        title="Nobody follows this",
        category=Category.objects.first(),
        status="published",
        published_at=timezone.now(),
    )


def _emails_written(outbox: Path) -> int:
    """E-mails the file backend wrote so far (each one has one Subject header)."""
    return sum(path.read_bytes().count(b"\nSubject: ") for path in outbox.iterdir())


def _worker(env: dict[str, str], workers: int, log_path: Path) -> subprocess.Popen:
    handle = log_path.open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q",
         env["CELERY_TASK_DEFAULT_QUEUE"], "--pool", "prefork", "--concurrency", str(workers),
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        cwd=ROOT, env={**os.environ, **env}, stdout=handle, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while " ready." not in log_path.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the Celery worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    return worker


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_fanout")
    parser.add_argument("--quick", action="store_true", help="2,000 followers")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP + " (200 followers)")
    parser.add_argument("--followers", type=int, help="default 10,000")
    parser.add_argument("--batch", type=int, help="followers per batch (default 1,000)")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--reuse-db", action="store_true", help="accepted; the seed is fresh")
    parser.add_argument("--duration", type=int, help="accepted for scripts/bench.sh")
    parser.add_argument("--rounds", type=int, help="accepted for scripts/bench.sh")
    args = parser.parse_args(argv)
    followers = args.followers or (200 if args.smoke else 2000 if args.quick else 10_000)
    batch = args.batch or (50 if args.smoke else 1000)
    sample = min(followers, 50 if args.smoke else 300)
    database_url = os.environ.get("BENCH_FANOUT_DATABASE_URL", DEFAULT_DATABASE_URL)
    # A private Redis: test runs flush their numbered databases of the shared one
    # between tests, which would take the queued batches with them.
    redis_url, redis_server = _private_redis()
    outbox = Path(tempfile.mkdtemp(prefix="bench-fanout-mail-"))
    queue = f"bench-fanout-{os.getpid()}"
    env = _environment(database_url, redis_url, outbox, queue)
    env["COMMUNITY_FANOUT_BATCH"] = str(batch)
    database_fresh(database_url, {**os.environ, **env}, reuse=False)
    os.environ.update(env)

    import logging

    import django

    django.setup()
    logging.getLogger("celery").setLevel(logging.WARNING)  # the reference's eager tasks
    from celery import current_app
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import Notification, NotificationKind
    from accounts.services.notify import notify
    from community.services import golive_followers_notify
    from livestream.emails import live_now_email
    from livestream.models import LiveSession
    from livestream.services import session_start

    log(f"Seeding {followers:,} followers")
    host, channel, new_session = _seed(followers)
    worker = _worker(env, args.workers, outbox.parent / f"{queue}.log")
    try:
        # --- the go-live call of a channel without followers: warm-up, then reference ----
        lonely_channel = _lonely_channel(host)
        quiet = []
        for n in range(3):
            lonely = LiveSession.objects.create(
                channel=lonely_channel,
                title=f"No followers {n}",
                scheduled_start=timezone.now(),
            )
            t0 = time.perf_counter()
            session_start(session=lonely, user=host)
            quiet.append(time.perf_counter() - t0)
        quiet_s = min(quiet[1:])  # the first call opens the broker's connections

        # --- the fan-out through the worker -----------------------------------------------
        session = new_session("Going live")
        key = f"live:{session.pk}"
        batches = math.ceil(followers / batch)
        log(f"Going live to {followers:,} followers ({batches} batches of {batch})")
        started = time.perf_counter()
        session_start(session=session, user=host)
        enqueue_s = time.perf_counter() - started
        deadline = time.monotonic() + max(120, followers / 20)
        while True:
            rows = Notification.objects.filter(key=key).count()
            emails = _emails_written(outbox)
            if rows >= followers and emails >= followers:
                break
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit(f"not delivered: {rows} rows, {emails} e-mails")
            time.sleep(0.1)
        delivered_s = time.perf_counter() - started

        # --- one batch's queries, in this process -----------------------------------------
        second = new_session("Queries", status="live")
        ids = list(channel.follows.order_by("user_id").values_list("user_id", flat=True)[:batch])
        with CaptureQueriesContext(connection) as captured:
            told = golive_followers_notify(session_id=second.pk, user_ids=ids)
        batch_queries = len(captured)

        # --- the reference: one person at a time, e-mails inline ---------------------------
        third = new_session("Reference", status="live")
        people = list(channel.follows.select_related("user").order_by("user_id")[:sample])
        current_app.conf.task_always_eager = True
        try:
            with CaptureQueriesContext(connection) as ref_captured:
                ref_started = time.perf_counter()
                for follow in people:
                    notify(
                        user=follow.user,
                        kind=NotificationKind.GO_LIVE,
                        key=f"live:{third.pk}",
                        text=f"“{third.title}” is live now.",
                        url=third.get_absolute_url(),
                        email=lambda user: live_now_email(session=third, user=user, follower=True),
                    )
                ref_s = time.perf_counter() - ref_started
        finally:
            current_app.conf.task_always_eager = False
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis_server.terminate()
        redis_server.wait(timeout=30)
        shutil.rmtree(outbox, ignore_errors=True)

    per_follower_ms = delivered_s * 1000 / followers
    ref_per_follower_ms = ref_s * 1000 / sample
    inline_s = ref_per_follower_ms * followers / 1000
    headers = ["measure", "value", "reference", "ratio"]
    rows_out = [
        ["go-live call (enqueue)", f"{enqueue_s * 1000:.1f} ms",
         f"{quiet_s * 1000:.1f} ms, 0 followers", f"{enqueue_s / quiet_s:.2f}"],
        ["go-live call against inline", f"{enqueue_s * 1000:.1f} ms",
         f"{inline_s:.1f} s inline", f"{enqueue_s / inline_s:.5f}"],
        ["all delivered", f"{delivered_s:.2f} s", f"{inline_s:.1f} s inline",
         f"{delivered_s / inline_s:.3f}"],
        ["per follower", f"{per_follower_ms:.3f} ms", f"{ref_per_follower_ms:.3f} ms",
         f"{per_follower_ms / ref_per_follower_ms:.3f}"],
        [f"queries per batch of {len(ids)}", str(batch_queries),
         f"{len(ref_captured) * len(ids) / sample:.0f}",
         f"{batch_queries / (len(ref_captured) * len(ids) / sample):.4f}"],
        ["e-mails written by the worker", f"{emails:,}", "", ""],
    ]  # fmt: skip
    print(text_table(headers, rows_out), flush=True)
    print(
        f"followers {followers:,}, batch {batch}, {args.workers} worker processes, "
        f"reference sample {sample}; newly told by the query batch: {told}",
        flush=True,
    )
    if args.smoke:
        return smoke_exit(Notification.objects.filter(key=key).count(), "followers notified")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        f"# Go-live fan-out ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n\n"
        f"`.venv/bin/python -m tests.benchmarks.bench_fanout"
        f"{' --quick' if args.quick else ''}`: {followers:,} followers, batches of "
        f"{batch}, {args.workers} Celery worker processes; the reference tells a sample of "
        f"{sample} one at a time with e-mails inline.\n\n" + md_table(headers, rows_out) + "\n"
    )
    log(f"Wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
