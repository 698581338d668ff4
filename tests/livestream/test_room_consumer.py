"""The live room socket, message kind by message kind, refusal by refusal.

Runs on the real channel layer of the run (Redis in CI) and a transactional
database: broadcasts happen on commit, so the test must really commit.
"""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async

from livestream import broadcast, services
from livestream.models import LiveSession, RoomEvent, RoomQuestion
from marketplace import entitlements as marketplace_entitlements
from marketplace import purchases
from marketplace.models import Entitlement
from payments import selectors as payment_selectors
from payments import services as payment_services
from payments.models import Tip
from tests.factories import ChannelFactory, LiveSessionFactory, TierFactory, UserFactory
from tests.livestream.room import db, join, refused

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_room(settings):
    settings.LIVESTREAM_TICK_SECONDS = 0.2
    settings.LIVESTREAM_BLOCKED_WORDS = ["scam", "骗子"]


@pytest.fixture
def room(alice_channel):
    """A free session of alice's channel, live."""
    session = LiveSessionFactory(channel=alice_channel, title="Async Python, live")
    return services.session_start(session=session, user=alice_channel.creator.user)


@pytest.fixture
def host(alice):
    return alice.user


@pytest.fixture
def dora(db):
    return UserFactory(email="dora@example.com", display_name="Dora")


# --- joining -----------------------------------------------------------------------


async def test_welcome_tells_the_viewer_who_they_are_and_where_the_room_is(room, bob):
    viewer = await join(bob, room.pk)
    assert viewer.welcome["you"] == {
        "id": bob.pk, "name": "Bob", "role": "viewer", "muted_until": None,
    }  # fmt: skip
    assert viewer.welcome["session"]["status"] == "live"
    assert viewer.welcome["last_seq"] == 1  # "session.started"
    assert viewer.welcome["settings"] == {"slow_mode_seconds": 0, "subscribers_only": False}
    await viewer.leave()


async def test_host_joins_as_host(room, host):
    viewer = await join(host, room.pk)
    assert viewer.welcome["you"]["role"] == "host"
    await viewer.leave()


async def test_anonymous_visitor_is_refused_with_4401(room):
    from django.contrib.auth.models import AnonymousUser

    assert await refused(AnonymousUser(), room.pk) == (4401, "Log in to join the room.")


async def test_unknown_session_is_refused_with_4404(bob):
    assert (await refused(bob, 999_999))[0] == 4404


async def test_session_of_a_draft_channel_is_refused_with_4404(alice, bob):
    session = await db(lambda: LiveSessionFactory(channel=ChannelFactory(
        creator=alice, status="draft")))()  # fmt: skip
    assert (await refused(bob, session.pk))[0] == 4404


async def test_ticket_session_without_a_ticket_is_refused_with_4403(alice_channel, bob):
    session = await db(LiveSessionFactory)(
        channel=alice_channel, access="ticket", ticket_price_amount=500, ticket_currency="CNY"
    )
    assert (await refused(bob, session.pk))[0] == 4403


async def test_subscriber_session_refuses_non_subscribers_and_admits_subscribers(
    alice_channel, bob, dora
):
    tier = await db(TierFactory)(channel=alice_channel)
    session = await db(LiveSessionFactory)(
        channel=alice_channel, access="subscribers", required_tier=tier
    )
    await db(marketplace_entitlements.entitlement_grant)(
        user=dora, source=Entitlement.Source.SUBSCRIPTION, source_ref="sub_1", tier=tier
    )
    assert (await refused(bob, session.pk))[0] == 4403
    viewer = await join(dora, session.pk)
    await viewer.leave()


async def test_cancelled_session_is_refused_with_4410(alice_channel, host, bob):
    session = await db(LiveSessionFactory)(channel=alice_channel)
    await db(services.session_cancel)(session=session, user=host)
    assert (await refused(bob, session.pk))[0] == 4410


