"""A live room's write path: chat messages saved per second, one per transaction against
batched, against a bare INSERT loop in the same run.

    .venv/bin/python -m tests.benchmarks.bench_room_writes [--smoke] [--messages 1000]
        [--batches 10,50] [--reuse-db]

What caps one room's chat is the write of each message (checks, the room's sequence
number, the event INSERT, the COMMIT, the publish to Redis), done in each server
process's one database thread (livestream.chat_writer). This runs that path in one
thread, in process, on the rooms benchmark's database (BENCH_ROOMS_DATABASE_URL,
seeded as tests/benchmarks/bench_rooms.py does; Redis BENCH_ROOMS_REDIS_URL):

  one per transaction  livestream.services.chat_post, as the host (as bench_rooms posts)
  batched              livestream.services.chat_posts, B messages per call
  bare INSERT          one INSERT + COMMIT per row into a table of the same shape
                       (the floor of "one transaction per message")

Prints messages/s for each and the ratios, with the load average (the machine has 2
cores shared with other work: compare within a run). Nothing is asserted. Ends with

    room writes: <a> msg/s one per transaction, <b> msg/s in batches of <B> (<r>x),
    bare INSERT <c>/s   (one line)
"""

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import time

from tests.benchmarks import bench_rooms as rooms
from tests.benchmarks.common import SMOKE_HELP, log, smoke_exit, text_table

SMOKE_AFTER = "bench_rooms"  # its database


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_room_writes",
        description="Chat messages saved per second in one room: one per transaction vs batched.",
    )
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP + " (20 messages)")
    parser.add_argument("--messages", type=int, help="messages per way (default 1000)")
    parser.add_argument("--batches", default="10,50", help="batch sizes (default 10,50)")
    parser.add_argument("--reuse-db", action="store_true", help="keep the database of the last run")
    args = parser.parse_args(argv)
    messages = args.messages or (20 if args.smoke else 1000)
    batches = [int(b) for b in args.batches.split(",") if b.strip()]
    cfg = rooms.parse_args(["--smoke"] if args.smoke else [])
    run_id = secrets.token_hex(3)
    workdir = tempfile.mkdtemp(prefix="zhiliao-bench-room-writes-")
    try:
        static_root = os.path.join(workdir, "static")
        os.makedirs(static_root)
        env = rooms.environment(cfg, run_id, static_root)
        rooms.database_fresh(cfg.database_url, env, reuse=args.reuse_db or cfg.reuse_db)
        session_id, _cookies = rooms.seed(env, run_id, 1)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    from django.db import connection, transaction

    from livestream import services
    from livestream.models import LiveSession

    session = LiveSession.objects.select_related("channel__creator__user").get(pk=session_id)
    host = session.channel.creator.user
    load = os.getloadavg()
    log(f"{messages} messages each way, load average {load[0]:.1f} (2 cores)")

    def rate(count: int, seconds: float) -> float:
        return count / seconds if seconds > 0 else 0.0

    services.chat_post(session=session, user=host, text="warm-up")
    started = time.perf_counter()
    for i in range(messages):
        services.chat_post(session=session, user=host, text=f"one {i}")
    single = rate(messages, time.perf_counter() - started)

    batched: dict[int, float] = {}
    for size in batches:
        started = time.perf_counter()
        done = 0
        while done < messages:
            posts = [
                services.ChatPost(user=host, text=f"batch {size} {done + j}")
                for j in range(min(size, messages - done))
            ]
            results = services.chat_posts(session=session, posts=posts)
            bad = [r for r in results if isinstance(r, Exception)]
            if bad:
                sys.exit(f"a batched post was refused: {bad[0]}")
            done += len(posts)
        batched[size] = rate(messages, time.perf_counter() - started)

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_bare (id bigserial PRIMARY KEY, session_id bigint, "
            "seq bigint, kind text, payload jsonb, created_at timestamptz DEFAULT now())"
        )
    started = time.perf_counter()
    for i in range(messages):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_bare (session_id, seq, kind, payload) VALUES (%s, %s, %s, %s)",
                [session_id, i, "chat", '{"text": "bare"}'],
            )
    bare = rate(messages, time.perf_counter() - started)
    load_end = os.getloadavg()

    rows = [["one per transaction (chat_post)", f"{single:,.0f}", "1.00x", f"{single / bare:.2f}x"]]
    for size, value in batched.items():
        rows.append([
            f"batches of {size} (chat_posts)", f"{value:,.0f}", f"{value / single:.2f}x",
            f"{value / bare:.2f}x",
        ])  # fmt: skip
    rows.append(["bare INSERT + COMMIT", f"{bare:,.0f}", f"{bare / single:.2f}x", "1.00x"])
    print()
    print(text_table(["way", "messages/s", "vs one per txn", "vs bare INSERT"], rows))
    print(f"\nload average {load[0]:.1f} at start, {load_end[0]:.1f} at the end (2 cores)")
    code = smoke_exit(messages if single > 0 else 0, "messages saved") if args.smoke else 0
    biggest = max(batched) if batched else 0
    best = batched.get(biggest, 0.0)
    print(
        f"room writes: {single:.0f} msg/s one per transaction, {best:.0f} msg/s in batches of "
        f"{biggest} ({best / single if single else 0:.2f}x), bare INSERT {bare:.0f}/s"
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
