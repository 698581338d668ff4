"""Site-wide search benchmark: the trigram indexes against scanning the tables.

    .venv/bin/python -m tests.benchmarks.bench_search [--quick | --smoke]
        [--courses 200000] [--queries 40] [--reuse-db]

Builds its own PostgreSQL database (zhiliao_bench_search, dropped and created each run
unless --reuse-db; tables straight from the models, without migrations), seeds N
public courses (N/10 channels and creators, N/2 live sessions) with English and
Chinese titles, summaries and descriptions, then times search.selectors.search() as
the page calls it (every kind, first page and counts) and one kind at a time
(courses; sessions, whose channel title is a joined field), twice in the same run:

  scan     without the trigram indexes (the reference: what main did, ILIKE scans)
  indexed  after search's migration created them (pg_trgm GIN on every searched column)

and prints p50 / p95 per query in milliseconds with the ratio indexed / scan, plus
how many hits each found (the same in both: the indexes change the plan, never the
answer). Queries are words of three or more characters (a trigram index cannot narrow
a one- or two-character term: PostgreSQL reads the whole index for it) and two-word
Chinese queries, and a rare made-up word that a few courses hold (a name, a
specific term), reported apart. Figures go to var/bench/search.md as well. On a
shared machine compare ratios, not absolute numbers.

Options may also come from the environment: BENCH_SEARCH_DATABASE_URL, BENCH_REDIS_URL.
"""

import argparse
import os
import random
import secrets
import statistics
import string
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.benchmarks.common import (
    SMOKE_HELP,
    log,
    md_table,
    recreate_database,
    smoke_exit,
    text_table,
)

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "bench" / "search.md"

EN_WORDS = [
    "python",
    "django",
    "postgres",
    "rust",
    "golang",
    "kubernetes",
    "docker",
    "linux",
    "network",
    "security",
    "algorithms",
    "statistics",
    "calculus",
    "physics",
    "chemistry",
    "biology",
    "history",
    "philosophy",
    "economics",
    "marketing",
    "design",
    "photography",
    "guitar",
    "piano",
    "painting",
    "cooking",
    "baking",
    "fitness",
    "yoga",
    "running",
    "investing",
    "accounting",
    "writing",
    "poetry",
    "spanish",
    "japanese",
    "negotiation",
    "leadership",
    "startups",
    "product",
    "analytics",
    "databases",
    "compilers",
    "graphics",
]
ZH_WORDS = [
    "机器学习",
    "深度学习",
    "数据分析",
    "产品经理",
    "摄影",
    "吉他",
    "钢琴",
    "烹饪",
    "健身",
    "投资",
    "理财",
    "写作",
    "英语",
    "日语",
    "心理学",
    "历史",
    "哲学",
    "经济学",
    "设计",
    "编程",
    "算法",
    "网络",
    "安全",
    "创业",
    "管理",
]
FILLER = [
    "a",
    "practical",
    "guide",
    "with",
    "examples",
    "exercises",
    "and",
    "projects",
    "for",
    "every",
    "level",
]


def _text(rng: random.Random, words: int, zh: bool) -> str:
    pool = ZH_WORDS if zh else EN_WORDS
    parts = [rng.choice(pool) if rng.random() < 0.4 else rng.choice(FILLER) for _ in range(words)]
    return ("" if zh else " ").join(parts)


def setup_django(database_url: str, redis_url: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": "zhiliao-bench-search",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "LOG_LEVEL": "WARNING",
        }
    )
    for key in ("DB_POOL", "CONN_MAX_AGE"):
        os.environ.pop(key, None)
    import django

    django.setup()


def create_tables() -> None:
    from tests.benchmarks.bench_qa import create_tables as from_models

    from_models()