@pytest.mark.parametrize("after", ["x", "-1", "²", "1" * 30])
async def test_a_bad_after_parameter_is_refused_with_4400(room, bob, after):
    assert (await refused(bob, room.pk, after=after))[0] == 4400


async def test_an_after_beyond_the_room_starts_from_the_rooms_last_event(room, bob, dora):
    ws = await join(bob, room.pk, after=10_000)
    await db(services.chat_post)(session=room, user=dora, text="still delivered")
    assert (await ws.next_of("chat"))["text"] == "still delivered"
    await ws.leave()


async def test_a_foreign_origin_is_refused_at_the_handshake(room, bob, settings):
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    settings.ALLOWED_HOSTS = ["testserver"]
    communicator = WebsocketCommunicator(
        application, f"/ws/live/{room.pk}/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert not connected


# --- chat --------------------------------------------------------------------------


async def test_chat_is_saved_then_broadcast_to_everyone_with_its_sequence_number(room, bob, dora):
    bob_ws, dora_ws = await join(bob, room.pk), await join(dora, room.pk)
    ack = await bob_ws.reply({"type": "chat", "text": "  Hello,   everyone  "})
    assert ack == {"type": "ack", "ref": "r1", "seq": 2}
    for ws in (bob_ws, dora_ws):
        chat = await ws.next_of("chat")
        assert chat["seq"] == 2
        assert chat["text"] == "Hello, everyone"
        assert chat["user"] == {"id": bob.pk, "name": "Bob", "role": "viewer"}
    saved = await db(RoomEvent.objects.get)(session=room, seq=2)
    assert saved.kind == "chat" and saved.author_id == bob.pk
    await bob_ws.leave()
    await dora_ws.leave()


async def test_chinese_chat_arrives_as_sent(room, bob):
    ws = await join(bob, room.pk)
    await ws.reply({"type": "chat", "text": "老师好！异步怎么调试？"})
    assert (await ws.next_of("chat"))["text"] == "老师好！异步怎么调试？"
    await ws.leave()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_json"),
        (json.dumps({"type": "shout", "text": "hi"}), "unknown_type"),
        (json.dumps({"text": "no type"}), "unknown_type"),
        (json.dumps({"type": "chat", "text": 42}), "invalid"),
        (json.dumps({"type": "chat"}), "invalid"),
        (json.dumps({"type": "chat", "text": "   "}), "invalid"),
        (json.dumps({"type": "chat", "text": "x" * 501}), "invalid"),
        (json.dumps({"type": "chat", "text": "x" * 5000}), "too_large"),
        (json.dumps({"type": "upvote", "question": "7"}), "invalid"),
        (json.dumps({"type": "tip", "amount": "lots", "currency": "CNY", "key": "k" * 10}),
         "invalid"),
    ],
)  # fmt: skip
async def test_bad_frames_get_an_error_frame_and_nothing_is_broadcast(room, bob, dora, frame, code):
    bob_ws, dora_ws = await join(bob, room.pk), await join(dora, room.pk)
    await bob_ws.send_text(frame)
    error = await bob_ws.next_of("error")
    assert error["code"] == code
    assert error["reason"]
    assert await dora_ws.quiet()
    # The connection stays up.
    await bob_ws.send({"type": "ping", "ref": "p"})
    assert (await bob_ws.next_of("pong"))["ref"] == "p"
    assert await db(RoomEvent.objects.filter(session=room, kind="chat").count)() == 0
    await bob_ws.leave()
    await dora_ws.leave()


async def test_binary_frames_are_refused_with_an_error(room, bob):
    ws = await join(bob, room.pk)
    await ws.ws.send_to(bytes_data=b"\x00\x01")
    assert (await ws.next_of("error"))["code"] == "bad_frame"
    await ws.leave()


