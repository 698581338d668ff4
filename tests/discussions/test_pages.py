"""Discussion pages with the Django test client: forms work without JavaScript."""

import pytest
from django.core.cache import cache

from accounts.models import Notification
from accounts.services import notification_send, notifications_mark_read
from discussions import services
from discussions.models import Like, Reply, Thread
from tests.discussions.conftest import grant_course

pytestmark = pytest.mark.django_db


def test_course_page_shows_the_area_and_visitors_are_asked_to_log_in(client, free_course, bob):
    services.thread_create(author=bob, target=free_course, title="<i>Hello</i>", body="B")
    page = client.get(free_course.get_absolute_url())
    html = page.content.decode()
    assert 'data-testid="discussion-area"' in html
    assert "&lt;i&gt;Hello&lt;/i&gt;" in html and "<i>Hello</i>" not in html
    assert 'data-testid="discussion-login"' in html
    assert 'data-testid="thread-form"' not in html


def test_threads_page_without_javascript(client, free_course, bob, settings):
    settings.DISCUSSIONS_PAGE_SIZE = 2
    for n in range(5):
        Thread.objects.create(target=free_course, author=bob, title=f"Thread number {n}", body="B")
    first = client.get(free_course.get_absolute_url()).content.decode()
    assert first.count('data-testid="thread-link"') == 2
    assert "Page 1 of 3" in first and "dpage=2#discussion" in first
    last = client.get(free_course.get_absolute_url(), {"dpage": 3}).content.decode()
    assert last.count('data-testid="thread-link"') == 1 and "Page 3 of 3" in last
    assert 'data-testid="discussion-next"' not in last
    # a nonsense page number shows the first page, not an error
    for bad in ("x", "-1", "999999999999"):
        page = client.get(free_course.get_absolute_url(), {"dpage": bad})
        assert page.status_code == 200 and 'data-testid="discussion-pages"' in page.content.decode()


def test_paid_course_discussion_is_closed_to_outsiders(client, bob, paid_course):
    client.force_login(bob)
    html = client.get(paid_course.get_absolute_url()).content.decode()
    assert 'data-testid="discussion-closed"' in html
    grant_course(bob, paid_course)
    html = client.get(paid_course.get_absolute_url()).content.decode()
    assert 'data-testid="thread-form"' in html


def test_session_page_has_the_area(client, bob, free_session):
    client.force_login(bob)
    html = client.get(free_session.get_absolute_url()).content.decode()
    assert 'data-testid="thread-form"' in html


def test_learner_posts_a_thread_and_a_reply_through_forms(client, bob, free_course):
    client.force_login(bob)
    response = client.post(
        f"/discussions/course/{free_course.pk}/new/", {"title": "Q", "body": "<script>1</script>"}
    )
    thread = Thread.objects.get()
    assert response.status_code == 302 and response.url == thread.get_absolute_url()
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "&lt;script&gt;1&lt;/script&gt;" in page
    client.post(f"/discussions/threads/{thread.pk}/reply/", {"body": "More"})
    assert Reply.objects.get().body == "More"


def test_empty_thread_form_is_rerendered_with_the_message(client, bob, free_course):
    client.force_login(bob)
    response = client.post(f"/discussions/course/{free_course.pk}/new/", {"title": "", "body": "B"})
    assert response.status_code == 400
    assert "Give your thread a title." in response.content.decode()
    assert Thread.objects.count() == 0


def test_reply_to_locked_thread_shows_the_reason(client, alice, bob, free_course):
    thread = services.thread_create(author=bob, target=free_course, title="T", body="B")
    services.thread_lock(user=alice.user, thread=thread, locked=True)
    client.force_login(bob)
    response = client.post(f"/discussions/threads/{thread.pk}/reply/", {"body": "x"}, follow=True)
    assert "closed it to new replies" in response.content.decode()
    assert Reply.objects.count() == 0


def test_pin_by_non_creator_is_refused(client, bob, free_course):
    thread = services.thread_create(author=bob, target=free_course, title="T", body="B")
    client.force_login(bob)
    response = client.post(f"/discussions/threads/{thread.pk}/pin/", {"on": "1"}, follow=True)
    assert "Only the creator" in response.content.decode()
    thread.refresh_from_db()
    assert not thread.is_pinned


def test_like_form_is_idempotent_and_anonymous_must_log_in(client, bob, free_course):
    response = client.post(f"/discussions/likes/course/{free_course.pk}/", {"liked": "1"})
    assert response.status_code == 302 and "login" in response.url
    client.force_login(bob)
    for _ in range(2):
        client.post(f"/discussions/likes/course/{free_course.pk}/", {"liked": "1"})
    assert Like.objects.count() == 1
    assert client.post("/discussions/likes/thread/12345/", {"liked": "1"}).status_code == 404


def test_held_thread_page_says_waiting_for_review_to_its_author_only(
    client, bob, dora, free_course
):
    from moderation.models import BlockedTerm

    BlockedTerm.objects.create(term="crypto signals", mode="word", action="hold")
    client.force_login(bob)
    response = client.post(
        f"/discussions/course/{free_course.pk}/new/",
        {"title": "crypto signals", "body": "B"},
        follow=True,
    )
    html = response.content.decode()
    assert 'data-testid="waiting-review"' in html
    thread = Thread.objects.get()
    client.force_login(dora)
    assert client.get(thread.get_absolute_url()).status_code == 404


def test_unread_badge_counts_and_is_invalidated(
    client, bob, free_course, django_assert_num_queries
):
    client.force_login(bob)
    html = client.get("/").content.decode()
    assert 'data-testid="nav-notifications-badge"' not in html
    notification_send(user=bob, key="k1", text="one")
    notification_send(user=bob, key="k2", text="two")
    html = client.get(free_course.get_absolute_url()).content.decode()
    assert 'data-testid="nav-notifications-badge"' in html and ">2</span>" in html
    notifications_mark_read(user=bob)
    html = client.get(free_course.get_absolute_url()).content.decode()
    assert 'data-testid="nav-notifications-badge"' not in html


def test_unread_count_is_one_query_then_cached(bob):
    from accounts.context_processors import unread_count

    Notification.objects.create(user=bob, key="a", text="a")
    cache.clear()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        assert unread_count(bob) == 1
    with CaptureQueriesContext(connection) as second:
        assert unread_count(bob) == 1
    assert (len(first), len(second)) == (1, 0)
