"""Paid priority questions: the price waits in escrow until the host answers.

Answered: the host earns it minus the platform fee. Dismissed, or still unanswered
when the session ends: the asker gets it all back. Every case is checked against
the ledger's balances, which must always add up.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from accounts.models import Notification
from livestream import selectors, services
from livestream.models import LiveSession, RoomQuestion
from payments import selectors as payment_selectors
from payments import services as payment_services
from payments.models import LedgerAccount, LedgerEntry
from tests.factories import LiveSessionFactory, UserFactory
from tests.livestream.room import db, join

CNY = "CNY"


@pytest.fixture
def room(alice_channel, settings):
    settings.LIVESTREAM_PRIORITY_QUESTION_MIN = 500
    settings.PAYMENTS_FEE_BPS = {**settings.PAYMENTS_FEE_BPS, "priority_question": 1000}
    session = LiveSessionFactory(channel=alice_channel, title="Portfolio clinic")
    return services.session_start(session=session, user=alice_channel.creator.user)


@pytest.fixture
def host(alice):
    return alice.user


@pytest.fixture
def carol(db):
    return UserFactory(email="carol@example.com", display_name="Carol")


def fund(user, amount=5000):
    payment_services.wallet_top_up_credit(
        user=user, amount=amount, currency=CNY, payment_intent_id=f"pi_{user.pk}_{amount}"
    )


def platform_total(kind: str) -> int:
    entries = LedgerEntry.objects.filter(account__kind=kind, account__currency=CNY)
    return entries.aggregate(total=Sum("amount"))["total"] or 0


def balances(host, *learners) -> dict:
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] in (0, None), (
        "the ledger must always balance"
    )
    return {
        "wallets": [payment_selectors.wallet_balance(user=u, currency=CNY) for u in learners],
        "escrow": platform_total(LedgerAccount.Kind.ESCROW),
        "host": payment_selectors.earnings_balance(user=host, currency=CNY),
        "platform": platform_total(LedgerAccount.Kind.PLATFORM_REVENUE),
    }


def ask(session, user, text="Should I rebalance yearly?", amount=1000, key="pq-key-0001"):
    return services.question_ask_priority(
        session=session, user=user, text=text, amount=amount, currency=CNY, client_key=key
    )


@pytest.mark.django_db
def test_asking_moves_the_price_to_escrow_and_puts_it_right_after_pinned_ones(
    room, host, bob, carol
):
    fund(bob)
    popular = services.question_ask(session=room, user=carol, text="Index funds or stocks?")
    for voter in UserFactory.create_batch(3):
        services.question_upvote(session=room, user=voter, question_id=popular.pk)
    pinned = services.question_ask(session=room, user=UserFactory(), text="Pinned one")
    services.question_moderate(session=room, user=host, question_id=pinned.pk, action="pin")
    fund(carol)
    ask(room, carol, text="Cheap", amount=500, key="pq-cheap-1")
    paid = ask(room, bob)

    assert paid.priority == RoomQuestion.Priority.HELD
    board = [q.text for q in selectors.question_board(session=room)]
    assert board == ["Pinned one", paid.text, "Cheap", "Index funds or stocks?"]
    assert selectors.question_payload(paid)["priority"] == {
        "amount": 1000, "currency": CNY, "state": "held",
    }  # fmt: skip
    assert balances(host, bob, carol) == {
        "wallets": [4000, 4500], "escrow": 1500, "host": 0, "platform": 0,
    }  # fmt: skip


@pytest.mark.django_db
def test_answering_pays_the_host_minus_the_fee(room, host, bob):
    fund(bob)
    question = ask(room, bob)
    services.question_moderate(session=room, user=host, question_id=question.pk, action="answer")

    question.refresh_from_db()
    assert question.priority == RoomQuestion.Priority.PAID
    assert balances(host, bob) == {"wallets": [4000], "escrow": 0, "host": 900, "platform": 100}
    # Ending the session later refunds nothing: it was answered.
    services.session_end(session=room, user=host)
    assert balances(host, bob)["wallets"] == [4000]


@pytest.mark.django_db
def test_dismissing_refunds_the_asker_in_full(room, host, bob):
    fund(bob)
    question = ask(room, bob)
    services.question_moderate(session=room, user=host, question_id=question.pk, action="dismiss")

    question.refresh_from_db()
    assert question.priority == RoomQuestion.Priority.REFUNDED
    assert balances(host, bob) == {"wallets": [5000], "escrow": 0, "host": 0, "platform": 0}
    # Reopening it does not charge again, nor put it back on top.
    services.question_moderate(session=room, user=host, question_id=question.pk, action="reopen")
    services.question_moderate(session=room, user=host, question_id=question.pk, action="answer")
    assert balances(host, bob) == {"wallets": [5000], "escrow": 0, "host": 0, "platform": 0}


@pytest.mark.django_db
def test_questions_unanswered_when_the_session_ends_are_refunded_and_the_asker_told(
    room, host, bob, carol
):
    fund(bob)
    fund(carol)
    answered = ask(room, bob, text="Answered one", key="pq-key-bob-1")
    forgotten = ask(room, carol, text="Forgotten one", amount=700, key="pq-key-carol1")
    services.question_moderate(session=room, user=host, question_id=answered.pk, action="answer")

    services.session_end(session=room, user=host)
    services.session_end(session=room, user=host)  # ending twice refunds once

    forgotten.refresh_from_db()
    assert forgotten.priority == RoomQuestion.Priority.REFUNDED
    assert balances(host, bob, carol) == {
        "wallets": [4000, 5000], "escrow": 0, "host": 900, "platform": 100,
    }  # fmt: skip
    note = Notification.objects.get(user=carol)
    assert "was not answered" in note.text and "7.00" in note.text
    assert not Notification.objects.filter(user=bob).exists()


@pytest.mark.django_db
def test_the_same_key_charges_once(room, host, bob):
    fund(bob)
    assert ask(room, bob) is not None
    assert ask(room, bob) is None  # a double click or a resend after reconnecting
    assert RoomQuestion.objects.filter(author=bob).count() == 1
    assert balances(host, bob)["wallets"] == [4000]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (499, "The smallest amount is"),
        (10_000, "does not hold enough"),
        ("10", "whole number"),
    ],
)
def test_refused_payments_write_nothing(room, host, bob, amount, message):
    fund(bob)
    with pytest.raises(ValidationError, match=message):
        ask(room, bob, amount=amount)
    assert not RoomQuestion.objects.filter(author=bob).exists()
    assert balances(host, bob) == {"wallets": [5000], "escrow": 0, "host": 0, "platform": 0}


@pytest.mark.django_db
def test_only_live_rooms_take_paid_questions_and_not_from_the_host(alice_channel, host, bob):
    fund(bob)
    scheduled = LiveSessionFactory(channel=alice_channel)
    with pytest.raises(ValidationError, match="only while the session is live"):
        ask(scheduled, bob)
    services.session_start(session=scheduled, user=host)
    fund(host)
    with pytest.raises(ValidationError, match="do not pay"):
        ask(scheduled, host)
    assert not RoomQuestion.objects.exists()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_room_protocol_asks_a_paid_question_and_everyone_sees_it_on_top(
    room, host, bob, carol
):
    await db(fund)(bob)
    bob_ws, carol_ws = await join(bob, room.pk), await join(carol, room.pk)
    frame = {"type": "question.priority", "text": "Which bond ETF?", "amount": 800,
             "currency": CNY, "key": "pq-socket-01"}  # fmt: skip
    ack = await bob_ws.reply(frame)
    assert ack["duplicate"] is False
    seen = await carol_ws.next_of("question")
    assert seen["question"]["priority"] == {"amount": 800, "currency": CNY, "state": "held"}
    assert (await bob_ws.reply(frame))["duplicate"] is True
    assert await db(payment_selectors.wallet_balance)(user=bob, currency=CNY) == 4200
    await bob_ws.leave()
    await carol_ws.leave()
    assert await db(LiveSession.objects.filter(pk=room.pk).count)() == 1