async def test_blocked_words_are_refused_before_broadcast(room, bob, dora):
    bob_ws, dora_ws = await join(bob, room.pk), await join(dora, room.pk)
    error = await bob_ws.reply({"type": "chat", "text": "Join my SCAM group"})
    assert "not allowed" in error["reason"]
    error = await bob_ws.reply({"type": "chat", "text": "他是个骗子吧"})
    assert error["code"] == "invalid"
    # Whole words only for Latin text: "scampi" is fine.
    assert (await bob_ws.reply({"type": "chat", "text": "scampi for lunch"}))["type"] == "ack"
    assert (await dora_ws.next_of("chat"))["text"] == "scampi for lunch"
    assert await dora_ws.quiet()
    await bob_ws.leave()
    await dora_ws.leave()


async def test_sending_faster_than_the_burst_is_rate_limited(room, bob, settings):
    settings.LIVESTREAM_RATE_BURST = 5
    settings.LIVESTREAM_RATE_PER_SECOND = 0.5
    ws = await join(bob, room.pk)
    answers = [(await ws.reply({"type": "chat", "text": f"m{i}"}))["type"] for i in range(7)]
    assert answers == ["ack"] * 5 + ["error"] * 2
    assert await db(RoomEvent.objects.filter(session=room, kind="chat").count)() == 5
    await ws.leave()


async def test_chat_in_an_ended_room_is_refused(room, host, bob):
    ws = await join(bob, room.pk)
    await db(services.session_end)(session=room, user=host)
    assert (await ws.next_of("system"))["event"] == "session.ended"
    error = await ws.reply({"type": "chat", "text": "still there?"})
    assert "read-only" in error["reason"]
    await ws.leave()


# --- questions ---------------------------------------------------------------------


async def test_questions_are_upvoted_once_and_answered_live(room, host, bob, dora):
    host_ws = await join(host, room.pk)
    bob_ws = await join(bob, room.pk)
    dora_ws = await join(dora, room.pk)

    ack = await bob_ws.reply({"type": "question", "text": "How do I cancel a task group?"})
    question_id = ack["question"]
    asked = await dora_ws.next_of("question")
    assert asked["question"]["text"] == "How do I cancel a task group?"
    assert asked["question"]["votes"] == 0

    assert (await dora_ws.reply({"type": "upvote", "question": question_id}))["type"] == "ack"
    assert (await bob_ws.next_of("question.updated"))["question"]["votes"] == 1
    twice = await dora_ws.reply({"type": "upvote", "question": question_id})
    assert twice["reason"] == "You have already upvoted this question."
    own = await bob_ws.reply({"type": "upvote", "question": question_id})
    assert own["reason"] == "You cannot upvote your own question."

    not_host = await bob_ws.reply(
        {"type": "question.action", "question": question_id, "action": "answer"}
    )
    assert not_host["code"] == "forbidden"
    answered = await host_ws.reply(
        {"type": "question.action", "question": question_id, "action": "answer"}
    )
    assert answered["type"] == "ack"
    for ws in (bob_ws, dora_ws):
        update = await ws.next_of("question.updated")
        while update["question"]["status"] != "answered":
            update = await ws.next_of("question.updated")
        assert update["question"]["answered_at"]
    question = await db(RoomQuestion.objects.get)(pk=question_id)
    assert (question.status, question.votes) == ("answered", 1)
    for ws in (host_ws, bob_ws, dora_ws):
        await ws.leave()


async def test_the_board_sorts_pinned_then_votes_then_time(room, host, bob, dora):
    from livestream.selectors import question_board

    first = await db(services.question_ask)(session=room, user=bob, text="First")
    second = await db(services.question_ask)(session=room, user=bob, text="Second")
    third = await db(services.question_ask)(session=room, user=dora, text="Third")
    await db(services.question_upvote)(session=room, user=dora, question_id=second.pk)
    await db(services.question_moderate)(
        session=room, user=host, question_id=third.pk, action="pin"
    )
    await db(services.question_moderate)(
        session=room, user=host, question_id=first.pk, action="dismiss"
    )
    board = await db(lambda: [q.text for q in question_board(session=room)])()
    assert board == ["Third", "Second", "First"]


