"""Recommendation benchmark: offline quality on public data, and the cost of a refresh.

    python -m tests.benchmarks.bench_recommend            # full (10k users x 5k items x 1M events)
    python -m tests.benchmarks.bench_recommend --quick    # small matrix, MovieLens 75/25 only

1. Quality: the offline evaluation (recommend/evaluation.py) on MovieLens 100K (seeded
   75/25, ua, ub) and MOOCCube, every model side by side.
2. Cost: one full refresh (fit the shipped blend, score ALL users in batches, top_n with
   the users' own items excluded, diversify each list by creator and category) against
   the reference, a plain implicit ALS fit (64 factors, 15 iterations) on the same
   generated matrix (power-law popularity, clustered tastes). Each runs in its own child
   process, so peak memory (ru_maxrss, which counts numpy/BLAS buffers that tracemalloc
   misses) belongs to that measurement alone. Reported as ratios to the reference.
3. Cost on the site: the same users, items and events written to PostgreSQL (its own
   database, zhiliao_bench_recommend, dropped and re-created; Redis db 3): 500 creators
   with a channel each, the other items their courses, every event a row of
   recommend_event, a few thousand owned courses; then the real job,
   `recommend.refresh.recommendations_refresh()`, from an empty cache: catalogue and
   event reads, the fit, similar items into Redis, every user's list computed and
   upserted in batches. Skip it with --skip-site. What a worker process does once
   as it starts is not timed, as the reference's `import implicit` is not: importing
   the libraries and loading jieba's dictionary (config/celery.py, about 1.5 s).

Writes var/bench/recommend.md.
"""

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from tests.benchmarks.common import ROOT, log, md_table, migrate, recreate_database, text_table

CLUSTERS = 20
NEIGHBOURS = 400  # settings.RECOMMEND_MODEL_NEIGHBOURS
CREATORS = 500
BATCH = 1000


def generate(users: int, items: int, events: int, seed: int = 0):
    """Power-law item popularity, users with one favourite cluster (80% of their events)."""
    rng = np.random.default_rng(seed)
    item_cluster = rng.integers(0, CLUSTERS, size=items)
    popularity = 1.0 / np.arange(1, items + 1) ** 0.9
    rng.shuffle(popularity)
    activity = rng.lognormal(0.0, 1.0, size=users)
    user_of_event = rng.choice(users, size=events, p=activity / activity.sum())
    favourite = rng.integers(0, CLUSTERS, size=users)
    in_cluster = rng.random(events) < 0.8
    chosen = np.empty(events, dtype=np.int64)
    global_cdf = np.cumsum(popularity / popularity.sum())
    out = ~in_cluster
    chosen[out] = np.minimum(np.searchsorted(global_cdf, rng.random(out.sum())), items - 1)
    for c in range(CLUSTERS):
        members = np.flatnonzero(item_cluster == c)
        cdf = np.cumsum(popularity[members] / popularity[members].sum())
        mask = in_cluster & (favourite[user_of_event] == c)
        idx = np.minimum(np.searchsorted(cdf, rng.random(mask.sum())), len(members) - 1)
        chosen[mask] = members[idx]
    matrix = sp.csr_matrix(
        (np.ones(events, dtype=np.float32), (user_of_event, chosen)), shape=(users, items)
    )
    matrix.sum_duplicates()
    vocab = [[f"c{c}w{j}" for j in range(30)] for c in range(CLUSTERS)]
    texts = [
        " ".join(rng.choice(vocab[item_cluster[i]], size=8)) + f" topic{rng.integers(200)}"
        for i in range(items)
    ]
    return matrix, texts, item_cluster


# --- child processes: one measurement each ------------------------------------------------


