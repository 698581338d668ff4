"""Learner progress: mark done, resume, the bar on course and lesson pages, the API."""

from django.urls import reverse

from content import services
from content.models import LessonProgress
from tests.content.helpers import give_ticket


def _course_with_lessons(alice, course, n=3):
    section = services.section_create(user=alice.user, course=course, title="Basics")
    lessons = []
    for i in range(n):
        lesson = services.lesson_create(
            user=alice.user, course=course, title=f"Lesson {i + 1}", body="x", section=section
        )
        lessons.append(services.item_publish(user=alice.user, item=lesson))
    return lessons


def test_mark_done_moves_the_bar_and_goes_to_the_next_lesson(client, alice, course, bob):
    lessons = _course_with_lessons(alice, course)
    give_ticket(bob, course)
    client.force_login(bob)
    html = client.get(lessons[0].get_absolute_url()).content.decode()
    assert "0 of 3 done" in html and 'data-testid="next"' in html

    response = client.post(reverse("content:lesson_mark_done", args=[lessons[0].pk]), {"next": "1"})
    assert response.url == lessons[1].get_absolute_url()
    course_html = client.get(course.get_absolute_url()).content.decode()
    assert "1 of 3 lessons done (33%)" in course_html
    assert 'data-testid="resume"' in course_html


def test_locked_lessons_show_a_lock_for_outsiders(client, alice, course, dave):
    _course_with_lessons(alice, course, n=1)
    client.force_login(dave)
    assert 'data-testid="locked"' not in client.get(course.get_absolute_url()).content.decode()
    services.item_update(user=alice.user, item=course.lessons.get(), access="ticket")
    assert 'data-testid="locked"' in client.get(course.get_absolute_url()).content.decode()


def test_progress_api_and_resume(client, alice, course, bob):
    lessons = _course_with_lessons(alice, course)
    give_ticket(bob, course)
    client.force_login(bob)
    client.get(lessons[1].get_absolute_url())
    response = client.post(
        reverse("api_content_done", args=[lessons[1].pk]),
        {"done": True, "scroll_position": 40},
        content_type="application/json",
    )
    assert response.status_code == 200
    data = client.get(reverse("api_content_progress", args=[course.slug])).json()
    assert data["done"] == [lessons[1].pk] and data["percent"] == 33
    assert data["resume_lesson"] == lessons[1].pk
    assert LessonProgress.objects.get(user=bob, lesson=lessons[1]).scroll_position == 40


def test_progress_needs_login_and_access(client, paid_lesson, dave):
    url = reverse("api_content_done", args=[paid_lesson.pk])
    assert client.post(url, {}, content_type="application/json").status_code in (401, 403)
    client.force_login(dave)
    response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 403
    assert not LessonProgress.objects.filter(done_at__isnull=False).exists()


def test_the_done_button_refuses_a_learner_without_access(client, paid_lesson, dave):
    client.force_login(dave)
    response = client.post(reverse("content:lesson_mark_done", args=[paid_lesson.pk]), follow=True)
    assert "You cannot mark a lesson you have no access to." in response.content.decode()
    assert not LessonProgress.objects.filter(user=dave, done_at__isnull=False).exists()


def test_api_schema_lists_the_content_endpoints(client):
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/content/lessons/", "/api/v1/content/progress/{slug}/"):
        assert path in schema


def test_course_outline_queries_do_not_grow_with_lessons(client, alice, course, bob):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    give_ticket(bob, course)
    client.force_login(bob)
    _course_with_lessons(alice, course, n=2)
    client.get(course.get_absolute_url())  # warm: session, caches
    with CaptureQueriesContext(connection) as few:
        client.get(course.get_absolute_url())
    for i in range(4):
        lesson = services.lesson_create(user=alice.user, course=course, title=f"More {i}", body="x")
        services.item_publish(user=alice.user, item=lesson)
    with CaptureQueriesContext(connection) as many:
        html = client.get(course.get_absolute_url()).content.decode()
    assert html.count('data-testid="lesson-item"') == 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_lesson_pages_link_neighbours_across_sections_in_outline_order(client, alice, course, bob):
    from content import selectors

    intro = services.item_publish(
        user=alice.user,
        item=services.lesson_create(user=alice.user, course=course, title="Intro", body="x"),
    )
    later = services.section_create(user=alice.user, course=course, title="Advanced")
    advanced = services.item_publish(
        user=alice.user,
        item=services.lesson_create(
            user=alice.user, course=course, title="Deep dive", body="x", section=later
        ),
    )
    basics = _course_with_lessons(alice, course, n=2)  # a section made after "Advanced"
    order = [intro, advanced, *basics]
    outline = selectors.course_outline(course=course, user=bob)
    for i, lesson in enumerate(order):
        expected = selectors.lesson_neighbours(lesson=lesson, user=bob)
        assert selectors.outline_neighbours(outline=outline, lesson=lesson) == expected
        following = order[i + 1] if i + 1 < len(order) else None
        assert expected == (order[i - 1] if i else None, following)
    give_ticket(bob, course)
    client.force_login(bob)
    html = client.get(advanced.get_absolute_url()).content.decode()
    assert intro.get_absolute_url() in html and basics[0].get_absolute_url() in html


def test_a_repeat_lesson_view_reads_the_outline_once(
    client, alice, course, bob, django_assert_num_queries
):
    lessons = _course_with_lessons(alice, course, n=5)
    give_ticket(bob, course)
    client.force_login(bob)
    client.get(lessons[1].get_absolute_url())
    # session, user, lesson; the outline's lessons, sections and progress (once, shared
    # by the progress bar, neighbours and sidebar); the progress UPDATE; attachments;
    # tiers for the paywall
    with django_assert_num_queries(9):
        html = client.get(lessons[1].get_absolute_url()).content.decode()
    assert "0 of 5 done" in html and 'data-testid="next"' in html
    assert 'data-testid="report-link"' in html  # a reader may report it (no extra query)


def test_the_page_reports_and_restores_the_reading_position(client, paid_lesson, bob, dave):
    give_ticket(bob, paid_lesson.course)
    url = reverse("content:lesson_position", args=[paid_lesson.pk])
    client.force_login(bob)
    html = client.get(paid_lesson.get_absolute_url()).content.decode()
    assert 'data-testid="reading-position"' in html and 'data-position="0"' in html

    assert client.post(url, {"position": "40"}).status_code == 204
    progress = LessonProgress.objects.get(user=bob, lesson=paid_lesson)
    assert progress.scroll_position == 40 and progress.done_at is None  # reading is not done
    assert 'data-position="40"' in client.get(paid_lesson.get_absolute_url()).content.decode()

    for bad, message in (("abc", "whole percentage"), ("101", "between 0 and 100"), ("", "whole")):
        response = client.post(url, {"position": bad})
        assert response.status_code == 400 and message in response.content.decode()
    assert LessonProgress.objects.get(user=bob, lesson=paid_lesson).scroll_position == 40

    client.force_login(dave)  # no ticket: the preview has no position to keep
    assert 'data-testid="reading-position"' not in (
        client.get(paid_lesson.get_absolute_url()).content.decode()
    )
    assert client.post(url, {"position": "10"}).status_code in (400, 403, 404)
    assert not LessonProgress.objects.filter(user=dave, scroll_position=10).exists()