async def test_the_host_pins_a_chat_message_live_and_late_joiners_get_it_in_welcome(
    room, host, bob, dora
):
    bob_ws = await join(bob, room.pk)
    sent = await bob_ws.reply({"type": "chat", "text": "Slides are at example.org"})
    host_ws = await join(host, room.pk)
    assert (await host_ws.reply({"type": "pin", "seq": sent["seq"]}))["type"] == "ack"
    pinned = await bob_ws.next_of("message.pinned")
    assert pinned["target"] == sent["seq"] and pinned["text"] == "Slides are at example.org"
    refusal = await bob_ws.reply({"type": "pin", "seq": sent["seq"]})
    assert refusal["code"] == "forbidden"
    dora_ws = await join(dora, room.pk)
    assert dora_ws.welcome["pinned"]["target"] == sent["seq"]
    for ws in (bob_ws, host_ws, dora_ws):
        await ws.leave()


async def test_unknown_question_action_is_explained(room, host, bob):
    question = await db(services.question_ask)(session=room, user=bob, text="Why?")
    ws = await join(host, room.pk)
    error = await ws.reply({"type": "question.action", "question": question.pk, "action": "eat"})
    assert "answer, pin, unpin, dismiss, reopen" in error["reason"]
    missing = await ws.reply({"type": "question.action", "question": 10**9, "action": "pin"})
    assert missing["reason"] == "There is no such question in this room."
    await ws.leave()


# --- tips --------------------------------------------------------------------------


async def test_a_tip_moves_money_once_and_alerts_the_whole_room(room, host, bob, dora):
    await db(payment_services.wallet_top_up_credit)(
        user=bob, amount=5000, currency="CNY", payment_intent_id="pi_room"
    )
    bob_ws, dora_ws = await join(bob, room.pk), await join(dora, room.pk)
    tip = {"type": "tip", "amount": 1000, "currency": "CNY", "key": "tip-key-1",
           "message": "Thanks!"}  # fmt: skip
    ack = await bob_ws.reply(tip)
    assert ack["duplicate"] is False
    alert = await dora_ws.next_of("tip")
    assert (alert["amount"], alert["currency"], alert["message"]) == (1000, "CNY", "Thanks!")
    assert alert["user"]["name"] == "Bob"
    # A resend after a reconnect, or a double click: no money moves, no alert.
    assert (await bob_ws.reply(tip))["duplicate"] is True
    assert await dora_ws.quiet()
    assert await db(Tip.objects.filter(tipper=bob).count)() == 1
    balance = await db(payment_selectors.wallet_balance)(user=bob, currency="CNY")
    assert balance == 4000
    await bob_ws.leave()
    await dora_ws.leave()


async def test_a_tip_beyond_the_wallet_is_refused_and_announces_nothing(room, bob, dora):
    bob_ws, dora_ws = await join(bob, room.pk), await join(dora, room.pk)
    error = await bob_ws.reply(
        {"type": "tip", "amount": 1000, "currency": "CNY", "key": "tip-key-2"}
    )
    assert "does not hold enough" in error["reason"]
    assert await dora_ws.quiet()
    await bob_ws.leave()
    await dora_ws.leave()


# --- presence and system messages --------------------------------------------------


async def test_presence_counts_distinct_viewers_and_follows_changes(room, bob, dora):
    bob_ws = await join(bob, room.pk)
    bob_again = await join(bob, room.pk)  # a second tab is not a second viewer
    dora_ws = await join(dora, room.pk)
    presence = await bob_ws.next_of("presence")
    while presence["viewers"] != 2:
        presence = await bob_ws.next_of("presence")
    await dora_ws.leave()
    presence = await bob_ws.next_of("presence")
    while presence["viewers"] != 1:
        presence = await bob_ws.next_of("presence")
    await bob_ws.leave()
    await bob_again.leave()


