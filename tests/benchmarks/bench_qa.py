"""Paid-question search benchmark: expert matching and similar questions.

    .venv/bin/python -m tests.benchmarks.bench_qa [--quick] [--experts 1000]
        [--questions 50000] [--queries 200] [--reuse-db]

Builds its own PostgreSQL database (zhiliao_bench_qa, dropped and created each run
unless --reuse-db; tables are created straight from the models, as pytest-django's
--nomigrations does, because only qa's reads are measured), then inserts in bulk:
N experts (creator profiles with 2-3 topics in English or Chinese, a bio, Q&A terms
with ratings and answer figures) and M answered public questions spread over them.

It then measures, the way the site serves them (qa.selectors, with qa.matching's
in-process TF-IDF indexes, built once and reused until stale):

  build    building each index from the database (cold, what a stale index costs)
  experts  selectors.experts_search(text): rank experts for a question, plus the row
           fetch of their terms
  similar  selectors.questions_similar(text): answered public questions like it
  ref      the reference, measured in the same run on the same queries: a plain
           PostgreSQL icontains on the query's longest word (questions: text
           icontains, LIMIT 5; experts: bio or topic icontains, DISTINCT, LIMIT 5)

and prints p50 / p95 per query in milliseconds with the ratio to the reference. The
reference finds far less (one word, no ranking, no Chinese segmentation); it is there
to put the figures on this machine's scale, not as an equal. Figures go to
var/bench/qa.md as well. On a shared machine compare ratios, not absolute numbers.

Options may also come from the environment: BENCH_QA_DATABASE_URL, BENCH_REDIS_URL.
"""

import argparse
import os
import random
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime
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
OUT = ROOT / "var" / "bench" / "qa.md"

TOPICS = {
    "django": ["Django", "ORM", "migrations", "views", "templates", "middleware", "queryset"],
    "postgres": ["Postgres", "index", "vacuum", "query plan", "EXPLAIN", "replication"],
    "rust": ["Rust", "borrow checker", "lifetimes", "async", "tokio", "traits"],
    "ml": ["machine learning", "gradient", "overfitting", "embeddings", "transformer"],
    "finance": ["budget", "index funds", "retirement", "taxes", "savings"],
    "cooking": ["sourdough", "fermentation", "knife skills", "braising", "spices"],
    "guitar": ["guitar", "chords", "fingerpicking", "scales", "tuning"],
    "photo": ["photography", "aperture", "exposure", "lenses", "composition"],
    "推荐": ["推荐系统", "冷启动", "召回", "排序模型", "用户画像"],
    "深度学习": ["深度学习", "神经网络", "梯度下降", "过拟合", "卷积"],
    "川菜": ["川菜", "花椒", "火锅", "麻婆豆腐", "回锅肉"],
    "投资": ["投资", "基金", "股票", "理财", "债券"],
    "前端": ["前端", "组件", "状态管理", "浏览器", "性能优化"],
    "摄影": ["摄影", "光圈", "快门", "构图", "镜头"],
    "英语": ["英语", "口语", "语法", "雅思", "听力"],
    "健身": ["健身", "增肌", "减脂", "深蹲", "拉伸"],
}
EN_TEMPLATES = [
    "How do I deal with {a} when {b} gets slow?",
    "What is the best way to learn {a} and {b}?",
    "Why does my {a} break after changing {b}?",
    "Any advice on {a} for a beginner who knows {b}?",
]
ZH_TEMPLATES = [
    "{a}和{b}应该怎么入门？",
    "为什么我的{a}总是出问题，和{b}有关系吗？",
    "请问{a}有什么好的学习方法，{b}重要吗？",
    "{a}遇到瓶颈，怎么提高{b}？",
]


def _sentence(rng: random.Random, topic: str) -> str:
    a, b = rng.sample(TOPICS[topic], 2)
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in topic)
    return rng.choice(ZH_TEMPLATES if chinese else EN_TEMPLATES).format(a=a, b=b)


def setup_django(database_url: str, redis_url: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": "zhiliao-bench-qa",
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
    """Every table straight from the models (no migrations: nothing here needs them)."""
    from django.conf import settings
    from django.core.management import call_command

    class NoMigrations(dict):
        def __contains__(self, item):
            return True

        def __getitem__(self, item):
            return None

    settings.MIGRATION_MODULES = NoMigrations()
    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)


