"""A new learner in a real browser: picks two topics, sees them first in "For you",
marks one item "not interested": it disappears and its siblings go down."""

import pytest
from playwright.sync_api import expect

from tests.factories import (
    PASSWORD,
    CategoryFactory,
    ChannelFactory,
    CourseFactory,
    CreatorFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e


def _categories_shown(page):
    items = page.get_by_test_id("recommend-for_you").locator("li.recommendation")
    return [items.nth(i).get_attribute("data-category") for i in range(items.count())]


def test_new_learner_picks_topics_and_tunes_for_you(live_server, browser, screenshot):
    url = live_server.url
    shelves = {}
    for slug in ("technology", "finance", "health", "arts"):
        category = CategoryFactory.get(slug)
        channel = ChannelFactory(creator=CreatorFactory(), category=category, title=f"{slug} hub")
        shelves[slug] = [
            CourseFactory(channel=channel, category=category, title=f"{slug} course {n}")
            for n in range(3)
        ]
    learner = UserFactory(email="newbie@example.com", display_name="Newbie")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    try:
        page.goto(url + "/accounts/login/")
        page.fill("input[name='login']", learner.email)
        page.fill("input[name='password']", PASSWORD)
        page.locator("main").get_by_role("button", name="Sign In").click()
        expect(page.get_by_test_id("nav-logout")).to_be_visible()

        # --- onboarding: the home page offers the picker; two topics are chosen --------
        page.goto(url + "/")
        page.get_by_test_id("pick-topics").click()
        tech, health = CategoryFactory.get("technology"), CategoryFactory.get("health")
        page.get_by_test_id(f"pick-{tech.pk}").check()
        page.get_by_test_id(f"pick-{health.pk}").check()
        screenshot(page, "interests-01-picker")
        page.get_by_test_id("topics-save").click()

        # --- "For you" starts with the two topics, and says why --------------------------
        row = page.get_by_test_id("recommend-for_you")
        expect(row).to_be_visible()
        expect(page.get_by_test_id("topic-picker-prompt")).to_have_count(0)
        shown = _categories_shown(page)
        chosen = {str(tech.pk), str(health.pk)}
        assert set(shown[:6]) <= chosen, shown
        expect(row.get_by_test_id("reason").first).to_contain_text("Because you follow")
        screenshot(page, "interests-02-for-you")

        # --- "not interested" in a technology item: gone, technology goes down ---------
        first_tech = row.locator(f"li.recommendation[data-category='{tech.pk}']").first
        hidden_key = first_tech.get_attribute("data-item")
        first_tech.get_by_test_id("not-interested").click()
        expect(page.locator(f"li.recommendation[data-item='{hidden_key}']")).to_have_count(0)
        shown = _categories_shown(page)
        assert str(tech.pk) in shown, shown  # siblings still there ...
        last_health = max(i for i, c in enumerate(shown) if c == str(health.pk))
        assert shown.index(str(tech.pk)) > last_health, shown  # ... but below health
        screenshot(page, "interests-03-not-interested")

        # --- "Your interests" shows the choices and can reset them ------------------------
        page.get_by_test_id("your-interests").click()
        expect(page.get_by_test_id(f"interest-{tech.pk}")).to_have_attribute(
            "data-choice", "follow"
        )
        page.get_by_test_id("reset-all").click()
        expect(page.get_by_test_id(f"interest-{tech.pk}")).to_have_attribute("data-choice", "")
    finally:
        context.close()
