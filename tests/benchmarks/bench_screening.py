"""Screening latency benchmark: what the classifier adds to screening a chat message.

    .venv/bin/python -m tests.benchmarks.bench_screening [--smoke] [--messages 10000]
        [--model FILE]

Chat messages are the public data's texts (COLD dev, Davidson's held-out fifth),
cut to the room's chat limit (LIVESTREAM_MAX_CHAT_CHARS), in a seeded shuffle. Each
message is screened twice, interleaved, as a live room does before broadcast:

  rules       moderation.screening.text_screen (the word rules; the blocked-term
              list in its in-process copy, as between two refreshes)
  rules+clf   the same, then the classifier's score against the chat hold threshold,
              with the weightiest words when it holds (moderation.scoring.score_with,
              what scoring.text_score runs once it has the active model)

and prints p50 / p95 / p99 per message in milliseconds, the added latency (the
difference, message by message) and its ratio to the rules alone, and the added
latency in the thread's CPU time (on a machine shared with other work, wall-clock
tails are mostly time spent waiting for a core, which CPU time leaves out). No database: the
model is the artefact given by --model (a file `manage.py screening_train` saved),
else one trained here on the public data (minutes); --smoke trains on the tests'
tiny data set and screens 300 messages. Figures go to var/bench/screening.md as well;
on a shared machine compare ratios, not absolute numbers. The last line reads
`screening-bench messages <n> rules-p95-ms <x> added-p95-ms <y> added-cpu-p95-ms <c>
ratio <z>`.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.benchmarks.common import log, md_table, text_table

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "bench" / "screening.md"

BLOCKED = [("spam", "word", "hold"), ("傻逼", "substring", "refuse"), ("scam", "word", "refuse")]


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "mean": statistics.fmean(ordered) * 1000,
    }


def _messages(n: int, *, smoke: bool, data_dir: Path | None) -> list[str]:
    from django.conf import settings

    from moderation import screening_data, screening_eval

    if smoke and data_dir is not None:
        os.environ["MODERATION_DATA_DIR"] = str(data_dir)
    texts = [e.text for examples in screening_eval.held_out_sets().values() for e in examples]
    random.Random(7).shuffle(texts)
    limit = settings.LIVESTREAM_MAX_CHAT_CHARS
    texts = [" ".join(t.split())[:limit] for t in texts if t.strip()]
    while len(texts) < n:
        texts = texts + texts
    del screening_data  # imported for its data_dir side: nothing else
    return texts[:n]


def _scorer(args, data_dir: Path | None):
    from moderation import classifier, screening_data

    if args.model:
        log(f"Loading {args.model}")
        return classifier.Scorer.loads(Path(args.model).read_bytes())
    if data_dir is not None:
        os.environ["MODERATION_DATA_DIR"] = str(data_dir)
    log(
        "Training on " + ("the tests' tiny data set" if args.smoke else "the public data (minutes)")
    )
    examples = screening_data.public_training_set()
    return classifier.train([e.text for e in examples], [e.label for e in examples])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny: 300 messages, tiny model")
    parser.add_argument("--messages", type=int, default=None)
    parser.add_argument("--model", default=None, help="a saved model (.json.gz)")
    args = parser.parse_args(argv)
    n = args.messages or (300 if args.smoke else 10_000)
    _setup()
    from moderation import scoring, screening

    data_dir = None
    if args.smoke:
        from tests.moderation.screening_fixture import write

        data_dir = write(Path(tempfile.mkdtemp(prefix="bench-screening-")))
    scorer = _scorer(args, data_dir)
    messages = _messages(n, smoke=args.smoke, data_dir=data_dir)
    # The blocked-term list as a process holds it between refreshes (no database).
    screening._loaded.update(terms=BLOCKED, at=time.monotonic() + 10**9)
    threshold = scoring.hold_threshold("chat")
    for text in messages[:50]:  # warm up: jieba's dictionary, regex caches
        screening.text_screen(text)
        scoring.score_with(scorer, text, kind="chat")

    log(f"Screening {len(messages)} chat messages, rules alone and rules + classifier")
    rules, both, added, added_cpu = [], [], [], []
    held = 0
    clock, cpu = time.perf_counter, time.thread_time
    for text in messages:
        t0 = clock()
        screening.text_screen(text)
        t1 = clock()
        screening.text_screen(text)
        t2, c2 = clock(), cpu()
        score = scoring.score_with(scorer, text, kind="chat")
        t3, c3 = clock(), cpu()
        held += score.hold
        rules.append(t1 - t0)
        both.append(t3 - t1)
        added.append(t3 - t2)
        added_cpu.append(c3 - c2)
    q_rules, q_both, q_added = _quantiles(rules), _quantiles(both), _quantiles(added)
    q_cpu = _quantiles(added_cpu)
    rows = [
        ["rules", *(f"{q_rules[k]:.3f}" for k in ("p50", "p95", "p99", "mean")), "1.00"],
        ["rules+clf", *(f"{q_both[k]:.3f}" for k in ("p50", "p95", "p99", "mean")),
         f"{q_both['p95'] / q_rules['p95']:.2f}"],
        ["added", *(f"{q_added[k]:.3f}" for k in ("p50", "p95", "p99", "mean")),
         f"{q_added['p95'] / q_rules['p95']:.2f}"],
        ["added (CPU time)", *(f"{q_cpu[k]:.3f}" for k in ("p50", "p95", "p99", "mean")), ""],
    ]  # fmt: skip
    header = ["per message (ms)", "p50", "p95", "p99", "mean", "p95 / rules"]
    print(text_table(header, rows))
    log(f"{held} of {len(messages)} messages at or above the chat hold threshold {threshold}")
    if not args.smoke:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(
            f"# Screening latency ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {len(messages)} "
            f"chat messages)\n\n{md_table(header, rows)}\n"
        )
        log(f"Wrote {OUT.relative_to(ROOT)}")
    print(
        f"screening-bench messages {len(messages)} rules-p95-ms {q_rules['p95']:.3f} "
        f"added-p95-ms {q_added['p95']:.3f} added-cpu-p95-ms {q_cpu['p95']:.3f} "
        f"ratio {q_added['p95'] / q_rules['p95']:.2f}"
    )
    return 0 if rules and added else 1


if __name__ == "__main__":
    sys.exit(main())
