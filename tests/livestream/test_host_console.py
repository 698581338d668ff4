"""The host's console: pinned chat that late joiners see, the tip leaderboard with
its "stay anonymous" switch, and the page's buttons following the session."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from livestream import console_selectors, services
from livestream.models import LiveSession, RoomEvent
from payments import services as payment_services
from tests.factories import ChannelFactory, LiveSessionFactory, UserFactory


@pytest.fixture
def room(alice_channel):
    session = LiveSessionFactory(channel=alice_channel, title="Async Python, live")
    return services.session_start(session=session, user=alice_channel.creator.user)


@pytest.fixture
def dora(db):
    return UserFactory(email="dora@example.com", display_name="Dora")


def room_config(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="room-config" type="application/json">') + len(
        '<script id="room-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def tip(session, user, amount, key):
    payment_services.wallet_top_up_credit(
        user=user, amount=amount, currency="CNY", payment_intent_id=f"pi-{key}"
    )
    return services.room_tip(
        session=session, user=user, amount=amount, currency="CNY", client_key=f"tip-key-{key}"
    )


# --- pinning -------------------------------------------------------------------------


def test_a_pinned_message_reaches_a_late_joiner_on_the_page(client, room, alice, bob, dora):
    message = services.chat_post(session=room, user=bob, text="Slides: example.org/slides")
    pin = services.chat_pin(session=room, user=alice.user, seq=message.seq)
    assert pin.kind == RoomEvent.Kind.MESSAGE_PINNED
    assert pin.payload["target"] == message.seq
    client.force_login(dora)
    pinned = room_config(client.get(f"/live/{room.pk}/"))["pinned"]
    assert pinned == {
        "target": message.seq,
        "user": {"id": bob.pk, "name": "Bob", "role": "viewer"},
        "text": "Slides: example.org/slides",
    }


def test_unpinning_and_deleting_the_pinned_message_take_it_away(room, alice, bob):
    first = services.chat_post(session=room, user=bob, text="first")
    services.chat_pin(session=room, user=alice.user, seq=first.seq)
    services.chat_pin(session=room, user=alice.user, seq=None)
    assert console_selectors.room_pinned_payload(LiveSession.objects.get(pk=room.pk)) is None

    second = services.chat_post(session=room, user=bob, text="second")
    services.chat_pin(session=room, user=alice.user, seq=second.seq)
    services.message_delete(session=room, user=alice.user, seq=second.seq)
    room.refresh_from_db()
    assert room.pinned_seq is None
    assert console_selectors.room_pinned_payload(room) is None


def test_only_the_host_or_a_moderator_pins(room, bob):
    message = services.chat_post(session=room, user=bob, text="pin me")
    with pytest.raises(PermissionDenied):
        services.chat_pin(session=room, user=bob, seq=message.seq)
    room.refresh_from_db()
    assert room.pinned_seq is None


@pytest.mark.parametrize("seq", [999, "1", True])
def test_pinning_what_is_not_a_chat_message_is_refused_and_changes_nothing(room, alice, seq):
    last_seq = LiveSession.objects.get(pk=room.pk).last_seq  # 1: "session.started"
    with pytest.raises(ValidationError):
        services.chat_pin(session=room, user=alice.user, seq=seq)
    with pytest.raises(ValidationError):  # the system line is not a chat message
        services.chat_pin(session=room, user=alice.user, seq=last_seq)
    assert LiveSession.objects.get(pk=room.pk).last_seq == last_seq


# --- the page follows the session -----------------------------------------------------


def test_the_host_page_has_both_buttons_and_shows_the_one_the_state_needs(
    client, alice, alice_channel
):
    session = LiveSessionFactory(channel=alice_channel)
    client.force_login(alice.user)
    page = client.get(f"/live/{session.pk}/").content.decode()
    assert 'id="host-go-live">' in page and 'id="host-end" hidden>' in page
    services.session_start(session=session, user=alice.user)
    page = client.get(f"/live/{session.pk}/").content.decode()
    assert 'id="host-go-live" hidden>' in page and 'id="host-end">' in page
    assert 'data-testid="host-console"' in page


def test_the_host_console_starts_from_the_sessions_tips_and_open_questions(
    client, room, alice, bob
):
    tip(room, bob, 1200, "a")
    services.question_ask(session=room, user=bob, text="What about asyncio.TaskGroup?")
    client.force_login(alice.user)
    response = client.get(f"/live/{room.pk}/")
    assert room_config(response)["tip_totals"] == {"CNY": 1200}
    assert response.context["open_questions"] == 1
    # A viewer's page carries no console figures.
    client.force_login(bob)
    assert room_config(client.get(f"/live/{room.pk}/"))["tip_totals"] == {}


# --- the tip leaderboard ---------------------------------------------------------------


def test_leaderboard_ranks_tippers_by_total_and_leaves_out_anonymous_ones(
    client, room, alice_channel, bob, dora
):
    carol = UserFactory(email="carol@example.com", display_name="Carol")
    tip(room, bob, 500, "b1")
    tip(room, bob, 700, "b2")
    tip(room, dora, 1000, "d1")
    tip(room, carol, 5000, "c1")
    services.leaderboard_opt_out_set(user=carol, hidden=True)
    leaders = console_selectors.tip_leaderboard(session=room)
    assert [(row["name"], row["total"], row["tips"]) for row in leaders] == [
        ("Bob", 1200, 2),
        ("Dora", 1000, 1),
    ]
    # The channel's board adds its other sessions, not other channels' tips.
    later = services.session_start(
        session=LiveSessionFactory(channel=alice_channel), user=alice_channel.creator.user
    )
    tip(later, dora, 900, "d2")
    elsewhere = ChannelFactory(title="Elsewhere")
    other = services.session_start(
        session=LiveSessionFactory(channel=elsewhere), user=elsewhere.creator.user
    )
    tip(other, bob, 9000, "b3")
    channel_board = console_selectors.tip_leaderboard(channel=alice_channel)
    assert [(row["name"], row["total"]) for row in channel_board] == [("Dora", 1900), ("Bob", 1200)]
    page = client.get(f"/c/{alice_channel.slug}/").content.decode()
    assert 'data-testid="channel-tip-leaders"' in page and "Carol" not in page
    assert client.get(f"/live/{room.pk}/leaderboard/").json()["leaders"][0]["name"] == "Bob"


def test_a_tipper_stays_anonymous_from_the_room_page_and_can_come_back(client, room, bob):
    tip(room, bob, 500, "b1")
    client.force_login(bob)
    response = client.post(
        "/live/tips/anonymous/", {"hidden": "1", "next": f"/live/{room.pk}/"}, follow=True
    )
    assert "You stay anonymous" in response.content.decode()
    assert console_selectors.tip_leaderboard(session=room) == []
    client.post("/live/tips/anonymous/", {"hidden": "0", "next": "https://evil.example/"})
    assert [row["name"] for row in console_selectors.tip_leaderboard(session=room)] == ["Bob"]


def test_the_leaderboard_of_a_hidden_session_is_404_to_outsiders(client, alice, bob):
    draft = ChannelFactory(creator=alice, status="draft")
    session = LiveSessionFactory(channel=draft)
    client.force_login(bob)
    assert client.get(f"/live/{session.pk}/leaderboard/").status_code == 404
