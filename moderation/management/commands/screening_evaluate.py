"""`manage.py screening_evaluate --data FILE --format cold|davidson`: score a labelled
file with the word rules alone, the active classifier alone and the shipped
combination; print precision, recall and F1 of the offensive class and ROC AUC.

The last line reads `screening <file name> auc <x> f1 <y> rules-f1 <z>` (the shipped
combination's AUC and F1). `--held-out` scores only the fifth of a Davidson file that
training leaves out (its train.csv is otherwise trained on).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from moderation import scoring, screening_data, screening_eval


class Command(BaseCommand):
    help = "Measure screening (rules, classifier, shipped) on a labelled COLD or Davidson file."

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="a CSV file (COLD or Davidson columns)")
        parser.add_argument("--format", required=True, choices=screening_data.FORMATS)
        parser.add_argument(
            "--held-out",
            action="store_true",
            help="score only the held-out fifth (Davidson's train.csv)",
        )
        parser.add_argument(
            "--kind",
            default=scoring.DEFAULT_KIND,
            help="the content kind whose hold threshold is used (default: %(default)s)",
        )

    def handle(self, *args, data, format, held_out=False, kind=scoring.DEFAULT_KIND, **options):
        path = Path(data)
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        try:
            examples = screening_data.read(path, format)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if held_out:
            _train, examples = screening_data.davidson_split(examples)
        scorer = scoring.active_scorer()
        if scorer is None:
            self.stderr.write("no active screening model: run `manage.py screening_train` first")
        threshold = scoring.hold_threshold(kind)
        result = screening_eval.evaluate(scorer, examples, threshold=threshold)
        version = scorer.meta.get("version") if scorer else "-"
        self.stdout.write(
            f"{path.name}{' (held-out fifth)' if held_out else ''}: {result.n} texts, "
            f"{result.positives} offensive; model v{version}; hold threshold {threshold} ({kind})"
        )
        self.stdout.write(f"{'':12}{'precision':>10}{'recall':>10}{'F1':>10}{'AUC':>10}")
        for name, measures in (
            ("rules", result.rules),
            ("classifier", result.classifier),
            ("shipped", result.shipped),
        ):
            row = "".join(f"{measures[m]:>10.3f}" for m in ("precision", "recall", "f1", "auc"))
            self.stdout.write(f"{name:12}{row}")
        self.stdout.write(
            f"screening {path.name} auc {result.shipped['auc']:.3f} "
            f"f1 {result.shipped['f1']:.3f} rules-f1 {result.rules['f1']:.3f}"
        )