async def test_going_live_and_ending_are_announced(alice_channel, host, bob):
    session = await db(LiveSessionFactory)(channel=alice_channel)
    ws = await join(bob, session.pk)
    await db(services.session_start)(session=session, user=host)
    started = await ws.next_of("system")
    assert (started["event"], started["seq"]) == ("session.started", 1)
    await db(services.session_end)(session=session, user=host)
    assert (await ws.next_of("system"))["event"] == "session.ended"
    await ws.leave()


# --- host and moderator actions ----------------------------------------------------


async def test_host_deletes_a_message_for_everyone_and_in_history(room, host, bob, dora):
    from livestream.selectors import room_chat_history

    host_ws, dora_ws = await join(host, room.pk), await join(dora, room.pk)
    seq = (await db(services.chat_post)(session=room, user=bob, text="buy followers")).seq
    await dora_ws.next_of("chat")
    assert (await dora_ws.reply({"type": "delete", "seq": seq}))["code"] == "forbidden"
    assert (await host_ws.reply({"type": "delete", "seq": seq}))["type"] == "ack"
    assert (await dora_ws.next_of("message.deleted"))["target"] == seq
    history = await db(room_chat_history)(session=room)
    deleted = next(e for e in history if e["seq"] == seq)
    assert deleted["text"] == "" and deleted["deleted"] is True
    await host_ws.leave()
    await dora_ws.leave()


async def test_a_muted_viewer_may_watch_but_not_post(room, host, bob):
    host_ws, bob_ws = await join(host, room.pk), await join(bob, room.pk)
    ack = await host_ws.reply({"type": "mute", "user": bob.pk, "minutes": 10})
    assert ack["type"] == "ack"
    assert (await bob_ws.next_of("system"))["event"] == "user.muted"
    error = await bob_ws.reply({"type": "chat", "text": "hello?"})
    assert error["reason"].startswith("You are muted in this room until")
    # Lifting the mute lets them talk again.
    await host_ws.reply({"type": "lift", "user": bob.pk, "sanction": "mute"})
    assert (await bob_ws.reply({"type": "chat", "text": "thanks"}))["type"] == "ack"
    await host_ws.leave()
    await bob_ws.leave()


async def test_a_viewer_cannot_mute_and_the_host_cannot_be_muted(room, host, bob):
    bob_ws = await join(bob, room.pk)
    assert (await bob_ws.reply({"type": "mute", "user": host.pk, "minutes": 5}))[
        "code"
    ] == "forbidden"
    host_ws = await join(host, room.pk)
    error = await host_ws.reply({"type": "mute", "user": host.pk, "minutes": 5})
    assert error["reason"] == "The host and moderators cannot be muted or banned."
    error = await host_ws.reply({"type": "mute", "user": bob.pk, "minutes": 0})
    assert error["code"] == "invalid"
    await bob_ws.leave()
    await host_ws.leave()


async def test_a_banned_viewer_is_disconnected_and_cannot_rejoin(room, host, bob):
    host_ws, bob_ws = await join(host, room.pk), await join(bob, room.pk)
    assert (await host_ws.reply({"type": "ban", "user": bob.pk}))["type"] == "ack"
    assert await bob_ws.close_code() == 4430
    assert (await refused(bob, room.pk))[0] == 4430
    await host_ws.leave()


async def test_slow_mode_allows_one_message_per_interval(room, host, bob):
    host_ws, bob_ws = await join(host, room.pk), await join(bob, room.pk)
    assert (await host_ws.reply({"type": "settings", "slow_mode_seconds": 30}))["type"] == "ack"
    assert (await bob_ws.next_of("room.settings"))["slow_mode_seconds"] == 30
    assert (await bob_ws.reply({"type": "chat", "text": "one"}))["type"] == "ack"
    error = await bob_ws.reply({"type": "chat", "text": "two"})
    assert error["reason"] == "Slow mode is on: one message every 30 seconds."
    # The host is not slowed down.
    assert (await host_ws.reply({"type": "chat", "text": "a"}))["type"] == "ack"
    assert (await host_ws.reply({"type": "chat", "text": "b"}))["type"] == "ack"
    bad = await host_ws.reply({"type": "settings", "slow_mode_seconds": -1})
    assert bad["reason"] == "Slow mode takes 0 (off) to 3600 seconds."
    await host_ws.leave()
    await bob_ws.leave()