def child_refresh(path: str) -> dict:
    from recommend.algorithms import diversify, model_fit, top_n

    data = np.load(path, allow_pickle=False)
    matrix = sp.csr_matrix((data["data"], data["indices"], data["indptr"]), shape=data["shape"])
    texts = [str(t) for t in data["texts"]]
    category = data["cluster"]
    creator = np.arange(matrix.shape[1]) % CREATORS
    # The shipped model tunes its blend on a slice of the events at most once a day
    # (RECOMMEND_TUNE_MAX_AGE_SECONDS): timed apart; a refresh fits with what it chose.
    started = time.perf_counter()
    tuned = model_fit("stacked", matrix, item_text=texts)
    tune_seconds = time.perf_counter() - started
    params = tuned.tuned_params  # type: ignore[attr-defined]
    del tuned
    started = time.perf_counter()
    model = model_fit("stacked", matrix, item_text=texts, tune=False, **params)
    fitted = time.perf_counter()
    # as recommend/refresh.py: similar items of every item from the full model, then
    # the model trimmed to its stored form (pickled into the cache), which scores users
    model.similar_all(12)
    similar_done = time.perf_counter()
    model.compact(NEIGHBOURS)
    stored_bytes = len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    stored = time.perf_counter()
    lists = 0
    for start in range(0, matrix.shape[0], BATCH):
        history = matrix[start : start + BATCH]
        scores = model.scores(history)
        candidates = top_n(scores, 60, exclude=history)
        for row in range(candidates.shape[0]):
            diversify(candidates[row], scores[row], groups=[creator, category], n=20,
                      max_per_group=3)  # fmt: skip
            lists += 1
    done = time.perf_counter()
    return {"seconds": done - started, "fit_seconds": fitted - started,
            "similar_seconds": similar_done - fitted, "store_seconds": stored - similar_done,
            "serve_seconds": done - stored, "stored_mb": stored_bytes / 1e6,
            "lists": lists, "tune_seconds": tune_seconds,
            "weights": params["weights"]}  # fmt: skip


def child_als(path: str) -> dict:
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    data = np.load(path, allow_pickle=False)
    matrix = sp.csr_matrix((data["data"], data["indices"], data["indptr"]), shape=data["shape"])
    started = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        model = AlternatingLeastSquares(factors=64, iterations=15, num_threads=2, random_state=0)
        model.fit(matrix, show_progress=False)
    return {"seconds": time.perf_counter() - started}


def child_baseline(path: str) -> dict:
    """Loading the matrix and the libraries alone: the memory floor of every child."""
    import implicit.cpu.als  # noqa: F401

    import recommend.algorithms  # noqa: F401

    data = np.load(path, allow_pickle=False)
    sp.csr_matrix((data["data"], data["indices"], data["indptr"]), shape=data["shape"])
    return {"seconds": 0.0}


