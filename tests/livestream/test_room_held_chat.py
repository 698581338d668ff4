"""Live chat the screening classifier holds: the host and moderators see it marked,
viewers never receive it (live, on reconnect or in the history) until one of them
approves it, and the decision is the review queue's."""

import pytest

from livestream import selectors, services
from livestream.models import RoomEvent
from moderation.models import ReviewItem
from tests.factories import LiveSessionFactory, UserFactory
from tests.livestream.room import db, join

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

INSULT = "shut up you worthless moron"


@pytest.fixture(autouse=True)
def _fast_room(settings):
    settings.LIVESTREAM_TICK_SECONDS = 0.2
    settings.MODERATION_CLASSIFIER_HOLD = {"default": 0.7, "chat": 0.5}


@pytest.fixture
def room(alice_channel, active_model):
    session = LiveSessionFactory(channel=alice_channel, title="Async Python, live")
    return services.session_start(session=session, user=alice_channel.creator.user)


@pytest.fixture
def dora(db):
    return UserFactory(email="dora@example.com", display_name="Dora")


async def test_a_held_chat_message_never_reaches_viewers_until_approved(room, alice, bob, dora):
    host = alice.user
    host_ws, bob_ws, dora_ws = (
        await join(host, room.pk),
        await join(bob, room.pk),
        await join(dora, room.pk),
    )
    ack = await bob_ws.reply({"type": "chat", "text": INSULT})
    assert ack["held"] is True
    held_seq = ack["seq"]

    # The host sees it, marked, with the score and the words that weighed most.
    marked = await host_ws.next_of("chat")
    assert marked["seq"] == held_seq and marked["held"] is True
    assert marked["text"] == INSULT and marked["score"] >= 0.5 and marked["words"]
    # Viewers (even its author) receive nothing; a clean message after it arrives.
    await bob_ws.reply({"type": "chat", "text": "thanks for the great lesson"})
    clean = await dora_ws.next_of("chat")
    assert clean["text"] == "thanks for the great lesson"
    # Nor on reconnect, nor in the page's history.
    late_ws = await join(dora, room.pk, after=0)
    replay = []
    while not await late_ws.ws.receive_nothing(timeout=0.3):
        replay.append(await late_ws.next())
    assert "thanks for the great lesson" in [f.get("text") for f in replay]
    assert held_seq not in [f.get("seq") for f in replay]
    replayed = await db(selectors.room_events_after)(session_id=room.pk, after=0)
    assert held_seq not in [f["seq"] for f in replayed]
    history = await db(selectors.room_chat_history)(session=room)
    assert INSULT not in [f.get("text") for f in history]
    # It waits in the review queue with its score.
    item = await db(ReviewItem.objects.get)(content_type__model="roomevent")
    assert item.status == ReviewItem.Status.PENDING and item.score >= 0.5

    # A viewer cannot decide it; the host can.
    refused = await dora_ws.reply({"type": "held.decide", "seq": held_seq, "approve": True})
    assert refused["type"] == "error"
    ok = await host_ws.reply({"type": "held.decide", "seq": held_seq, "approve": True})
    assert ok["type"] == "ack"

    for ws in (dora_ws, bob_ws, host_ws):
        released = await ws.next_of("message.released")
        assert released["target"] == held_seq and released["text"] == INSULT
        assert "score" not in released
    item = await db(ReviewItem.objects.get)(pk=item.pk)
    assert item.status == ReviewItem.Status.APPROVED and item.decided_by_id == host.pk
    event = await db(RoomEvent.objects.get)(session=room, seq=held_seq)
    assert event.held is False
    for ws in (host_ws, bob_ws, dora_ws, late_ws):
        await ws.leave()


async def test_a_rejected_held_message_stays_hidden_from_viewers(room, alice, bob, dora):
    host_ws, dora_ws = await join(alice.user, room.pk), await join(dora, room.pk)
    bob_ws = await join(bob, room.pk)
    held_seq = (await bob_ws.reply({"type": "chat", "text": INSULT}))["seq"]
    assert (await host_ws.next_of("chat"))["held"] is True
    answer = await host_ws.reply(
        {"type": "held.decide", "seq": held_seq, "approve": False, "reason": "Insult."}
    )
    assert answer["type"] == "ack"
    assert (await host_ws.next_of("message.deleted"))["target"] == held_seq
    assert await dora_ws.quiet(0.5)
    item = await db(ReviewItem.objects.get)(content_type__model="roomevent")
    assert item.status == ReviewItem.Status.REJECTED and item.decision_reason == "Insult."
    for ws in (host_ws, bob_ws, dora_ws):
        await ws.leave()


async def test_the_hosts_own_chat_is_never_held(room, alice):
    host_ws = await join(alice.user, room.pk)
    ack = await host_ws.reply({"type": "chat", "text": INSULT})
    assert "held" not in ack
    await host_ws.leave()
