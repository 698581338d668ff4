"""A channel's stream overlay for OBS: a secret URL without login, tip alerts with
display names only, the top questions, chat when asked for, and rotation."""

import pytest

from livestream import services
from livestream.models import OverlayKey
from payments import services as payment_services
from tests.factories import LiveSessionFactory, UserFactory


@pytest.fixture
def room(alice_channel):
    session = LiveSessionFactory(channel=alice_channel, title="Async Python, live")
    return services.session_start(session=session, user=alice_channel.creator.user)


@pytest.fixture
def overlay_url(client, alice, alice_channel):
    client.force_login(alice.user)
    page = client.get(f"/studio/channels/{alice_channel.slug}/overlay/")
    assert page.status_code == 200
    client.logout()  # OBS has no session
    token = OverlayKey.objects.get(channel=alice_channel).token
    assert f"/overlay/{token}/" in page.content.decode()
    return f"/overlay/{token}/"


def tip(session, user, amount, key, message=""):
    payment_services.wallet_top_up_credit(
        user=user, amount=amount, currency="CNY", payment_intent_id=f"pi-{key}"
    )
    services.room_tip(
        session=session, user=user, amount=amount, currency="CNY", client_key=f"tip-key-{key}",
        message=message,
    )  # fmt: skip


def test_the_overlay_page_needs_no_login_and_is_transparent(client, overlay_url):
    response = client.get(overlay_url)
    assert response.status_code == 200
    assert 'class="overlay"' in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"


def test_new_tips_show_with_display_names_only(client, room, overlay_url, bob):
    first = client.get(overlay_url + "feed/").json()  # opened before the tips
    assert first["session"] == room.pk and first["alerts"] == []
    nameless = UserFactory(email="secret.person@example.com", display_name="")
    shy = UserFactory(email="shy@example.com", display_name="Shy")
    services.leaderboard_opt_out_set(user=shy, hidden=True)
    tip(room, bob, 1000, "b", message="Great talk")
    tip(room, nameless, 500, "n")
    tip(room, shy, 300, "s")
    feed = client.get(
        overlay_url + "feed/", {"session": first["session"], "after": first["last_seq"]}
    ).json()
    assert [(a["name"], a["amount"], a["message"]) for a in feed["alerts"]] == [
        ("Bob", 1000, "Great talk"),
        ("Anonymous", 500, ""),
        ("Anonymous", 300, ""),
    ]
    text = str(feed)
    assert "secret.person" not in text and "example.com" not in text and "'id'" not in text
    # Polling on from the new position shows nothing twice.
    again = client.get(
        overlay_url + "feed/", {"session": feed["session"], "after": feed["last_seq"]}
    ).json()
    assert again["alerts"] == []


def test_a_first_poll_does_not_replay_tips_made_before(client, room, overlay_url, bob):
    tip(room, bob, 1000, "b")
    assert client.get(overlay_url + "feed/").json()["alerts"] == []


def test_the_overlay_shows_top_questions_and_chat_only_when_asked(client, room, overlay_url, bob):
    services.question_ask(session=room, user=bob, text="Will there be a replay?")
    services.chat_post(session=room, user=bob, text="hello from chat")
    without_chat = client.get(overlay_url + "feed/").json()
    assert without_chat["questions"] == [
        {"text": "Will there be a replay?", "name": "Bob", "votes": 0}
    ]
    assert without_chat["chat"] == []
    with_chat = client.get(overlay_url + "feed/", {"chat": "1"}).json()
    assert [(line["name"], line["text"]) for line in with_chat["chat"]] == [
        ("Bob", "hello from chat")
    ]


def test_rotating_the_url_kills_the_old_one(client, alice, alice_channel, overlay_url):
    client.force_login(alice.user)
    client.post(f"/studio/channels/{alice_channel.slug}/overlay/")
    client.logout()
    assert client.get(overlay_url).status_code == 404
    assert client.get(overlay_url + "feed/").status_code == 404
    token = OverlayKey.objects.get(channel=alice_channel).token
    assert client.get(f"/overlay/{token}/").status_code == 200


def test_bad_feed_parameters_are_explained(client, overlay_url):
    response = client.get(overlay_url + "feed/", {"after": "lots"})
    assert response.status_code == 400
    assert "whole numbers" in response.json()["error"]


def test_another_creators_overlay_settings_are_404(client, charlie, alice_channel):
    client.force_login(charlie.user)
    assert client.get(f"/studio/channels/{alice_channel.slug}/overlay/").status_code == 404
    assert client.post(f"/studio/channels/{alice_channel.slug}/overlay/").status_code == 404
    assert not OverlayKey.objects.exists()
