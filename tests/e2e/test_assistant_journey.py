"""The assistant in a real browser: the help widget answers a refund question with the
help article; a topic question answered live gets the replay chapter's link to the
moment; an unknown question is offered the matching expert with the price quote."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assistant import index
from assistant.models import HelpArticle
from assistant.services import indexing
from livestream.models import LiveSession, Recording, RoomQuestion
from marketplace.models import Tag
from qa import matching
from qa import services as qa_services
from tests.factories import CreatorFactory, LiveSessionFactory, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _synchronous_indexes(settings):
    settings.ASSISTANT_INDEX_BUILD_IN_BACKGROUND = False
    settings.ASSISTANT_INDEX_MIN_REBUILD_SECONDS = 0
    settings.QA_INDEX_MIN_REBUILD_SECONDS = 0
    settings.QA_INDEX_REBUILD_IN_BACKGROUND = False
    index.index_reset()
    matching.index_reset()
    yield
    index.index_reset()
    matching.index_reset()


def _page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_refund_question_in_the_help_widget_gets_the_help_article(live_server, browser, screenshot):
    # Saved like staff save it in the admin: the index hears it on commit.
    HelpArticle.objects.create(
        title="How refunds work",
        slug="refunds",
        topic=HelpArticle.Topic.REFUNDS,
        body="Unanswered paid questions are refunded at the deadline. For a ticket refund, "
        "open a support ticket within 14 days of the purchase.",
    )
    HelpArticle.objects.create(
        title="Resetting your password",
        slug="password",
        topic=HelpArticle.Topic.ACCOUNT,
        body="Use the forgotten-password link on the log-in page; the e-mail arrives at once.",
    )
    context, page = _page(browser)
    page.goto(live_server.url + "/")
    page.get_by_test_id("help-widget-open").click()
    page.get_by_test_id("assistant-input-help").fill("How do I get a refund for my ticket?")
    page.get_by_test_id("assistant-ask-help").click()
    reply = page.get_by_test_id("assistant-reply-help")
    expect(reply).to_contain_text("refund")
    link = reply.get_by_test_id("assistant-link").first
    expect(link).to_have_text("How refunds work")
    screenshot(page, "assistant-10-help-widget-refund")
    link.click()
    expect(page.get_by_test_id("help-article-title")).to_have_text("How refunds work")
    context.close()


def replay_with_a_chapter(question: str) -> LiveSession:
    """An ended session whose replay answered `question` 12.5 minutes in, indexed as
    the replay pipeline indexes it once the recording is ready."""
    session = LiveSessionFactory(title="Index funds, live Q&A", status=LiveSession.Status.ENDED)
    started = timezone.now() - timedelta(hours=2)
    Recording.objects.create(
        session=session, started_at=started, ended_at=started + timedelta(hours=1),
        key="rec/1.flv", duration=3600,
    )  # fmt: skip
    RoomQuestion.objects.create(
        session=session,
        author=UserFactory(email="ling@example.com"),
        text=question,
        status=RoomQuestion.Status.ANSWERED,
        answered_at=started + timedelta(minutes=12, seconds=30),
    )
    LiveSession.objects.filter(pk=session.pk).update(replay_status=LiveSession.Replay.READY)
    indexing.chapters_sync(session_id=session.pk)
    return session


def test_topic_question_answered_in_a_replay_gets_the_chapter_link(
    live_server, browser, screenshot
):
    session = replay_with_a_chapter("Should I rebalance my index fund portfolio every year?")

    context, page = _page(browser)
    page.goto(live_server.url + "/ask/?q=" + "how often to rebalance index funds portfolio")
    reply = page.get_by_test_id("assistant-reply-qa")
    link = reply.get_by_test_id("assistant-link").first
    expect(link).to_have_text("Should I rebalance my index fund portfolio every year?")
    expect(link).to_have_attribute("href", f"/live/{session.pk}/?t=750")
    screenshot(page, "assistant-20-replay-chapter")
    context.close()


def test_unknown_question_is_offered_the_expert_with_a_quote(live_server, browser, screenshot):
    profile = CreatorFactory(display_name="Dr. Wu", bio="Violin making and string setup.")
    profile.topics.add(Tag.objects.create(name="violin", slug="violin"))
    qa_services.expert_settings_update(
        user=profile.user, enabled=True, base_price=2000, currency="CNY", answer_hours=48
    )
    context, page = _page(browser)
    page.goto(live_server.url + "/ask/?q=" + "Which violin strings suit a baroque bow?")
    reply = page.get_by_test_id("assistant-reply-qa")
    expect(reply).to_contain_text("no good answer")
    expert = reply.get_by_test_id("assistant-next-expert")
    expect(expert).to_have_text("Ask Dr. Wu · ¥20.00")
    expect(expert).to_have_attribute("href", f"/ask/{profile.user.pk}/")
    screenshot(page, "assistant-30-expert-offer")
    context.close()