def seed(*, experts: int, questions: int, rng: random.Random) -> None:
    from django.db import transaction

    from accounts.models import User
    from marketplace.models import CreatorProfile, Tag
    from qa.models import Answer, ExpertSettings, Question, Quote

    now = datetime.now(UTC)
    with transaction.atomic():
        tags = {
            word: Tag.objects.create(name=word, slug=f"t{i}")
            for i, word in enumerate(sorted({w for words in TOPICS.values() for w in words}))
        }
        users = User.objects.bulk_create(
            [
                User(email=f"bench{i}@example.com", display_name=f"Expert {i}")
                for i in range(experts)
            ]
            + [User(email="asker@example.com", display_name="Asker")],
            batch_size=2000,
        )
        asker, expert_users = users[-1], users[:-1]
        topic_names = list(TOPICS)
        expert_topics = {u.pk: rng.sample(topic_names, rng.choice([2, 3])) for u in expert_users}
        profiles = CreatorProfile.objects.bulk_create(
            [
                CreatorProfile(
                    user=u,
                    slug=f"expert-{u.pk}",
                    display_name=f"Expert {u.pk}",
                    headline=" / ".join(expert_topics[u.pk]),
                    bio=" ".join(_sentence(rng, t) for t in expert_topics[u.pk]),
                )
                for u in expert_users
            ],
            batch_size=2000,
        )
        Through = CreatorProfile.topics.through
        Through.objects.bulk_create(
            [
                Through(creatorprofile_id=p.pk, tag_id=tags[word].pk)
                for p in profiles
                for topic in expert_topics[p.user_id]
                for word in rng.sample(TOPICS[topic], 2)
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
        ExpertSettings.objects.bulk_create(
            [
                ExpertSettings(
                    user=u,
                    enabled=True,
                    base_price=rng.choice([500, 1000, 2000, 5000]),
                    answered_count=(n := rng.randint(0, 200)),
                    missed_count=rng.randint(0, 20),
                    rating_count=(r := rng.randint(0, n)),
                    rating_sum=sum(rng.randint(3, 5) for _ in range(r)),
                    response_seconds_total=n * rng.randint(600, 48 * 3600),
                )
                for u in expert_users
            ],
            batch_size=2000,
        )
        texts = []
        for _ in range(questions):
            u = rng.choice(expert_users)
            texts.append((u, _sentence(rng, rng.choice(expert_topics[u.pk]))))
        quotes = Quote.objects.bulk_create(
            [
                Quote(
                    asker=asker, expert=u, text=t, difficulty="standard", amount=1000,
                    currency="CNY", expires_at=now,
                )
                for u, t in texts
            ],
            batch_size=5000,
        )  # fmt: skip
        rows = Question.objects.bulk_create(
            [
                Question(
                    asker=asker, expert=u, quote=q, text=t, text_digest=f"{i}",
                    difficulty="standard", amount=1000, currency="CNY", is_public=True,
                    is_visible=True, status=Question.Status.ANSWERED, sent_at=now,
                    deadline=now, answered_at=now, settled_at=now,
                )
                for i, ((u, t), q) in enumerate(zip(texts, quotes, strict=True))
            ],
            batch_size=5000,
        )  # fmt: skip
        Answer.objects.bulk_create(
            [Answer(question=q, text="An answer.", is_visible=True) for q in rows],
            batch_size=5000,
        )


def _timed(fn, queries):
    out = []
    for q in queries:
        start = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - start) * 1000)
    return out


