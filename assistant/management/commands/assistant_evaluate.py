"""Offline evaluation of the assistant's matching against BM25 and TF-IDF baselines."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assistant import evaluation


class Command(BaseCommand):
    help = (
        "Index DIR/bank.jsonl, answer DIR/queries.jsonl, print accuracy@1, MRR@10, "
        "no-answer share and coverage at 90% precision for the assistant and the plain "
        "BM25 and TF-IDF baselines. DIR may hold data sets in sub-directories."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data", required=True, help="a data set directory, or a parent of several"
        )
        parser.add_argument(
            "--tune", action="store_true", help="also tune the blend weights (two-fold)"
        )
        parser.add_argument(
            "--no-feedback", action="store_true", help="skip the simulated-feedback run"
        )

    def handle(self, *args, **options):
        root = Path(options["data"])
        if (root / "bank.jsonl").is_file():
            directories = [root]
        else:
            directories = (
                sorted(p for p in root.iterdir() if (p / "bank.jsonl").is_file())
                if root.is_dir()
                else []
            )
        if not directories:
            raise CommandError(f"{root}: no bank.jsonl there or in its sub-directories")
        for directory in directories:
            try:
                data = evaluation.dataset_load(directory)
            except (OSError, ValueError, KeyError) as error:
                raise CommandError(f"{directory}: {error}") from error
            self._report(data, options)

    def _report(self, data, options):
        write = self.stdout.write
        language = evaluation.corpus_language(data)
        matched = sum(q["match"] is not None for q in data.queries)
        write(
            f"\n{data.name}: {len(data.bank)} bank entries, {len(data.queries)} queries "
            f"({len(data.queries) - matched} without a match), language {language}"
        )
        if options["tune"]:
            weights, held_out = evaluation.weights_tune(data)
            write(
                f"tuned weights: lexical {weights.lexical} chars {weights.chars} "
                f"semantic {weights.semantic}; held-out MRR@10 when picked on half: {held_out:.4f}"
            )
        results = evaluation.evaluate(data, min_confidence=settings.ASSISTANT_MIN_CONFIDENCE)
        write(f"{'system':<12}{'acc@1':>8}{'mrr@10':>8}{'no-ans':>8}{'cov@90':>8}{'ms/q':>8}")
        for r in results:
            no_answer = "-" if r.no_answer is None else f"{r.no_answer:.3f}"
            write(
                f"{r.system:<12}{r.accuracy_at_1:>8.3f}{r.mrr_at_10:>8.3f}{no_answer:>8}"
                f"{r.coverage_at_90:>8.3f}{r.ms_per_query:>8.2f}"
            )
        if not options["no_feedback"]:
            without, with_votes = evaluation.feedback_evaluate(data)
            write(
                f"feedback (votes on one half, measured on the other): mrr@10 {without:.4f} "
                f"-> {with_votes:.4f} (x{with_votes / max(without, 1e-9):.3f})"
            )
        assistant, bm25 = results[0], results[1]
        ratio = assistant.mrr_at_10 / bm25.mrr_at_10 if bm25.mrr_at_10 else float("inf")
        write(
            f"assistant {data.name} mrr@10 {assistant.mrr_at_10:.4f} "
            f"bm25 {bm25.mrr_at_10:.4f} ratio {ratio:.3f}"
        )
