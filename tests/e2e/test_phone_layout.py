"""Every kind of page on a phone (390 x 844, touch), in Chromium: nothing is wider than
the screen, the header folds into a menu that opens and closes, and the live room
reads top to bottom for one thumb (video, then chat with its box, and the
questions a tab away).
A screenshot of each page goes to test-output/screenshots/phone-*.png."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import context_signed_in, save_screenshot

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}

# The elements wider than the screen (or reaching past its right edge), to say which
# part of a page overflows rather than only that it does.
OVERFLOW = """(width) => {
  const out = [];
  if (document.documentElement.scrollWidth <= width) return out;
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1) {
      const css = typeof el.className === "string" ? el.className.trim() : "";
      out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (css ? "." + css.split(/\\s+/).join(".") : "") + " right=" + Math.round(box.right));
    }
  }
  return out.slice(0, 8);
}"""


def phone_context(browser, base, user, request):
    return context_signed_in(
        browser, base, request, user,
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
    )  # fmt: skip


def test_every_page_type_fits_a_phone_screen(browser, live_server, request, page_types):
    base = live_server.url
    too_wide = {}
    for user, paths in page_types:
        page = phone_context(browser, base, user, request).new_page()
        role = "visitor" if user is None else user.email.split("@")[0]
        for path in paths:
            response = page.goto(base + path, wait_until="load")
            assert response is not None and response.status < 500, path
            page.wait_for_timeout(150)  # players and late scripts lay out after load
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > PHONE["width"]:
                too_wide[f"{role} {path}"] = (scroll_width, page.evaluate(OVERFLOW, 390))
            save_screenshot(page, f"phone-{role}{path}")
    assert too_wide == {}


def test_the_header_menu_opens_and_closes_on_a_phone(browser, live_server, request, bob):
    page = phone_context(browser, live_server.url, bob, request).new_page()
    page.goto(live_server.url + "/", wait_until="load")
    menu_button = page.get_by_role("button", name="Menu")
    library_link = page.get_by_test_id("nav-library")
    expect(library_link).to_be_hidden()
    expect(menu_button).to_have_attribute("aria-expanded", "false")

    menu_button.click()
    expect(library_link).to_be_visible()
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    save_screenshot(page, "phone-menu-open")
    library_link.click()
    expect(page).to_have_url(live_server.url + "/learning/")

    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_test_id("nav-library")).to_be_visible()
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_test_id("nav-library")).to_be_hidden()


def test_the_live_room_reads_top_to_bottom_for_one_thumb(
    browser, live_server, request, alice_channel, bob
):
    from tests.factories import LiveSessionFactory

    session = LiveSessionFactory(channel=alice_channel, title="A very long session title " * 4)
    page = phone_context(browser, live_server.url, bob, request).new_page()
    page.goto(live_server.url + session.get_absolute_url(), wait_until="load")
    video = page.locator(".room-video").bounding_box()
    chat = page.locator(".room-chat").bounding_box()
    chat_input = page.locator("#chat-input")
    assert video and chat
    # Video on top, the chat under it, full width; the questions wait behind their tab.
    assert video["y"] < chat["y"]
    assert chat["width"] > PHONE["width"] * 0.85
    expect(page.locator(".room-questions")).to_be_hidden()
    # The chat box is within one thumb's scroll of the video, and typing there does not
    # push the page sideways.
    chat_input.scroll_into_view_if_needed()
    box = chat_input.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["y"] - video["y"] < PHONE["height"] * 1.5
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    save_screenshot(page, "phone-live-room")

    # The Questions tab swaps the chat for the question board, in the same place.
    page.get_by_test_id("room-tab-questions").click()
    expect(page.locator(".room-chat")).to_be_hidden()
    expect(page.get_by_test_id("question-input")).to_be_visible()
    questions = page.locator(".room-questions").bounding_box()
    video_now = page.locator(".room-video").bounding_box()  # boxes move as the page scrolls
    assert questions and video_now
    assert abs((questions["y"] - video_now["y"]) - (chat["y"] - video["y"])) < 2
    page.get_by_test_id("room-tab-chat").click()
    expect(page.locator("#chat-input")).to_be_visible()
    expect(page.locator(".room-questions")).to_be_hidden()
