"""Domain events: delivered after commit, never for a rolled-back write, and a
failing listener neither stops the others nor undoes the sender's work."""

from dataclasses import dataclass

import pytest
from django.db import transaction

from core import events


@dataclass(frozen=True)
class SomethingHappened(events.Event):
    thing_id: int


@pytest.fixture
def heard():
    received: list[int] = []

    def listener(event: SomethingHappened) -> None:
        received.append(event.thing_id)

    events.subscribe(SomethingHappened, listener)
    yield received
    events.unsubscribe(SomethingHappened, listener)


@pytest.mark.django_db(transaction=True)
def test_an_event_sent_in_a_transaction_arrives_after_commit(heard):
    with transaction.atomic():
        events.send_on_commit(SomethingHappened(thing_id=1))
        assert heard == []
    assert heard == [1]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_announces_nothing(heard):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.send_on_commit(SomethingHappened(thing_id=2))
        raise RuntimeError("the write failed")
    assert heard == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_listener_does_not_stop_the_others(heard, caplog):
    def broken(event: SomethingHappened) -> None:
        raise ValueError("listener bug")

    events.subscribe(SomethingHappened, broken)
    try:
        with transaction.atomic():
            events.send_on_commit(SomethingHappened(thing_id=3))
    finally:
        events.unsubscribe(SomethingHappened, broken)
    assert heard == [3]
    assert "listener bug" in caplog.text


def test_subscribing_twice_delivers_once(heard):
    events.subscribe(SomethingHappened, heard.append)
    events.subscribe(SomethingHappened, heard.append)
    try:
        events.send(SomethingHappened(thing_id=4))
    finally:
        events.unsubscribe(SomethingHappened, heard.append)
    assert heard == [4, SomethingHappened(thing_id=4)]


@pytest.fixture
def heard_in_worker(monkeypatch):
    """Two in-worker listeners of SomethingHappened, and the task messages queued."""
    from core import tasks

    received: list[tuple[str, SomethingHappened]] = []
    queued: list[tuple] = []
    apply_async = tasks.event_deliver_task.apply_async

    def spy(args, **options):
        queued.append(args)
        return apply_async(args, **options)  # eager in tests: runs the listeners here

    def first(event: SomethingHappened) -> None:
        received.append(("first", event))

    def second(event: SomethingHappened) -> None:
        received.append(("second", event))

    monkeypatch.setattr(tasks.event_deliver_task, "apply_async", spy)
    events.subscribe_in_worker(SomethingHappened, first)
    events.subscribe_in_worker(SomethingHappened, second)
    yield received, queued, first
    events.unsubscribe(SomethingHappened, first)
    events.unsubscribe(SomethingHappened, second)


@pytest.mark.django_db(transaction=True)
def test_in_worker_listeners_share_one_task_message_after_commit(heard, heard_in_worker):
    received, queued, _first = heard_in_worker
    with transaction.atomic():
        events.send_on_commit(SomethingHappened(thing_id=5))
        assert queued == [] and received == []
    assert heard == [5]  # the on-commit listener ran on the request
    assert queued == [(f"{__name__}.SomethingHappened", {"thing_id": 5})]
    assert received == [
        ("first", SomethingHappened(thing_id=5)),
        ("second", SomethingHappened(thing_id=5)),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_queues_no_task(heard_in_worker):
    received, queued, _first = heard_in_worker
    with pytest.raises(RuntimeError), transaction.atomic():
        events.send_on_commit(SomethingHappened(thing_id=6))
        raise RuntimeError("the write failed")
    assert queued == [] and received == []


def test_a_failing_in_worker_listener_does_not_stop_the_others(heard_in_worker, caplog):
    received, _queued, first = heard_in_worker

    def broken(event: SomethingHappened) -> None:
        raise ValueError("worker listener bug")

    events.unsubscribe(SomethingHappened, first)
    events.subscribe_in_worker(SomethingHappened, broken)
    events.subscribe_in_worker(SomethingHappened, first)
    try:
        ran = events.deliver_in_worker(f"{__name__}.SomethingHappened", {"thing_id": 7})
    finally:
        events.unsubscribe(SomethingHappened, broken)
    assert ran == 2
    assert [who for who, _event in received] == ["second", "first"]
    assert "worker listener bug" in caplog.text


def test_an_unknown_event_type_in_a_task_runs_nothing(caplog):
    assert events.deliver_in_worker("nowhere.NoSuchEvent", {"x": 1}) == 0
    assert "nowhere.NoSuchEvent" in caplog.text
