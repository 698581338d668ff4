"""The assistant in a live room, in a real browser over the real ASGI server: a
learner's question the site's knowledge already answers gets the answer privately at
once (the host's board never sees it); a question it cannot answer goes to the board;
"still ask the host" sends an answered one there too."""

import pytest
from playwright.sync_api import expect

from livestream.models import RoomQuestion
from tests import asgi_servers
from tests.asgi_servers import uvicorn_server
from tests.e2e.conftest import context_signed_in
from tests.e2e.test_assistant_journey import replay_with_a_chapter
from tests.factories import LiveSessionFactory, UserFactory

static_root = asgi_servers.static_root  # a fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_question_the_site_answers_is_answered_privately_others_go_to_the_board(
    chromium,
    static_root,
    alice,
    alice_channel,
    request,
    screenshot,  # noqa: F811
):
    replay = replay_with_a_chapter("Should I rebalance my index fund portfolio every year?")
    session = LiveSessionFactory(channel=alice_channel, title="Investing basics, live")
    bob = UserFactory(email="bob@example.com", display_name="Bob")
    room_path = f"/live/{session.pk}/"
    env = {"ASSISTANT_INDEX_BUILD_IN_BACKGROUND": "0", "ASSISTANT_INDEX_MIN_REBUILD_SECONDS": "0"}

    with uvicorn_server(static_root, env_extra=env) as port:
        base = f"http://127.0.0.1:{port}"
        host = context_signed_in(chromium, base, request, alice.user).new_page()
        learner = context_signed_in(chromium, base, request, bob).new_page()
        host.goto(base + room_path)
        host.get_by_test_id("go-live").click()
        expect(host.get_by_test_id("room-status")).to_have_text("Live")
        learner.goto(base + room_path)
        expect(learner.get_by_test_id("connection")).to_have_text("connected")
        board = {page: page.get_by_test_id("question-board") for page in (host, learner)}

        # Answered by the site: privately, with the link to the replay's moment.
        learner.get_by_test_id("question-input").fill("How often should I rebalance index funds?")
        learner.get_by_test_id("question-send").click()
        private = learner.get_by_test_id("assistant-live-answer")
        expect(private).to_be_visible()
        expect(private).to_contain_text("only you see this")
        link = private.get_by_test_id("assistant-link").first
        expect(link).to_have_text("Should I rebalance my index fund portfolio every year?")
        expect(link).to_have_attribute("href", f"/live/{replay.pk}/?t=750")
        screenshot(learner, "live-room-assistant-10-private-answer")

        # Not answered by the site: straight to the host's board.
        learner.get_by_test_id("question-input").fill("Which violin strings suit a baroque bow?")
        learner.get_by_test_id("question-send").click()
        for page in (host, learner):
            expect(board[page].locator("li", has_text="violin strings")).to_be_visible()
        # The privately answered question never reached the board.
        expect(board[host]).not_to_contain_text("rebalance")
        assert not RoomQuestion.objects.filter(session=session, text__contains="rebalance").exists()

        # The learner may still put an answered question to the host.
        learner.get_by_test_id("question-input").fill("How often should I rebalance index funds?")
        learner.get_by_test_id("question-send").click()
        learner.get_by_test_id("assistant-ask-host").click()
        expect(private).to_be_hidden()
        expect(board[host].locator("li", has_text="rebalance index funds")).to_be_visible()
        screenshot(host, "live-room-assistant-20-board")
