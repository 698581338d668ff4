"""Check every account's running balance against the sum of its entries.

    python manage.py ledger_reconcile

Prints each account whose balance differs and exits 1 if any does; prints
"ledger reconciles: N accounts" and exits 0 otherwise. Read-only: a difference is a
bug to investigate, never something this command corrects. Celery beat runs the same
check nightly (payments.tasks.ledger_reconcile_task).
"""

from django.core.management.base import BaseCommand, CommandError

from payments import selectors
from payments.models import LedgerAccount


class Command(BaseCommand):
    help = "Compare every ledger account's running balance with the sum of its entries."

    def handle(self, *args: object, **options: object) -> None:
        mismatches = selectors.ledger_mismatches()
        for m in mismatches:
            self.stdout.write(
                f"account {m.account_id} ({m.account}): balance {m.balance}, "
                f"entries sum {m.entries_sum}, difference {m.balance - m.entries_sum:+d}"
            )
        if mismatches:
            raise CommandError(f"{len(mismatches)} account(s) do not reconcile")
        self.stdout.write(f"ledger reconciles: {LedgerAccount.objects.count()} accounts")
