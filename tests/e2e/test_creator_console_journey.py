"""The creator's live console in a real browser, over a real ASGI server and the
run's channel layer: the stream starts (as OBS would start it) and the host's page
turns "Go live" into "End" without a reload; viewers, the question queue and tips
update live; the host pins a chat message that a late joiner sees; a learner's tip
shows as an alert on the stream overlay open in a second, logged-out browser
context (as OBS's browser source is).
"""

import pytest
from playwright.sync_api import expect

from livestream import services
from livestream.models import OverlayKey
from payments import services as payment_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_creator_runs_the_console_pins_and_sees_a_tip_on_the_overlay(
    live_room,
    alice,
    alice_channel,
    screenshot,  # noqa: F811
):
    with live_room("Async Python, live console") as room:
        session, bob, dora = room.session, room.bob, room.dora
        payment_services.wallet_top_up_credit(
            user=bob, amount=10_000, currency="CNY", payment_intent_id="pi_bob"
        )
        base, room_path = room.base, room.path
        host = room.page(alice.user)
        learner = room.page(bob)

        # The host's console before the stream: "Go live", no "End".
        host.goto(base + room_path)
        expect(host.get_by_test_id("connection")).to_have_text("connected")
        expect(host.get_by_test_id("go-live")).to_be_visible()
        expect(host.get_by_test_id("end-session")).to_be_hidden()
        host.evaluate("window.__sameDocument = true")  # gone if the page reloads

        # The encoder starts (what nginx-rtmp's publish callback does): the console
        # follows without a reload.
        services.session_start(session=session, user=None)
        expect(host.get_by_test_id("end-session")).to_be_visible()
        expect(host.get_by_test_id("go-live")).to_be_hidden()
        expect(host.get_by_test_id("room-status")).to_have_text("Live")

        # The overlay, opened from the studio's link, in a context with no login.
        host.goto(base + f"/studio/channels/{alice_channel.slug}/overlay/")
        overlay_url = host.get_by_test_id("overlay-url").inner_text()
        assert OverlayKey.objects.get(channel=alice_channel).token in overlay_url
        overlay = room.page()
        overlay.goto(overlay_url)
        expect(overlay.get_by_test_id("overlay-alert")).to_be_hidden()
        host.goto(base + room_path)
        host.evaluate("window.__sameDocument = true")

        # A learner joins: the viewer count moves; a question reaches the queue.
        learner.goto(base + room_path)
        expect(host.get_by_test_id("console-viewers")).to_have_text("2")
        learner.get_by_test_id("question-input").fill("Will the slides be shared?")
        learner.get_by_test_id("question-send").click()
        expect(host.get_by_test_id("console-questions")).to_have_text("1")
        expect(overlay.get_by_test_id("overlay-questions")).to_contain_text(
            "Will the slides be shared?"
        )

        # The host pins the learner's chat message; a late joiner sees it pinned.
        learner.get_by_test_id("chat-input").fill("Slides: example.org/slides")
        learner.get_by_test_id("chat-send").click()
        line = host.get_by_test_id("chat-log").locator("li", has_text="example.org/slides")
        line.get_by_test_id("chat-pin").click()
        expect(learner.get_by_test_id("chat-pinned")).to_contain_text("Slides: example.org/slides")
        late = room.page(dora)
        late.goto(base + room_path)
        expect(late.get_by_test_id("chat-pinned")).to_contain_text("Slides: example.org/slides")
        screenshot(late, "console-01-late-joiner-sees-pin")

        # The learner tips: the overlay alerts, the console and the leaderboard follow.
        learner.locator(".tip-box summary").click()
        learner.get_by_test_id("tip-amount").fill("8.80")
        learner.get_by_test_id("tip-send").click()
        expect(overlay.get_by_test_id("overlay-alert")).to_contain_text("Bob tipped")
        expect(overlay.get_by_test_id("overlay-alert")).to_contain_text("8.80")
        screenshot(overlay, "console-02-overlay-tip-alert")
        expect(host.get_by_test_id("console-tips")).to_contain_text("8.80")
        expect(host.get_by_test_id("tip-leaders")).to_contain_text("Bob")
        assert host.evaluate("window.__sameDocument") is True  # no reload all along
        screenshot(host, "console-03-host-console")
