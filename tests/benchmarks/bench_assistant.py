"""Assistant benchmark: latency per question over a big knowledge index.

    .venv/bin/python -m tests.benchmarks.bench_assistant [--items 100000] [--queries 300]
    .venv/bin/python -m tests.benchmarks.bench_assistant --smoke   (2,000 items, 40 queries)

Builds the assistant's in-process knowledge index (assistant.index.index_build, the
very code a serving process runs on the KnowledgeItem rows) over N synthetic items in
English and Chinese (lesson-, answer-, chapter- and help-like titles and bodies drawn
from topic vocabularies), then times, per question, the whole ranking the assistant
does before it touches the database (assistant.index.rank: intent weighting, topic
expansion, BM25 + character grams + semantic vectors, feedback memory with 2,000
votes, top-k), against the reference measured in the same run on the same questions:
plain BM25 over core.text terms (scores + top-k), the baseline of assistant_evaluate.

Prints build time, p50 / p95 per question in milliseconds and the ratio to the
reference; var/bench/assistant.md gets the same table. The target is p95 <= 50 ms at
100,000 items; it is printed, never asserted. What a question costs after ranking (a
few primary-key reads for the paywall of the passages shown, one INSERT of the
question) is not in these figures. No database: nothing else is measured.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from tests.benchmarks.common import log, md_table, text_table

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "bench" / "assistant.md"

TOPICS = {
    "django": ["Django", "ORM", "migrations", "views", "templates", "middleware", "queryset"],
    "postgres": ["Postgres", "index", "vacuum", "query plan", "EXPLAIN", "replication"],
    "ml": ["machine learning", "gradient", "overfitting", "embeddings", "transformer"],
    "finance": ["budget", "index funds", "retirement", "taxes", "savings"],
    "cooking": ["sourdough", "fermentation", "knife skills", "braising", "spices"],
    "guitar": ["guitar", "chords", "fingerpicking", "scales", "tuning"],
    "support": ["refund", "ticket", "wallet", "payment", "password", "subscription"],
    "深度学习": ["深度学习", "神经网络", "梯度下降", "过拟合", "卷积"],
    "投资": ["投资", "基金", "股票", "理财", "债券"],
    "摄影": ["摄影", "光圈", "快门", "构图", "镜头"],
    "客服": ["退款", "门票", "钱包", "支付", "密码", "订阅"],
}
EN = [
    "How do I deal with {a} when {b} gets slow?",
    "What is the best way to learn {a} and {b}?",
    "Why does my {a} break after changing {b}?",
    "Notes on {a}: what {b} means in practice",
]
ZH = [
    "{a}和{b}应该怎么入门？",
    "为什么我的{a}总是出问题，和{b}有关系吗？",
    "{a}遇到瓶颈，怎么提高{b}？",
]
KINDS = ["lesson", "answer", "chapter", "article", "help"]


def sentence(rng: random.Random) -> str:
    topic = rng.choice(list(TOPICS))
    a, b = rng.sample(TOPICS[topic], 2)
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in topic)
    return rng.choice(ZH if chinese else EN).format(a=a, b=b)


def rows(n: int, rng: random.Random):
    from assistant.index import Row

    out = []
    for pk in range(1, n + 1):
        kind = KINDS[pk % len(KINDS)]
        title = sentence(rng)
        body = " ".join(sentence(rng) for _ in range(rng.randint(2, 6)))
        out.append(
            Row(pk, kind, pk, title, f"{title}\n{body}", "", kind in ("lesson", "answer"),
                f"/x/{pk}/", "", None, [])
        )  # fmt: skip
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed(fn, queries: list[str]) -> list[float]:
    fn(queries[0])  # warm
    out = []
    for text in queries:
        started = time.perf_counter()
        fn(text)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--smoke", action="store_true", help="2,000 items, 40 queries")
    parser.add_argument("--quick", action="store_true", help="20,000 items, 100 queries")
    args = parser.parse_args(argv)
    if args.smoke:
        args.items, args.queries = 2_000, 40
    elif args.quick:
        args.items, args.queries = 20_000, 100

    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from assistant.index import index_build, rank
    from assistant.retrieval import BM25, FeedbackMemory, Vote, top
    from core.text import terms

    rng = random.Random(26)
    log(f"generating {args.items:,} knowledge items")
    items = rows(args.items, rng)
    log("building the assistant's index")
    started = time.perf_counter()
    index = index_build(items)
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    bm25 = BM25().fit([terms(r.text) for r in items])
    bm25_build = time.perf_counter() - started
    keys = [str(r.pk) for r in items]
    queries = [sentence(rng) for _ in range(args.queries)]
    votes = [
        Vote(sentence(rng), str(rng.randint(1, args.items)), rng.choice([1.0, -1.0]))
        for _ in range(min(2000, args.items))
    ]
    memory = FeedbackMemory(votes)
    log(f"timing {len(queries)} questions")
    assistant = timed(lambda q: rank(index, q, intent="topic", feedback=memory), queries)
    reference = timed(lambda q: top(keys, bm25.scores(terms(q)), 6), queries)
    p50, p95 = statistics.median(assistant), percentile(assistant, 0.95)
    r50, r95 = statistics.median(reference), percentile(reference, 0.95)
    headers = ["system", "items", "build s", "p50 ms", "p95 ms", "p95 / reference"]
    table = [
        ["assistant (hybrid + feedback)", f"{args.items:,}", f"{build_seconds:.1f}",
         f"{p50:.1f}", f"{p95:.1f}", f"{p95 / r95:.2f}"],
        ["reference: plain BM25", f"{args.items:,}", f"{bm25_build:.1f}",
         f"{r50:.1f}", f"{r95:.1f}", "1.00"],
    ]  # fmt: skip
    print(text_table(headers, table))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        "# Assistant latency\n\n" + md_table(headers, table) + "\n\n"
        f"`python -m tests.benchmarks.bench_assistant --items {args.items} "
        f"--queries {args.queries}`\n",
        encoding="utf-8",
    )
    print(
        f"assistant p95 {p95:.1f} ms per question at {args.items} items (target 50 ms); "
        f"bm25 p95 {r95:.1f} ms; ratio {p95 / r95:.2f}"
    )
    return 0 if assistant and reference else 1


if __name__ == "__main__":
    sys.exit(main())
