"""Held content waits for a moderator, who approves it in the real admin: a new creator's
course (the unverified-creator rule) and a learner's post (screening)."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from marketplace.models import Course
from moderation.permissions import MODERATORS_GROUP
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    ChannelFactory,
    CourseFactory,
    CreatorFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e

TITLE = "Kubernetes from zero"


def test_held_course_is_approved_by_a_moderator_in_the_admin_and_appears(
    live_server, page, screenshot, settings
):
    settings.MODERATION_REVIEW_UNVERIFIED_CREATORS = True
    url = live_server.url
    creator = CreatorFactory(user__email="lin@example.com", display_name="Lin")
    channel = ChannelFactory(creator=creator, title="Lin's Cloud Lab", slug="lin-cloud")
    moderator = UserFactory(email="mod@example.com", is_staff=True)
    moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    technology = CategoryFactory.get("technology")

    # --- an unverified creator publishes a course: it is held --------------------------
    page.goto(url + "/accounts/login/")
    page.fill("#id_login", "lin@example.com")
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="Sign In").click()
    expect(page.get_by_test_id("nav-profile")).to_be_visible()
    page.goto(url + "/studio/courses/new/")
    page.select_option("#id_channel", str(channel.pk))
    page.fill("#id_title", TITLE)
    page.fill("#id_summary", "Pods, services and deployments, step by step.")
    page.select_option("#id_category", str(technology.pk))
    page.fill("#id_price", "0")
    page.check("input[name=status][value=published]")
    page.locator("main form").get_by_role("button").last.click()
    page.wait_for_load_state("load")
    course = Course.objects.get(title=TITLE)
    assert course.hidden_by_moderation
    screenshot(page, "moderation-01-course-created")

    # --- the public does not see it ----------------------------------------------------
    page.goto(url + "/catalogue/?kind=courses&q=Kubernetes")
    expect(page.locator("main")).not_to_contain_text(TITLE)

    # --- a moderator approves it in the admin ------------------------------------------
    page.context.clear_cookies()
    page.goto(url + "/admin/login/")
    page.fill("#id_username", "mod@example.com")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(url + "/admin/moderation/reviewitem/")
    row = page.locator("#result_list tbody tr").filter(has_text=TITLE)
    expect(row).to_contain_text("not a verified expert")
    screenshot(page, "moderation-02-queue")
    row.locator("th a, td a").first.click()
    expect(page.get_by_test_id("review-content")).to_contain_text("Pods, services")
    screenshot(page, "moderation-03-review")
    page.get_by_test_id("review-approve").click()
    expect(page.locator(".messagelist")).to_contain_text("Approved")

    # --- and now everyone sees it --------------------------------------------------------
    page.context.clear_cookies()
    page.goto(url + "/catalogue/?kind=courses&q=Kubernetes")
    expect(page.locator("main")).to_contain_text(TITLE)
    page.goto(url + course.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    screenshot(page, "moderation-04-public")


def test_learner_post_held_by_screening_is_approved_in_the_admin_and_appears(
    live_server, browser, screenshot
):
    url = live_server.url
    creator = CreatorFactory(user__email="alice@example.com", display_name="Alice")
    channel = ChannelFactory(creator=creator, title="Alice's Python Lab", slug="alice-lab")
    course = CourseFactory(channel=channel, title="Python basics", slug="python-basics",
                           price_amount=0)  # fmt: skip
    UserFactory(email="bob@example.com", display_name="Bob")
    moderator = UserFactory(email="mod@example.com", is_staff=True)
    moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    title = "Study group for the exercises"
    body = "Add me on WeChat: bob_study_2026 and we can go through chapter 3 together."

    def new_page():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        context.set_default_timeout(10_000)
        return context, context.new_page()

    bob_context, bob = new_page()
    visitor_context, visitor = new_page()
    mod_context, mod = new_page()
    try:
        # --- a learner posts a thread with contact details: screening holds it -----------
        bob.goto(url + "/accounts/login/")
        bob.fill("#id_login", "bob@example.com")
        bob.fill("#id_password", PASSWORD)
        bob.locator("main").get_by_role("button", name="Sign In").click()
        expect(bob.get_by_test_id("nav-profile")).to_be_visible()
        bob.goto(url + course.get_absolute_url())
        bob.fill("#thread-title", title)
        bob.fill("#thread-body", body)
        bob.get_by_test_id("thread-submit").click()
        expect(bob.locator(".messages")).to_contain_text("A moderator will look at this")
        expect(bob.get_by_test_id("waiting-review")).to_be_visible()
        screenshot(bob, "moderation-05-post-held")

        # --- nobody else sees it yet ------------------------------------------------------
        visitor.goto(url + course.get_absolute_url())
        expect(visitor.get_by_test_id("discussion-area")).not_to_contain_text(title)
        thread_url = bob.url
        assert visitor.goto(thread_url).status == 404

        # --- a moderator finds it in the queue with its reason and approves it -----------
        mod.goto(url + "/admin/login/")
        mod.fill("#id_username", "mod@example.com")
        mod.fill("#id_password", PASSWORD)
        mod.get_by_role("button", name="Log in").click()
        mod.goto(url + "/admin/moderation/reviewitem/")
        row = mod.locator("#result_list tbody tr").filter(has_text="contact details")
        expect(row).to_have_count(1)
        row.locator("th a, td a").first.click()
        expect(mod.get_by_test_id("review-content")).to_contain_text("bob_study_2026")
        screenshot(mod, "moderation-06-post-review")
        mod.get_by_test_id("review-approve").click()
        expect(mod.locator(".messagelist")).to_contain_text("Approved")

        # --- now it appears to everyone ---------------------------------------------------
        visitor.goto(url + course.get_absolute_url())
        expect(visitor.get_by_test_id("discussion-area")).to_contain_text(title)
        visitor.get_by_test_id("thread-link").filter(has_text=title).click()
        expect(visitor.get_by_test_id("thread-body")).to_contain_text("chapter 3")
        expect(visitor.get_by_test_id("waiting-review")).to_have_count(0)
        screenshot(visitor, "moderation-07-post-public")
    finally:
        for context in (bob_context, visitor_context, mod_context):
            context.close()
