"""Races on PostgreSQL: answer against expiry, the expiry job against itself, and the
same question asked twice at once.

Each racer is a thread with its own database connection. Answer and expiry are made to
meet at the question's row lock (a third connection holds it until both wait on it), so
they truly contend whatever the machine's speed. Whatever the order, the question's
escrow is settled by exactly one posting.
"""

import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from payments.models import LedgerAccount, LedgerTransaction
from qa import services
from qa.models import Question
from qa.services import settling
from tests.concurrency import race
from tests.qa.conftest import ask, balances, total

Kind = LedgerAccount.Kind
pytestmark = pytest.mark.django_db(transaction=True)


def _settlements(question):
    return LedgerTransaction.objects.filter(idempotency_key=f"qa:settle:{question.pk}")


def _waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


def _wait_until(condition, seconds=10.0):
    until = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < until, "the racers never met at the lock"
        time.sleep(0.01)


def _race_at_the_row_lock(question, *functions, release_after=None):
    """Hold the question's row lock until every function is blocked on it, then let go
    (after `release_after`, if given): they really contend, whatever the machine's speed."""
    locked, release = threading.Event(), threading.Event()

    def blocker():
        try:
            with transaction.atomic():
                Question.objects.select_for_update().get(pk=question.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=blocker)
    holder.start()
    locked.wait(10)
    results: list = [None] * len(functions)

    def run(i, fn):
        try:
            results[i] = ("ok", fn())
        except Exception as exc:  # noqa: BLE001 - the race's loser is part of the result
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(functions)]
    for n, t in enumerate(threads, start=1):
        t.start()
        _wait_until(lambda n=n: _waiting_for_locks() >= n)
    if release_after is not None:
        _wait_until(lambda: timezone.now() > release_after)
    release.set()
    for t in [holder, *threads]:
        t.join(30)
    return results


def _answer(question, expert):
    return lambda: services.answer_submit(
        expert=expert, question_id=question.pk, text="Just in time"
    )


def _expire(question):
    return lambda: services.question_refund_if_overdue(question_id=question.pk)


@pytest.mark.parametrize("answer_queues_first", [True, False])
def test_answer_and_expiry_contending_before_the_deadline_the_answer_wins_once(
    asker, expert, answer_queues_first
):
    question = ask(asker, expert)
    racers = [_answer(question, expert), _expire(question)]
    results = _race_at_the_row_lock(question, *(racers if answer_queues_first else racers[::-1]))
    if not answer_queues_first:
        results = results[::-1]
    question.refresh_from_db()
    assert question.status == Question.Status.ANSWERED
    assert results[0][0] == "ok" and results[1] == ("ok", False)
    assert _settlements(question).count() == 1
    b = balances(asker, expert)
    assert b[(asker.email, Kind.ESCROW)] == 0
    assert b[(expert.email, Kind.EARNINGS)] == 800
    assert b[(asker.email, Kind.WALLET)] == 9000
    assert total(b) == 10_000


@pytest.mark.parametrize("answer_queues_first", [True, False])
def test_answer_and_expiry_contending_as_the_deadline_passes_the_refund_wins_once(
    asker, expert, answer_queues_first
):
    question = ask(asker, expert)
    deadline = timezone.now() + timedelta(milliseconds=300)
    Question.objects.filter(pk=question.pk).update(deadline=deadline)

    def expire_once_due():
        _wait_until(lambda: timezone.now() > deadline)
        return services.question_refund_if_overdue(question_id=question.pk)

    racers = [_answer(question, expert), expire_once_due]
    results = _race_at_the_row_lock(
        question, *(racers if answer_queues_first else racers[::-1]), release_after=deadline
    )
    if not answer_queues_first:
        results = results[::-1]
    question.refresh_from_db()
    assert question.status == Question.Status.EXPIRED
    assert results[0][0] == "error" and isinstance(results[0][1], ValidationError)
    assert results[1] == ("ok", True)
    assert _settlements(question).count() == 1
    b = balances(asker, expert)
    assert b[(asker.email, Kind.ESCROW)] == 0
    assert b[(expert.email, Kind.EARNINGS)] == 0
    assert b[(asker.email, Kind.WALLET)] == 10_000


def test_the_same_question_sent_twice_at_once_is_charged_once(asker, expert):
    text = "Why does my Celery worker leak memory?"
    quotes = [
        services.quote_create(
            asker=asker, expert=expert, text=text, difficulty="standard", is_public=True
        )
        for _ in range(2)
    ]
    results = race(*(lambda q=q: services.question_ask(asker=asker, quote_id=q.pk) for q in quotes))
    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["error", "ok"], results
    refused = next(value for kind, value in results if kind == "error")
    assert isinstance(refused, ValidationError)
    assert "same question" in " ".join(refused.messages)
    assert Question.objects.filter(asker=asker).count() == 1
    b = balances(asker, expert)
    assert b[(asker.email, Kind.WALLET)] == 9000
    assert b[(asker.email, Kind.ESCROW)] == 1000


def test_expiry_job_run_twice_concurrently_refunds_once(asker, expert):
    questions = [ask(asker, expert, text=f"Question number {i} please") for i in range(3)]
    Question.objects.filter(pk__in=[q.pk for q in questions]).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )
    results = race(services.questions_refund_overdue, services.questions_refund_overdue)
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

    monkeypatch.setattr(settling, "question_refund_if_overdue", dies_on_second)
    with pytest.raises(SystemExit):
        services.questions_refund_overdue()
    monkeypatch.setattr(settling, "question_refund_if_overdue", real)
    assert services.questions_refund_overdue() == 1
    assert services.questions_refund_overdue() == 0
    for question in questions:
        assert _settlements(question).count() == 1
    assert balances(asker)[(asker.email, Kind.WALLET)] == 10_000
