"""Races on PostgreSQL: answer against expiry, and the expiry job against itself.

Two threads, each with its own database connection, start together at a barrier.
Whatever the interleaving, the question's escrow is settled by exactly one posting.
"""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from payments.models import LedgerAccount, LedgerTransaction
from qa import services
from qa.models import Question
from tests.qa.conftest import ask, balances, total

Kind = LedgerAccount.Kind
pytestmark = pytest.mark.django_db(transaction=True)


def _race(*functions):
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = ("ok", fn())
        except Exception as exc:  # noqa: BLE001 - the race's loser is part of the result
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _settlements(question):
    return LedgerTransaction.objects.filter(idempotency_key=f"qa:settle:{question.pk}")


@pytest.mark.parametrize("attempt", range(3))
def test_answer_and_expiry_at_the_same_moment_settle_escrow_once(asker, expert, attempt):
    question = ask(asker, expert)
    # The deadline passes while both run: whichever takes the row lock first decides.
    deadline = timezone.now() + timedelta(milliseconds=150)
    Question.objects.filter(pk=question.pk).update(deadline=deadline)

    def answer():
        return services.answer_submit(expert=expert, question_id=question.pk, text="Just in time")

    def expire():
        while timezone.now() <= deadline:
            pass
        return services.question_refund_if_overdue(question_id=question.pk)

    results = _race(answer, expire)
    question.refresh_from_db()
    assert _settlements(question).count() == 1
    b = balances(asker, expert)
    assert b[(asker.email, Kind.ESCROW)] == 0
    assert total(b) == 10_000
    if question.status == Question.Status.ANSWERED:
        assert results[1] == ("ok", False)
        assert b[(expert.email, Kind.EARNINGS)] == 800
        assert b[(asker.email, Kind.WALLET)] == 9000
    else:
        assert question.status == Question.Status.EXPIRED
        assert results[0][0] == "error" and isinstance(results[0][1], ValidationError)
        assert b[(expert.email, Kind.EARNINGS)] == 0
        assert b[(asker.email, Kind.WALLET)] == 10_000


def test_expiry_job_run_twice_concurrently_refunds_once(asker, expert):
    questions = [ask(asker, expert, text=f"Question number {i} please") for i in range(3)]
    Question.objects.filter(pk__in=[q.pk for q in questions]).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )
    results = _race(services.questions_refund_overdue, services.questions_refund_overdue)
    assert all(kind == "ok" for kind, _ in results)
    assert sum(count for _, count in results) == 3  # each question refunded by one run
    for question in questions:
        assert _settlements(question).count() == 1
    b = balances(asker, expert)
    assert b[(asker.email, Kind.WALLET)] == 10_000
    assert b[(asker.email, Kind.ESCROW)] == 0


def test_a_job_that_died_mid_way_is_finished_by_the_next_run(asker, expert, monkeypatch):
    """A crash after the first refund: the rest are refunded next time, none twice."""
    questions = [ask(asker, expert, text=f"Question number {i} please") for i in range(2)]
    Question.objects.filter(pk__in=[q.pk for q in questions]).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )
    real = services.question_refund_if_overdue
    calls = {"n": 0}

    def dies_on_second(*, question_id):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return real(question_id=question_id)

    monkeypatch.setattr(services, "question_refund_if_overdue", dies_on_second)
    with pytest.raises(SystemExit):
        services.questions_refund_overdue()
    monkeypatch.setattr(services, "question_refund_if_overdue", real)
    assert services.questions_refund_overdue() == 1
    assert services.questions_refund_overdue() == 0
    for question in questions:
        assert _settlements(question).count() == 1
    assert balances(asker)[(asker.email, Kind.WALLET)] == 10_000