def _pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 experts, 5000 questions")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP + " (20 x 200, 10 queries)")
    parser.add_argument("--experts", type=int)
    parser.add_argument("--questions", type=int)
    parser.add_argument("--queries", type=int)
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    experts = args.experts or (20 if args.smoke else 100 if args.quick else 1000)
    questions = args.questions or (200 if args.smoke else 5000 if args.quick else 50_000)
    n_queries = args.queries or (10 if args.smoke else 50 if args.quick else 200)
    database_url = os.environ.get(
        "BENCH_QA_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zhiliao_bench_qa"
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2")
    rng = random.Random(args.seed)

    if not args.reuse_db:
        log(f"Creating {database_url} (dropped first)")
        recreate_database(database_url)
    setup_django(database_url, redis_url)
    from django.conf import settings
    from django.db.models import Q

    from marketplace.models import CreatorProfile
    from qa import matching, selectors
    from qa.models import Question

    if not args.reuse_db:
        create_tables()
        log(f"Seeding {experts} experts and {questions} answered questions")
        start = time.perf_counter()
        seed(experts=experts, questions=questions, rng=rng)
        log(f"seeded in {time.perf_counter() - start:.1f} s")
    settings.QA_INDEX_TTL_SECONDS = 10**9  # measure serving, not rebuilding
    settings.QA_INDEX_MIN_REBUILD_SECONDS = 10**9

    queries = [_sentence(rng, rng.choice(list(TOPICS))) for _ in range(n_queries)]

    def longest_word(text):
        from core.text import terms

        words = terms(text) or [text[:4]]
        return max(words, key=len)

    def ref_questions(text):
        word = longest_word(text)
        return list(
            Question.objects.filter(
                status=Question.Status.ANSWERED, is_public=True, text__icontains=word
            ).values_list("pk", flat=True)[:5]
        )

    def ref_experts(text):
        word = longest_word(text)
        return list(
            CreatorProfile.objects.filter(Q(bio__icontains=word) | Q(topics__name__icontains=word))
            .distinct()
            .values_list("pk", flat=True)[:5]
        )

    from core.text import terms

    terms("预热 jieba")  # load jieba's dictionary outside the timings
    matching.index_reset()
    start = time.perf_counter()
    matching.expert_index()
    build_experts = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    matching.question_index()
    build_questions = (time.perf_counter() - start) * 1000
    # Warm-up: jieba's dictionary, first queries.
    for q in queries[:5]:
        selectors.experts_search(text=q)
        selectors.questions_similar(text=q)
        ref_questions(q)
        ref_experts(q)

    found = {"experts": 0, "similar": 0, "ref experts": 0, "ref questions": 0}

    def run_experts(q):
        found["experts"] += bool(selectors.experts_search(text=q))

    def run_similar(q):
        found["similar"] += bool(selectors.questions_similar(text=q))

    def run_ref_e(q):
        found["ref experts"] += bool(ref_experts(q))

    def run_ref_q(q):
        found["ref questions"] += bool(ref_questions(q))

    t_experts = _timed(run_experts, queries)
    t_ref_e = _timed(run_ref_e, queries)
    t_similar = _timed(run_similar, queries)
    t_ref_q = _timed(run_ref_q, queries)

    def row(name, times, ref):
        p50, p95 = _pct(times, 50), _pct(times, 95)
        r50, r95 = _pct(ref, 50), _pct(ref, 95)
        return [
            name,
            f"{p50:.2f}",
            f"{p95:.2f}",
            f"{p50 / r50:.2f}x" if ref is not times else "1.00x",
            f"{p95 / r95:.2f}x" if ref is not times else "1.00x",
            f"{statistics.mean(times):.2f}",
        ]

    headers = ["query", "p50 ms", "p95 ms", "p50 / ref", "p95 / ref", "mean ms"]
    rows = [
        row("experts_search (TF-IDF, ranked)", t_experts, t_ref_e),
        row("ref: experts icontains", t_ref_e, t_ref_e),
        row("questions_similar (TF-IDF)", t_similar, t_ref_q),
        row("ref: questions icontains", t_ref_q, t_ref_q),
    ]
    ref_build = statistics.median(t_ref_q)
    summary = (
        f"{experts} experts, {questions} answered questions, {n_queries} queries "
        f"(English and Chinese).\n"
        f"Index builds: experts {build_experts:.0f} ms, questions {build_questions:.0f} ms "
        f"({build_questions / ref_build:.0f}x one reference query).\n"
        f"Queries with at least one hit: "
        + ", ".join(f"{k} {v}/{n_queries}" for k, v in found.items())
    )
    print()
    print(text_table(headers, rows))
    print(summary)
    if args.smoke:  # nothing judged, nothing written over a real run's figures
        return smoke_exit(len(t_experts) + len(t_similar) if found["similar"] else 0, "queries")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        f"# qa search benchmark ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n\n"
        f"`{' '.join(['python -m tests.benchmarks.bench_qa', *(argv or sys.argv[1:])])}`\n\n"
        + md_table(headers, rows)
        + "\n\n"
        + summary.replace("\n", "  \n")
        + "\n"
    )
    log(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