async def test_subscribers_only_chat(room, host, bob, dora, alice_channel):
    tier = await db(TierFactory)(channel=alice_channel)
    await db(marketplace_entitlements.entitlement_grant)(
        user=dora, source=Entitlement.Source.SUBSCRIPTION, source_ref="sub_d", tier=tier
    )
    host_ws, bob_ws, dora_ws = (await join(host, room.pk), await join(bob, room.pk),
                                await join(dora, room.pk))  # fmt: skip
    assert (await host_ws.reply({"type": "settings", "subscribers_only": True}))["type"] == "ack"
    error = await bob_ws.reply({"type": "chat", "text": "me too"})
    assert error["reason"] == "Chat is open to subscribers of this channel only."
    assert (await dora_ws.reply({"type": "chat", "text": "subscriber here"}))["type"] == "ack"
    for ws in (host_ws, bob_ws, dora_ws):
        await ws.leave()


async def test_staff_moderate_any_room(room, bob):
    moderator = await db(UserFactory)(email="mod@example.com", is_staff=True)
    mod_ws, bob_ws = await join(moderator, room.pk), await join(bob, room.pk)
    assert mod_ws.welcome["you"]["role"] == "moderator"
    assert (await mod_ws.reply({"type": "mute", "user": bob.pk, "minutes": 1}))["type"] == "ack"
    await mod_ws.leave()
    await bob_ws.leave()


# --- access ending, ordering and catching up ---------------------------------------


async def test_a_refunded_ticket_holder_is_disconnected_at_once(alice_channel, bob):
    session = await db(LiveSessionFactory)(
        channel=alice_channel, access="ticket", ticket_price_amount=500, ticket_currency="CNY"
    )
    await db(payment_services.wallet_top_up_credit)(
        user=bob, amount=500, currency="CNY", payment_intent_id="pi_ticket"
    )
    purchase = await db(purchases.purchase_with_wallet)(buyer=bob, live_session=session)
    ws = await join(bob, session.pk)
    staff = await db(UserFactory)(email="staff@example.com", is_staff=True)
    await db(payment_services.purchase_refund)(
        purchase=purchase, amount=500, refunded_by=staff, expected_refunded=0
    )
    assert await ws.close_code(timeout=2) == 4403
    assert (await refused(bob, session.pk))[0] == 4403


async def test_an_expired_subscription_ends_the_socket_at_the_next_recheck(
    alice_channel, bob, settings
):
    from datetime import timedelta

    from django.utils import timezone

    settings.LIVESTREAM_ACCESS_RECHECK_SECONDS = 0.3
    tier = await db(TierFactory)(channel=alice_channel)
    session = await db(LiveSessionFactory)(
        channel=alice_channel, access="subscribers", required_tier=tier
    )
    await db(marketplace_entitlements.entitlement_grant)(
        user=bob, source=Entitlement.Source.SUBSCRIPTION, source_ref="sub_b", tier=tier,
        ends_at=timezone.now() + timedelta(seconds=0.5),
    )  # fmt: skip
    ws = await join(bob, session.pk)
    assert await ws.close_code(timeout=3) == 4403


