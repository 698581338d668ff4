"""The ledger's running balances against the sums of their entries."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from payments import ledger, services
from payments import selectors as payment_selectors
from payments.models import LedgerAccount
from payments.tasks import ledger_reconcile_task
from tests.factories import CreatorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tipped():
    bob, alice = UserFactory(), CreatorFactory().user
    services.wallet_top_up_credit(user=bob, amount=3000, currency="CNY", payment_intent_id="pi_r")
    services.tip_send(tipper=bob, creator=alice, amount=1000, currency="CNY", client_key="k")
    return bob, alice


def test_a_balance_is_the_account_row_and_equals_its_entries(tipped, django_assert_num_queries):
    bob, _ = tipped
    wallet = LedgerAccount.objects.get(owner=bob, kind="wallet")
    with django_assert_num_queries(1):  # the account row, by primary key
        assert ledger.balance(wallet) == 2000
    assert ledger.balance_from_entries(wallet) == 2000


def test_reconcile_passes_on_a_consistent_ledger(tipped, capsys):
    call_command("ledger_reconcile")
    assert "ledger reconciles" in capsys.readouterr().out
    assert ledger_reconcile_task() == 0


def test_reconcile_reports_a_balance_that_drifted_from_its_entries(tipped, capsys, caplog):
    bob, _ = tipped
    # Only a bug (or a hand-edited row) could do this: ledger.post is the one writer.
    LedgerAccount.objects.filter(owner=bob, kind="wallet").update(balance=2500)
    with pytest.raises(CommandError, match="1 account"):
        call_command("ledger_reconcile")
    out = capsys.readouterr().out
    assert "balance 2500, entries sum 2000, difference +500" in out
    assert ledger_reconcile_task() == 1
    assert "entries sum to 2000" in caplog.text
    [mismatch] = payment_selectors.ledger_mismatches()
    assert (mismatch.balance, mismatch.entries_sum) == (2500, 2000)


def test_the_database_refuses_an_overdraft_even_past_the_check(tipped):
    from django.db import IntegrityError, transaction

    bob, _ = tipped
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(owner=bob, kind="wallet").update(balance=-1)
