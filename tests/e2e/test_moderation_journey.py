"""A new creator's course waits for a moderator, who approves it in the real admin."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from marketplace.models import Course
from moderation.permissions import MODERATORS_GROUP
from tests.factories import PASSWORD, CategoryFactory, ChannelFactory, CreatorFactory, UserFactory

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
