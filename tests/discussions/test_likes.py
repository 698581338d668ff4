"""Likes: one per user, idempotent, counted once even under concurrent clicks."""

import threading

import pytest
from django.db import connection
from django.http import Http404

from discussions import selectors, services
from discussions.models import Like, LikeTally
from moderation.models import BlockedTerm
from tests.factories import CourseFactory, UserFactory


@pytest.mark.django_db
def test_like_toggles_and_counts(bob, dora, free_course):
    thread = services.thread_create(author=bob, target=free_course, title="T", body="B")
    assert services.like_toggle(user=dora, obj=thread) == (True, 1)
    assert services.like_toggle(user=bob, obj=thread) == (True, 2)
    assert services.like_toggle(user=dora, obj=thread) == (False, 1)
    thread.refresh_from_db()
    assert thread.like_count == 1


@pytest.mark.django_db
def test_liking_twice_counts_once(bob, free_course, free_session):
    for obj in (free_course, free_session):
        services.like_set(user=bob, obj=obj, liked=True)
        assert services.like_set(user=bob, obj=obj, liked=True) == (True, 1)
        assert selectors.like_count(obj) == 1
    assert services.like_set(user=bob, obj=free_course, liked=False) == (False, 0)
    assert services.like_set(user=bob, obj=free_course, liked=False) == (False, 0)


@pytest.mark.django_db
def test_liking_missing_or_hidden_things_is_a_404(bob, dora, free_course, alice_channel):
    BlockedTerm.objects.create(term="crypto signals", mode="word", action="hold")
    held = services.thread_create(author=dora, target=free_course, title="crypto signals", body="B")
    draft = CourseFactory(channel=alice_channel, status="draft")
    for kind, pk in (("thread", held.pk), ("thread", 10**9), ("course", draft.pk),
                     ("reply", 1), ("nonsense", 1), ("session", 10**9)):  # fmt: skip
        with pytest.raises(Http404):
            selectors.like_target_get_for_user(kind_name=kind, pk=pk, user=bob)
    assert Like.objects.count() == 0


def _concurrently(count, work):
    barrier = threading.Barrier(count)
    errors = []

    def run(i):
        try:
            barrier.wait()
            work(i)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_are_counted_once_per_user(alice_channel):
    """Ten users click at once, each clicking twice: ten likes, counter ten, on
    PostgreSQL with real concurrent transactions."""
    course = CourseFactory(channel=alice_channel, price_amount=0)
    author = UserFactory()
    thread = services.thread_create(author=author, target=course, title="T", body="B")
    users = [UserFactory() for _ in range(10)]

    def click(i):
        user = users[i // 2]
        services.like_set(user=user, obj=thread, liked=True)
        services.like_set(user=user, obj=course, liked=True)

    _concurrently(20, click)
    thread.refresh_from_db()
    assert Like.objects.filter(object_id=thread.pk, content_type__model="thread").count() == 10
    assert thread.like_count == 10
    assert LikeTally.objects.get(object_id=course.pk, content_type__model="course").count == 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_like_and_unlike_keep_the_counter_equal_to_rows(alice_channel):
    course = CourseFactory(channel=alice_channel, price_amount=0)
    users = [UserFactory() for _ in range(8)]

    def click(i):
        user = users[i % 8]
        services.like_set(user=user, obj=course, liked=i < 8 or i % 2 == 0)

    _concurrently(16, click)
    rows = Like.objects.filter(content_type__model="course", object_id=course.pk).count()
    assert selectors.like_count(course) == rows


@pytest.mark.django_db
def test_likes_and_comments_feed_recommendations(
    bob, free_course, django_capture_on_commit_callbacks
):
    from recommend.models import Event

    with django_capture_on_commit_callbacks(execute=True):
        services.like_set(user=bob, obj=free_course, liked=True)
        services.thread_create(author=bob, target=free_course, title="T", body="B")
    kinds = set(Event.objects.filter(user=bob).values_list("kind", flat=True))
    assert {"like", "comment"} <= kinds


@pytest.mark.django_db
def test_a_like_and_a_comment_are_sent_as_engaged_events_after_commit(
    bob, free_course, monkeypatch, django_capture_on_commit_callbacks
):
    """Discussions tells the apps above through core.events, never by calling them;
    nothing is sent before the post commits."""
    from core import events

    sent: list[events.Event] = []
    monkeypatch.setattr(events, "send", sent.append)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        services.like_set(user=bob, obj=free_course, liked=True)
        services.thread_create(author=bob, target=free_course, title="T", body="B")
    assert sent == []
    for callback in pending:
        callback()
    about_course = {"item_model": "marketplace.course", "item_id": free_course.pk}
    assert [e for e in sent if isinstance(e, events.Engaged)] == [
        events.Engaged(user_id=bob.pk, kind="like", **about_course),
        events.Engaged(user_id=bob.pk, kind="comment", **about_course),
    ]
