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
