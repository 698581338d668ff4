"""`manage.py screening_train`: train a new screening classifier version from the
public data (../shared/data/moderation) and the moderators' decisions, measure it on
the held-out data, save it, and make it active unless it is worse than the active
one (`--candidate`: save it only)."""

import time

from django.core.management.base import BaseCommand, CommandError

from moderation.screening_data import DataMissing
from moderation.services import classifier


class Command(BaseCommand):
    help = "Train the screening classifier and promote it if it is not worse."

    def add_arguments(self, parser):
        parser.add_argument(
            "--candidate", action="store_true", help="save the new version without promoting it"
        )
        parser.add_argument("--note", default="", help="a note kept with the version")

    def handle(self, *args, candidate=False, note="", **options):
        started = time.monotonic()
        try:
            model = classifier.screening_model_train(note=note)
        except DataMissing as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"screening model v{model.version} trained in {time.monotonic() - started:.0f} s "
            f"on {model.counts} -> {model.file.name}"
        )
        for dataset, measures in model.scores.items():
            shown = " ".join(f"{k} {v}" for k, v in measures.items())
            self.stdout.write(f"  held out {dataset}: {shown}")
        if candidate:
            self.stdout.write("saved as a candidate (not active)")
            return
        if classifier.screening_model_promote(candidate=model):
            self.stdout.write(f"v{model.version} is now active")
        else:
            model.refresh_from_db()
            self.stdout.write(f"v{model.version} NOT promoted: {model.note}")
