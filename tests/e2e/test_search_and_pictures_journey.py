"""In Chromium: a creator gives her course a cover picture (a wrong file first, refused
with the reason), and a learner finds the course from the header's search box, in
Chinese, sees the cover and the highlighted words, switches tabs without losing the
query, and gets a suggestion when nothing matches."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.test_payment_journey import _log_in
from tests.factories import ChannelFactory, CourseFactory, CreatorFactory, UserFactory

pytestmark = pytest.mark.e2e


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 400), (30, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def test_a_cover_uploaded_in_the_studio_shows_in_search_found_in_chinese(
    live_server, page, screenshot, media_in_tmp
):
    url = live_server.url
    zhang = CreatorFactory(display_name="张老师", user__email="zhang@example.com")
    channel = ChannelFactory(creator=zhang, title="张老师的AI课堂", slug="zhang-ai")
    course = CourseFactory(
        channel=channel, title="机器学习入门", slug="ml-intro", summary="从零开始学习机器学习"
    )
    CourseFactory(channel=channel, title="Cooking with Python", slug="cooking")

    # The creator: a text file named .png is refused with the reason; a photo is taken.
    _log_in(page, url, zhang.user)
    page.goto(url + f"/studio/courses/{course.slug}/")
    page.get_by_test_id("picture-change").click()
    page.set_input_files(
        "input[name='picture']",
        files=[{"name": "cover.png", "mimeType": "image/png", "buffer": b"not a picture"}],
    )
    page.get_by_test_id("picture-save").click()
    expect(page.locator(".errorlist")).to_contain_text("not a picture we accept")
    expect(page.get_by_test_id("picture-placeholder")).to_be_visible()
    page.set_input_files(
        "input[name='picture']",
        files=[{"name": "cover.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    page.get_by_test_id("picture-save").click()
    expect(page.get_by_text("Picture saved.")).to_be_visible()
    cover = page.get_by_test_id("picture")
    expect(cover).to_have_attribute("src", re.compile(r"/media/pictures/.+/card\.jpg$"))
    # The browser really loaded it (the picture is served, not a broken image).
    assert cover.evaluate("img => img.naturalWidth") == 480
    page.get_by_test_id("nav-logout").click()

    # A learner searches from the header, in Chinese.
    learner = UserFactory(email="mei@example.com")
    _log_in(page, url, learner)
    page.get_by_test_id("header-search").fill("机器学习 入门")
    page.get_by_test_id("header-search").press("Enter")
    group = page.get_by_test_id("search-group-courses")
    expect(group.get_by_test_id("search-hit")).to_have_count(1)
    hit = group.get_by_test_id("search-hit").first
    expect(hit.locator("mark").first).to_have_text("机器学习入门")
    expect(hit.locator("img.picture-thumb")).to_have_attribute("src", re.compile(r"/thumb\.jpg$"))
    expect(page.get_by_test_id("header-search")).to_have_value("机器学习 入门")
    screenshot(page, "search-chinese")

    page.get_by_test_id("search-tab-courses").click()
    expect(page).to_have_url(re.compile(r"kind=courses"))
    expect(page.get_by_test_id("search-page-input")).to_have_value("机器学习 入门")
    page.get_by_test_id("search-results").get_by_role("link", name="机器学习入门").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("机器学习入门")

    page.get_by_test_id("header-search").fill("量子编织")
    page.get_by_test_id("header-search").press("Enter")
    expect(page.get_by_test_id("search-empty")).to_contain_text("Nothing matches")
    page.get_by_test_id("search-empty").get_by_role("link", name="Browse the catalogue").click()
    expect(page).to_have_url(re.compile(r"/catalogue/$"))