async def test_reconnecting_client_receives_exactly_what_it_missed_in_order(room, bob, dora):
    ws = await join(bob, room.pk)
    last_seen = ws.welcome["last_seq"]
    await ws.leave()

    def post_200():
        return [services.chat_post(session=room, user=dora, text=f"msg {i}").seq
                for i in range(200)]  # fmt: skip

    sent = await db(post_200)()
    ws = await join(bob, room.pk, after=last_seen)
    received = [await ws.next_of("chat") for _ in sent]
    assert [f["seq"] for f in received] == sent == list(range(last_seen + 1, last_seen + 201))
    assert [f["text"] for f in received] == [f"msg {i}" for i in range(200)]
    assert await ws.quiet()  # no duplicates follow
    # And live messages continue after the catch-up.
    await db(services.chat_post)(session=room, user=dora, text="live again")
    assert (await ws.next_of("chat"))["seq"] == sent[-1] + 1
    await ws.leave()


async def test_an_event_whose_publish_was_lost_still_arrives_in_order(room, bob, dora, monkeypatch):
    """A publish can fail (Redis restarting): the hub fills the gap from the database."""
    ws = await join(bob, room.pk)
    real_publish = broadcast.room_event_publish
    dropped = []

    def drop_first(event):
        if not dropped:
            dropped.append(event.seq)
            return
        real_publish(event)

    monkeypatch.setattr(broadcast, "room_event_publish", drop_first)
    first = await db(services.chat_post)(session=room, user=dora, text="lost in transit")
    second = await db(services.chat_post)(session=room, user=dora, text="arrives")
    assert dropped == [first.seq]
    frames = [await ws.next_of("chat"), await ws.next_of("chat")]
    assert [(f["seq"], f["text"]) for f in frames] == [
        (first.seq, "lost in transit"), (second.seq, "arrives"),
    ]  # fmt: skip
    await ws.leave()


async def test_a_lost_publish_with_nothing_after_it_arrives_at_the_next_tick(
    room, bob, dora, monkeypatch
):
    ws = await join(bob, room.pk)
    monkeypatch.setattr(broadcast, "room_event_publish", lambda event: None)
    sent = await db(services.chat_post)(session=room, user=dora, text="only the database knows")
    frame = await ws.next_of("chat", timeout=2)
    assert (frame["seq"], frame["text"]) == (sent.seq, "only the database knows")
    await ws.leave()


async def test_a_rolled_back_write_is_never_broadcast(room, bob, dora):
    from django.db import transaction

    ws = await join(bob, room.pk)

    def post_then_fail():
        with transaction.atomic():
            services.chat_post(session=room, user=dora, text="never happened")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await sync_to_async(post_then_fail)()
    assert await ws.quiet(timeout=0.6)
    assert await db(lambda: LiveSession.objects.get(pk=room.pk).last_seq)() == 1
    await ws.leave()


async def test_a_viewer_too_slow_to_keep_up_is_told_to_reconnect(room, bob, settings):
    settings.LIVESTREAM_MAX_QUEUED_FRAMES = 3
    from livestream.hub import hub_get

    ws = await join(bob, room.pk)
    consumer = next(iter(hub_get().rooms[room.pk].sockets))
    while not consumer._live:  # still catching up
        await asyncio.sleep(0.01)
    # A frame waits for a full network buffer that never drains.
    consumer._pending = asyncio.get_running_loop().create_future()
    for seq in range(100, 110):
        consumer.push(seq, "{}")
    assert await ws.close_code() == 4408


async def test_a_frame_that_waits_for_the_network_keeps_later_frames_in_order(room, bob):
    from livestream.hub import hub_get

    ws = await join(bob, room.pk)
    consumer = next(iter(hub_get().rooms[room.pk].sockets))
    while not consumer._live:
        await asyncio.sleep(0.01)
    network_drained = asyncio.Event()
    server_send = consumer._frame_send
    congested = []

    async def send_on_a_congested_network(message):
        if not congested:  # the first frame finds the buffer full
            congested.append(message)
            await network_drained.wait()
        await server_send(message)

    consumer._frame_send = send_on_a_congested_network
    for seq in range(100, 104):
        consumer.push(seq, json.dumps({"type": "chat", "seq": seq}))
    assert consumer._pending is not None and len(consumer._outbox) == 3
    assert await ws.quiet(timeout=0.2)
    network_drained.set()
    assert [(await ws.next_of("chat"))["seq"] for _ in range(4)] == [100, 101, 102, 103]
    # Back to sending in place once the backlog is gone.
    await asyncio.sleep(0.05)
    consumer.push(104, json.dumps({"type": "chat", "seq": 104}))
    assert consumer._pending is None and not consumer._outbox
    assert (await ws.next_of("chat"))["seq"] == 104
    await ws.leave()


