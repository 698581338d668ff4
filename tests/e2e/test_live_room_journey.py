"""A live room in a real browser, over a real ASGI server and the run's channel layer:
the host goes live; two learners, each in their own browser context, chat, ask and
upvote; the host marks the question answered; everyone sees each step without a reload.
"""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_host_goes_live_learners_chat_ask_upvote_and_see_the_answer(
    live_room,
    alice,
    screenshot,  # noqa: F811
):
    with live_room("Async Python, live Q&A") as room:
        base, room_path = room.base, room.path
        host = room.page(alice.user)
        learner_b = room.page(room.bob)
        learner_d = room.page(room.dora)

        # Learners wait in the room before it starts.
        for page in (learner_b, learner_d):
            page.goto(base + room_path)
            expect(page.get_by_test_id("room-status")).to_have_text("Scheduled")
            expect(page.get_by_test_id("connection")).to_have_text("connected")
            expect(page.get_by_test_id("video-state")).to_have_text(
                "Waiting for the host to go live."
            )
            # Nothing to pay for before the host is live.
            expect(page.get_by_test_id("priority-box")).to_be_hidden()

        # --- the host goes live; the learners see it without reloading --------------
        host.goto(base + room_path)
        host.get_by_test_id("go-live").click()
        expect(host.get_by_test_id("room-status")).to_have_text("Live")
        for page in (learner_b, learner_d):
            expect(page.get_by_test_id("room-status")).to_have_text("Live")
            expect(page.get_by_test_id("video-state")).to_have_text("The host is live.")
            expect(page.get_by_test_id("chat-log")).to_contain_text("The session has started.")
            # The paid priority question appears on the open page, no reload.
            expect(page.get_by_test_id("priority-box")).to_be_visible()
        expect(host.get_by_test_id("priority-box")).to_have_count(0)

        # --- chat ----------------------------------------------------------------------
        learner_b.get_by_test_id("chat-input").fill("Hello from Bob! 你好")
        learner_b.get_by_test_id("chat-send").click()
        for page in (learner_d, host, learner_b):
            expect(page.get_by_test_id("chat-log")).to_contain_text("Bob Hello from Bob! 你好")
        learner_d.get_by_test_id("chat-input").fill("Hi Bob, Dora here")
        learner_d.get_by_test_id("chat-send").click()
        expect(learner_b.get_by_test_id("chat-log")).to_contain_text("Dora Hi Bob, Dora here")

        # --- ask and upvote --------------------------------------------------------------
        learner_d.get_by_test_id("question-input").fill("How do I cancel a TaskGroup?")
        learner_d.get_by_test_id("question-send").click()
        question_on = {
            page: page.get_by_test_id("question-board").locator("li", has_text="TaskGroup")
            for page in (host, learner_b, learner_d)
        }
        for page, question in question_on.items():
            expect(question).to_be_visible()
            expect(question.get_by_test_id("votes")).to_have_text("0")
        # Dora cannot upvote her own question; Bob can, once.
        expect(question_on[learner_d].get_by_test_id("upvote")).to_have_count(0)
        question_on[learner_b].get_by_test_id("upvote").click()
        for question in question_on.values():
            expect(question.get_by_test_id("votes")).to_have_text("1")
        question_on[learner_b].get_by_test_id("upvote").click()
        expect(learner_b.get_by_test_id("room-error")).to_have_text(
            "You have already upvoted this question."
        )
        expect(question_on[host].get_by_test_id("votes")).to_have_text("1")
        screenshot(learner_b, "live-room-01-question-upvoted")

        # --- the host marks it answered; both learners see it ---------------------------
        question_on[host].get_by_test_id("answer").click()
        for page in (learner_b, learner_d):
            expect(question_on[page]).to_contain_text("Answered")
            expect(question_on[page].get_by_test_id("upvote")).to_have_count(0)
        screenshot(host, "live-room-02-host-answered")
        screenshot(learner_d, "live-room-03-learner-sees-answer")

        # --- the host turns slow mode on; the learners are told --------------------------
        expect(learner_b.get_by_test_id("room-notice")).to_be_hidden()
        host.get_by_test_id("slow-mode").select_option("30")
        for page in (learner_b, learner_d):
            expect(page.get_by_test_id("room-notice")).to_have_text(
                "Slow mode: one message every 30 seconds."
            )
        host.get_by_test_id("slow-mode").select_option("0")
        expect(learner_b.get_by_test_id("room-notice")).to_be_hidden()

        # --- presence counts the two learners and the host --------------------------------
        expect(learner_b.get_by_test_id("viewers")).to_have_text("3 watching")