SITE_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/zhiliao_bench_recommend"
SITE_REDIS_URL = "redis://127.0.0.1:6379/3"


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def child_site_seed(path: str) -> dict:
    """Write the generated matrix to the benchmark database as site content and events."""
    _django()
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from marketplace.models import Category, Channel, Course, CreatorProfile, Entitlement

    data = np.load(path, allow_pickle=False)
    matrix = sp.csr_matrix((data["data"], data["indices"], data["indptr"]), shape=data["shape"])
    texts = [str(t) for t in data["texts"]]
    cluster = data["cluster"]
    users, items = matrix.shape
    categories = list(Category.objects.order_by("pk"))
    started = time.perf_counter()
    with transaction.atomic():
        makers = User.objects.bulk_create(
            User(email=f"creator-{c}@bench.invalid", password="!", display_name=f"Creator {c}")
            for c in range(CREATORS)
        )
        profiles = CreatorProfile.objects.bulk_create(
            CreatorProfile(user=u, slug=f"creator-{c}", display_name=f"Creator {c}")
            for c, u in enumerate(makers)
        )
        channels = Channel.objects.bulk_create(
            Channel(
                creator=profiles[i],
                slug=f"channel-{i}",
                title=texts[i][:100],
                description=texts[i],
                category=categories[cluster[i] % len(categories)],
                status="published",
            )  # fmt: skip
            for i in range(min(CREATORS, items))
        )
        courses = Course.objects.bulk_create(
            Course(
                channel=channels[i % CREATORS],
                slug=f"course-{i}",
                title=texts[i][:100],
                description=texts[i],
                category=categories[cluster[i] % len(categories)],
                currency="CNY",
                price_amount=1000,
                status="published",
            )  # fmt: skip
            for i in range(CREATORS, items)
        )
        learners = User.objects.bulk_create(
            (User(email=f"learner-{u}@bench.invalid", password="!") for u in range(users)),
            batch_size=5000,
        )
    item_ref = [("channel", c.pk) for c in channels] + [("course", c.pk) for c in courses]
    # One event row per generated event: views mostly, some watch time and likes, over
    # the last 60 days.
    rng = np.random.default_rng(1)
    coo = matrix.tocoo()
    repeat = coo.data.astype(np.int64)
    rows, cols = np.repeat(coo.row, repeat), np.repeat(coo.col, repeat)
    kinds = rng.choice(["view", "watch", "like"], size=len(rows), p=[0.8, 0.15, 0.05])
    now = timezone.now()
    ages = rng.integers(0, 60 * 86400, size=len(rows))
    learner_ids = np.array([u.pk for u in learners])
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(
            "COPY recommend_event (user_id, kind, item_kind, item_id, value, variant, created_at)"
            " FROM STDIN"
        ) as copy,
    ):
        for n in range(len(rows)):
            kind = kinds[n]
            item_kind, item_id = item_ref[cols[n]]
            copy.write_row((int(learner_ids[rows[n]]), kind, item_kind, item_id,
                            120.0 if kind == "watch" else 1.0, "",
                            now - timedelta(seconds=int(ages[n]))))  # fmt: skip
    owned = rng.choice(users, size=users // 2, replace=False)
    Entitlement.objects.bulk_create(
        (
            Entitlement(
                user_id=int(learner_ids[u]),
                course=courses[int(rng.integers(len(courses)))],
                source="grant",
                source_ref=f"bench-{u}",
                starts_at=now,
            )  # fmt: skip
            for u in owned
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"seconds": time.perf_counter() - started, "events": int(len(rows)),
            "owned": int(len(owned))}  # fmt: skip


def child_site_refresh(path: str) -> dict:
    """The real refresh job from an empty cache, timed in its two halves."""
    _django()
    from django.core.cache import cache
    from django.db import connection

    from core.text import warm_up
    from recommend import refresh
    from recommend.models import RecommendationList

    warm_up()  # jieba's dictionary: a Celery worker loads it as it starts (config/celery.py)
    cache.clear()
    started = time.perf_counter()
    state = refresh.model_state_fresh()
    fitted = time.perf_counter()
    written = refresh.recommendations_refresh()
    done = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('recommend_recommendationlist')")
        table_mb = cursor.fetchone()[0] / 1e6
    return {"seconds": done - started, "fit_seconds": fitted - started,
            "lists_seconds": done - fitted, "lists": written, "items": len(state.keys),
            "stored": RecommendationList.objects.count(), "table_mb": table_mb}  # fmt: skip


CHILDREN = {
    "refresh": child_refresh,
    "als": child_als,
    "baseline": child_baseline,
    "site-seed": child_site_seed,
    "site-refresh": child_site_refresh,
}


def measure(kind: str, path: str, env: dict | None = None) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.bench_recommend", "--child", kind, path],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=3600, env=env,
    )  # fmt: skip
    if proc.returncode:
        raise RuntimeError(f"{kind} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- parts --------------------------------------------------------------------------------


def quality(quick: bool) -> tuple[str, str]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from recommend import datasets, evaluation
    from recommend.management.commands.recommend_evaluate import DEFAULT_MODELS, verdict

    names = ["ml100k", "mooccube"] if quick else ["ml100k", "ml100k-ua", "ml100k-ub", "mooccube"]
    text_parts, md_parts = [], []
    headers = ["model", "P@10", "R@10", "NDCG@10", "coverage", "fit s"]
    for name in names:
        split = datasets.load(name)
        log(f"quality: {split.protocol}")
        results = evaluation.run(split, list(DEFAULT_MODELS))
        rows = [[r.model, f"{r.precision:.4f}", f"{r.recall:.4f}", f"{r.ndcg:.4f}",
                 f"{r.coverage:.3f}", f"{r.fit_seconds:.2f}"] for r in results]  # fmt: skip
        line = verdict(results) or ""
        text_parts.append(f"{split.protocol}\n{text_table(headers, rows)}\n{line}\n")
        md_parts.append(f"### {split.protocol}\n\n{md_table(headers, rows)}\n\n{line}\n")
    return "\n".join(text_parts), "\n".join(md_parts)


def cost(users: int, items: int, events: int, *, site: bool = True) -> tuple[str, str]:
    log(f"cost: generating {users} users x {items} items x {events} events")
    matrix, texts, cluster = generate(users, items, events)
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "matrix.npz")
        np.savez(path, data=matrix.data, indices=matrix.indices, indptr=matrix.indptr,
                 shape=np.array(matrix.shape), texts=np.array(texts), cluster=cluster)  # fmt: skip
        figures = {}
        for kind in ("baseline", "als", "refresh"):
            log(f"cost: {kind}")
            figures[kind] = measure(kind, path)
        if site:
            env = {**os.environ, "DATABASE_URL": SITE_DATABASE_URL,
                   "REDIS_URL": SITE_REDIS_URL, "DEBUG": "0",
                   "DJANGO_SETTINGS_MODULE": "config.settings"}  # fmt: skip
            log(f"cost: site, creating {SITE_DATABASE_URL} (dropped first)")
            recreate_database(SITE_DATABASE_URL)
            migrate(env)
            log("cost: site, writing users, items and events")
            figures["site-seed"] = measure("site-seed", path, env)
            log("cost: site, the real refresh job")
            figures["site-refresh"] = measure("site-refresh", path, env)
    als, refresh, base = figures["als"], figures["refresh"], figures["baseline"]
    headers = ["measurement", "seconds", "x ALS fit", "peak RSS MiB", "over floor MiB"]

    def row(label, f):
        return [
            label,
            f"{f['seconds']:.1f}",
            f"{f['seconds'] / als['seconds']:.2f}",
            f"{f['maxrss_mib']:.0f}",
            f"{f['maxrss_mib'] - base['maxrss_mib']:.0f}",
        ]

    rows = [
        row("implicit ALS fit, 64 factors x 15 it (reference)", als),
        row("refresh: stacked fit + similar items + trim + score all + top_n + diversify", refresh),
        row(
            "daily: tuning the stacked blend's weights (not part of a refresh)",
            {"seconds": refresh["tune_seconds"], "maxrss_mib": refresh["maxrss_mib"]},
        ),
    ]
    site_note = ""
    if "site-refresh" in figures:
        job, seed = figures["site-refresh"], figures["site-seed"]
        rows.append(row("the site's refresh job on PostgreSQL + Redis, empty cache", job))
        site_note = (
            f" Site job: {seed['events']} event rows and {seed['owned']} owned courses "
            f"written in {seed['seconds']:.0f} s (not counted); the job read the catalogue "
            f"({job['items']} items) and events and fitted in {job['fit_seconds']:.1f} s, "
            f"then computed and upserted {job['lists']} lists in {job['lists_seconds']:.1f} s "
            f"({job['table_mb']:.0f} MB table). Whole job within 10x the ALS fit: "
            f"{job['seconds'] / als['seconds']:.2f}x."
        )
    note = (
        f"{matrix.shape[0]} users x {matrix.shape[1]} items, {events} events "
        f"({matrix.nnz} distinct pairs), {len(os.sched_getaffinity(0))} cores. "
        f"Refresh: fit {refresh['fit_seconds']:.1f} s, similar items of every item "
        f"{refresh['similar_seconds']:.1f} s, trimming to {NEIGHBOURS} neighbours and "
        f"pickling {refresh['store_seconds']:.1f} s (stored model {refresh['stored_mb']:.0f} MB), "
        f"scoring/top_n/diversify {refresh['serve_seconds']:.1f} s for {refresh['lists']} lists. "
        f"Memory floor (libraries + matrix): {base['maxrss_mib']:.0f} MiB. "
        f"Tuned weights: {refresh['weights']}. "
        f"Target: refresh within 10x the ALS fit: "
        f"{refresh['seconds'] / als['seconds']:.2f}x." + site_note
    )
    return f"{text_table(headers, rows)}\n{note}\n", f"{md_table(headers, rows)}\n\n{note}\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small matrix, two data sets")
    parser.add_argument(
        "--smoke", action="store_true", help="tiny matrix, cost only, no database (CI)"
    )
    parser.add_argument("--users", type=int)
    parser.add_argument("--items", type=int)
    parser.add_argument("--events", type=int)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-cost", action="store_true")
    parser.add_argument("--skip-site", action="store_true", help="no database part")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, path = args.child
        figures = CHILDREN[kind](path)
        figures["maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
        return
    if args.smoke:
        args.skip_quality = args.skip_site = True
        args.users, args.items, args.events = args.users or 500, args.items or 300, 10_000
    users = args.users or (2_000 if args.quick else 10_000)
    items = args.items or (1_000 if args.quick else 5_000)
    events = args.events or (100_000 if args.quick else 1_000_000)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    md = ["# Recommendations benchmark\n", f"Run {stamp}{' (--quick)' if args.quick else ''}.\n"]
    if not args.skip_quality:
        text, part = quality(args.quick)
        print(text, flush=True)
        md += ["## Quality (offline, full ranking, training items masked)\n", part]
    if not args.skip_cost:
        text, part = cost(users, items, events, site=not args.skip_site)
        print(text, flush=True)
        md += ["## Cost of a full refresh\n", part]
    out = ROOT / "var" / "bench" / "recommend.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(md))
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