async def test_a_second_connection_after_a_disconnect_resumes_where_it_left(room, bob, dora):
    """What the page's script does: remember the last seq, reconnect with it."""
    ws = await join(bob, room.pk)
    await db(services.chat_post)(session=room, user=dora, text="one")
    last = (await ws.next_of("chat"))["seq"]
    await ws.leave()
    await db(services.chat_post)(session=room, user=dora, text="two")
    ws = await join(bob, room.pk, after=last)
    assert (await ws.next_of("chat"))["text"] == "two"
    await ws.leave()


async def test_concurrent_writers_get_distinct_consecutive_numbers(room, bob, dora):
    ws = await join(bob, room.pk)
    users = [await db(UserFactory)() for _ in range(4)]

    async def post(user, i):
        return (await sync_to_async(services.chat_post, thread_sensitive=False)(
            session=room, user=user, text=f"{i}")).seq  # fmt: skip

    seqs = await asyncio.gather(*(post(u, i) for i, u in enumerate(users * 3)))
    assert sorted(seqs) == list(range(2, 14))
    received = [(await ws.next_of("chat"))["seq"] for _ in seqs]
    assert received == sorted(seqs)
    await ws.leave()


async def test_errors_speak_the_viewers_language(room):
    mei = await db(UserFactory)(email="mei@example.com", preferred_language="zh-hans")
    ws = await join(mei, room.pk)
    await ws.send_text("{oops")
    assert (await ws.next_of("error"))["reason"] == "该帧不是有效的 JSON。"
    await ws.leave()


async def test_a_batch_of_chat_takes_consecutive_numbers_and_a_refusal_stops_no_other(
    room, bob, dora
):
    """services.chat_posts (what a busy room's writer calls): one transaction, the
    posts in order, an empty one refused without failing the rest."""
    ws = await join(bob, room.pk)
    posts = [
        services.ChatPost(user=dora, text="first"),
        services.ChatPost(user=bob, text="   "),
        services.ChatPost(user=dora, text="second"),
    ]
    results = await db(services.chat_posts)(session=room, posts=posts)
    assert [r.seq for r in (results[0], results[2])] == [2, 3]
    assert "empty" in " ".join(results[1].messages)
    frames = [await ws.next_of("chat"), await ws.next_of("chat")]
    assert [(f["seq"], f["text"]) for f in frames] == [(2, "first"), (3, "second")]
    assert await db(lambda: LiveSession.objects.get(pk=room.pk).last_seq)() == 3
    await ws.leave()


async def test_chat_sent_back_to_back_on_one_socket_is_acked_in_order(room, bob, settings):
    """The socket does not wait for a message's commit before reading the next: the
    room's writer saves what queued meanwhile together, in the order sent."""
    settings.LIVESTREAM_RATE_BURST = 100
    ws = await join(bob, room.pk)
    for i in range(20):
        await ws.send({"type": "chat", "text": f"quick {i}", "ref": f"q{i}"})
    acks, chats = {}, []
    while len(acks) < 20 or len(chats) < 20:
        frame = await ws.next(timeout=15)  # a batch of 19 on a busy machine
        if frame["type"] == "ack":
            acks[frame["ref"]] = frame["seq"]
        elif frame["type"] == "chat":
            chats.append((frame["seq"], frame["text"]))
        else:
            assert frame["type"] == "presence", frame
    assert [acks[f"q{i}"] for i in range(20)] == list(range(2, 22))
    assert chats == [(2 + i, f"quick {i}") for i in range(20)]
    await ws.leave()