def rare_words(courses: int) -> list[str]:
    """Made-up seven-letter words, one per four courses: what a search for a name or a
    rare term looks like (a handful of hits), where an index matters most."""
    rng = random.Random(courses)
    return [
        "".join(rng.choice(string.ascii_lowercase) for _ in range(7)) for _ in range(courses // 4)
    ]


def seed(*, courses: int, rng: random.Random) -> None:
    from django.db import transaction

    from accounts.models import User
    from livestream.models import LiveSession
    from marketplace.models import Category, Channel, Course, CreatorProfile

    now = datetime.now(UTC)
    n_channels = max(1, courses // 10)
    rare = rare_words(courses)
    with transaction.atomic():
        category = Category.objects.create(slug="all", name_en="All", name_zh="全部")
        users = User.objects.bulk_create(
            [User(email=f"c{i}@example.com", display_name=f"C {i}") for i in range(n_channels)],
            batch_size=5000,
        )
        profiles = CreatorProfile.objects.bulk_create(
            [
                CreatorProfile(
                    user=u, slug=f"creator-{i}", display_name=f"Creator {i}",
                    headline=_text(rng, 4, i % 3 == 0), bio=_text(rng, 20, i % 3 == 0),
                )
                for i, u in enumerate(users)
            ],
            batch_size=5000,
        )  # fmt: skip
        channels = Channel.objects.bulk_create(
            [
                Channel(
                    creator=p, slug=f"channel-{i}", title=_text(rng, 3, i % 3 == 0),
                    tagline=_text(rng, 6, i % 3 == 0), description=_text(rng, 30, i % 3 == 0),
                    category=category, status="published", published_at=now,
                )
                for i, p in enumerate(profiles)
            ],
            batch_size=5000,
        )  # fmt: skip
        Course.objects.bulk_create(
            [
                Course(
                    channel=channels[i % len(channels)], slug=f"course-{i}",
                    title=_text(rng, 4, i % 3 == 0), summary=_text(rng, 12, i % 3 == 0),
                    description=f"{_text(rng, 60, i % 3 == 0)} {rng.choice(rare)}",
                    category=category,
                    status="published", published_at=now - timedelta(minutes=i),
                    price_amount=rng.choice([0, 990, 2990]), currency="CNY",
                )
                for i in range(courses)
            ],
            batch_size=5000,
        )  # fmt: skip
        LiveSession.objects.bulk_create(
            [
                LiveSession(
                    channel=channels[i % len(channels)], title=_text(rng, 4, i % 3 == 0),
                    description=_text(rng, 30, i % 3 == 0),
                    scheduled_start=now + timedelta(hours=i % 500),
                )
                for i in range(courses // 2)
            ],
            batch_size=5000,
        )  # fmt: skip
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def indexes_create() -> None:
    """What search's migration does, run here on the seeded tables."""
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    migration = import_module("search.migrations.0001_trigram_indexes")
    with connection.schema_editor() as editor:
        migration.create(apps, editor)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(queries: list[str]) -> dict[str, tuple[list[float], int]]:
    """Per case: the milliseconds of each query, and how many hits they found."""
    from search.selectors import search

    cases = {
        "all kinds (the page)": lambda q: search(query=q, limit=5),
        "courses only": lambda q: search(query=q, kind="courses", limit=20),
        "sessions only (joined channel title)": lambda q: search(
            query=q, kind="sessions", limit=20
        ),
    }
    out = {}
    for name, run in cases.items():
        run(queries[0])  # warm-up
        times, found = [], 0
        for q in queries:
            start = time.perf_counter()
            result = run(q)
            times.append((time.perf_counter() - start) * 1000)
            found += sum(result["counts"].values())
        out[name] = (times, found)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 courses, 20 queries")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP + " (1,000 x 6)")
    parser.add_argument("--courses", type=int)
    parser.add_argument("--queries", type=int)
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    courses = args.courses or (1000 if args.smoke else 20_000 if args.quick else 200_000)
    n_queries = args.queries or (6 if args.smoke else 20 if args.quick else 40)
    database_url = os.environ.get(
        "BENCH_SEARCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zhiliao_bench_search"
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
    rng = random.Random(args.seed)
    if not args.reuse_db:
        log(f"Creating {database_url} (dropped first)")
        recreate_database(database_url)
    setup_django(database_url, redis_url)
    from django.db import connection

    from core.text import terms

    terms("预热 jieba")  # load jieba's dictionary outside the timings
    if args.reuse_db:
        with connection.cursor() as cursor:  # back to the reference: no trigram indexes
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'search_trgm_%%'")
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
    else:
        create_tables()
        log(f"Seeding {courses} courses, {courses // 10} channels, {courses // 2} sessions")
        start = time.perf_counter()
        seed(courses=courses, rng=rng)
        log(f"seeded in {time.perf_counter() - start:.1f} s")
    latin = [w for w in EN_WORDS if len(w) >= 3]
    queries = [rng.choice(latin) for _ in range(n_queries // 2)] + [
        f"{rng.choice(latin)} {rng.choice(latin)}" for _ in range(n_queries - n_queries // 2)
    ]
    zh_queries = [" ".join(rng.sample(ZH_WORDS, 2)) for _ in range(max(2, n_queries // 4))]
    rare_queries = rng.sample(rare_words(courses), n_queries)

    log("Measuring without the trigram indexes (the reference)")
    scan = measure(queries)
    scan_zh = measure(zh_queries)
    scan_rare = measure(rare_queries)
    log("Creating the trigram indexes (search's migration)")
    start = time.perf_counter()
    indexes_create()
    build = time.perf_counter() - start
    log(f"indexes built in {build:.1f} s")
    indexed = measure(queries)
    indexed_zh = measure(zh_queries)
    indexed_rare = measure(rare_queries)

    headers = ["query", "scan p50", "scan p95", "indexed p50", "indexed p95", "p50 ratio", "hits"]
    rows = []
    for label, before, after in (
        ("latin, common words", scan, indexed),
        ("latin, a rare word (a few courses)", scan_rare, indexed_rare),
        ("chinese (two 2-char words)", scan_zh, indexed_zh),
    ):
        for name in before:
            (t0, f0), (t1, f1) = before[name], after[name]
            rows.append(
                [
                    f"{name}, {label}",
                    f"{statistics.median(t0):.1f}",
                    f"{_pct(t0, 95):.1f}",
                    f"{statistics.median(t1):.1f}",
                    f"{_pct(t1, 95):.1f}",
                    f"{statistics.median(t1) / max(statistics.median(t0), 1e-9):.2f}",
                    f"{f1}" if f0 == f1 else f"{f0} vs {f1} (DIFFER)",
                ]
            )
    title = (
        f"Search over {courses} courses, {courses // 10} channels, {courses // 2} sessions; "
        f"{len(queries)} latin and {len(zh_queries)} chinese queries; indexes built in "
        f"{build:.1f} s; milliseconds per query"
    )
    print(title)
    print(text_table(headers, rows))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(f"# {title}\n\n{md_table(headers, rows)}\n", encoding="utf-8")
    log(f"wrote {OUT.relative_to(ROOT)}")
    if args.smoke:
        return smoke_exit(sum(len(t) for t, _ in indexed.values()), "timed searches")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
