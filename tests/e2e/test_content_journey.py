"""A creator writes a paid lesson with an image and a PDF, previews and schedules it;
once the publishing job has run, a subscriber of the channel's tier reads it whole and a
visitor sees the preview only."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from content.models import Lesson, Status
from content.services import content_publish_due
from tests.content.helpers import give_subscription
from tests.factories import (
    ChannelFactory,
    CourseFactory,
    CreatorFactory,
    TierFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _page_as(browser, base, user, request):
    client = Client()
    client.force_login(user)
    # Warm up in-process (the live server shares it): the first request imports the
    # whole site, which on a loaded machine can outlast the browser's timeout.
    client.get("/studio/")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    request.addfinalizer(context.close)
    return context.new_page()


def test_creator_writes_schedules_and_learners_read_behind_the_paywall(
    browser, live_server, request, tmp_path, settings, screenshot
):
    settings.MEDIA_ROOT = str(tmp_path / "public")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public")},
        },
        "content_private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    base = live_server.url
    alice = CreatorFactory(user__email="alice@example.com", display_name="Alice")
    channel = ChannelFactory(creator=alice, title="Alice's Lab", slug="alice-lab")
    course = CourseFactory(channel=channel, title="Async Python", slug="async-python")
    members = TierFactory(channel=channel, name="Members")
    bob = UserFactory(email="bob@example.com")
    give_subscription(bob, members)

    # --- the creator writes a lesson --------------------------------------------------
    page = _page_as(browser, base, alice.user, request)
    page.goto(f"{base}/studio/")
    page.get_by_test_id("studio-content").click()
    page.get_by_test_id(f"new-lesson-{course.slug}").click()
    page.fill("#id_title", "Event loops")
    page.fill("#id_body", "Free intro.\n\n<!-- more -->\n\nPaid secret part.")
    page.select_option("#id_access", "subscribers")
    page.select_option("#id_required_tier", str(members.pk))
    page.get_by_test_id("save").click()
    expect(page.locator(".messages")).to_contain_text("Saved as a draft.")

    # --- uploads an image and a PDF ---------------------------------------------------------
    png = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 120, 200)).save(png, format="PNG")
    page.select_option("select[name=kind]", "image")
    page.set_input_files(
        "input[name=file]",
        {"name": "diagram.png", "mimeType": "image/png", "buffer": png.getvalue()},
    )
    page.get_by_test_id("upload").click()
    expect(page.locator(".messages")).to_contain_text("Image uploaded")
    image_markdown = page.locator("[data-testid=asset] code").first.inner_text()
    page.select_option("select[name=kind]", "attachment")
    page.set_input_files(
        "input[name=file]", {"name": "slides.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_test_id("upload").click()
    expect(page.locator(".messages")).to_contain_text("Attachment uploaded: slides.pdf")

    # --- puts the image in the body, previews live, saves ----------------------------------
    page.fill("#id_body", f"Free intro.\n\n{image_markdown}\n\n<!-- more -->\n\nPaid secret part.")
    page.get_by_test_id("preview-button").click()
    expect(page.get_by_test_id("preview-free")).to_contain_text("Free intro.")
    expect(page.get_by_test_id("preview-free").locator("img")).to_have_count(1)
    # The marker ends the preview (the textarea sends CRLF lines) and is not shown.
    expect(page.get_by_test_id("preview-free")).not_to_contain_text("more -->")
    expect(page.get_by_test_id("preview-free")).not_to_contain_text("Paid secret part.")
    expect(page.get_by_test_id("preview-paid")).to_contain_text("Paid secret part.")
    screenshot(page, "content-01-editor-preview")
    page.get_by_test_id("save").click()
    expect(page.locator(".messages")).to_contain_text("Saved.")

    page.get_by_test_id("learner-view").click()
    expect(page.get_by_test_id("learner-body")).to_contain_text("Free intro.")
    expect(page.get_by_test_id("learner-body")).not_to_contain_text("Paid secret part.")
    expect(page.get_by_test_id("paywall")).to_be_visible()
    page.go_back()

    # --- schedules it ----------------------------------------------------------------------
    at = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#id_publish_at", at)
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_have_text("Scheduled")
    lesson = Lesson.objects.get(title="Event loops")
    visitor = browser.new_context(locale="en-US")
    request.addfinalizer(visitor.close)
    anonymous = visitor.new_page()
    assert anonymous.goto(base + lesson.get_absolute_url()).status == 404

    # --- the publishing job runs once its time has come ---------------------------------
    assert content_publish_due(now=timezone.now() + timedelta(hours=3)) == 1
    assert content_publish_due(now=timezone.now() + timedelta(hours=3)) == 0
    lesson.refresh_from_db()
    assert lesson.status == Status.PUBLISHED

    # --- the subscriber reads it all and gets the PDF --------------------------------
    learner = _page_as(browser, base, bob, request)
    learner.goto(base + course.get_absolute_url())
    learner.get_by_role("link", name="Event loops").click()
    body = learner.get_by_test_id("lesson-body")
    expect(body).to_contain_text("Paid secret part.")
    expect(body.locator("img")).to_have_count(1)
    with learner.expect_download() as download:
        learner.get_by_test_id("attachment").click()
    assert download.value.suggested_filename == "slides.pdf"
    learner.get_by_test_id("mark-done").click()
    expect(learner.get_by_test_id("lesson-progress")).to_contain_text("1 of 1 done")
    screenshot(learner, "content-02-subscriber")

    # --- a visitor sees the preview and the prompt, not the rest or the file ---------------
    anonymous.goto(base + lesson.get_absolute_url())
    expect(anonymous.get_by_test_id("lesson-body")).to_contain_text("Free intro.")
    expect(anonymous.get_by_test_id("lesson-body")).not_to_contain_text("Paid secret part.")
    expect(anonymous.get_by_test_id("paywall")).to_be_visible()
    expect(anonymous.get_by_test_id("attachment")).to_have_count(0)
    screenshot(anonymous, "content-03-visitor")


def test_a_learner_comes_back_to_where_they_stopped_reading(browser, live_server, request):
    from content import services

    alice = CreatorFactory(user__email="alice@example.com", display_name="Alice")
    course = CourseFactory(channel=ChannelFactory(creator=alice), title="Long read")
    words = [
        "event",
        "loop",
        "task",
        "future",
        "coroutine",
        "await",
        "socket",
        "timer",
        "queue",
        "callback",
    ]
    body = "\n\n".join(
        f"Paragraph {n}: " + " ".join(words[(n * k) % 10] + str(k) for k in range(60))
        for n in range(80)
    )
    lesson = services.item_publish(
        user=alice.user,
        item=services.lesson_create(user=alice.user, course=course, title="Long", body=body),
    )
    bob = UserFactory(email="bob@example.com")
    page = _page_as(browser, live_server.url, bob, request)
    page.goto(live_server.url + lesson.get_absolute_url())
    page.evaluate("window.scrollTo(0, (document.documentElement.scrollHeight - innerHeight) / 2)")
    page.goto(live_server.url + course.get_absolute_url())  # leaving sends the position
    from content.models import LessonProgress

    def saved():
        row = LessonProgress.objects.filter(user=bob, lesson=lesson).first()
        return row.scroll_position if row else 0

    page.wait_for_timeout(500)
    for _ in range(20):
        if saved():
            break
        page.wait_for_timeout(250)
    assert 45 <= saved() <= 55
    page.goto(live_server.url + lesson.get_absolute_url())
    page.wait_for_function("window.scrollY > 0")
    ratio = page.evaluate("window.scrollY / (document.documentElement.scrollHeight - innerHeight)")
    assert 0.4 < ratio < 0.6
