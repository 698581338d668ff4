"""Reading a lesson or an article tells the apps above (recommend) what interested
the reader: one `core.events.Engaged` after commit; content never imports them."""

import pytest

from content import services
from core import events


@pytest.fixture
def sent(monkeypatch):
    """The events delivered after commit, instead of handing them to listeners."""
    delivered: list[events.Event] = []
    monkeypatch.setattr(events, "send", delivered.append)
    return delivered


def _published_lesson(alice, course):
    lesson = services.lesson_create(user=alice.user, course=course, title="Intro", body="x")
    return services.item_publish(user=alice.user, item=lesson)


def test_reading_a_lesson_is_a_view_of_its_course(
    client, alice, course, bob, sent, django_capture_on_commit_callbacks
):
    lesson = _published_lesson(alice, course)
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(lesson.get_absolute_url()).status_code == 200
    assert [e for e in sent if isinstance(e, events.Engaged)] == [
        events.Engaged(
            user_id=bob.pk, kind="view", item_model="marketplace.course", item_id=course.pk
        )
    ]


def test_reading_an_article_is_a_view_of_its_channel(
    client, alice, alice_channel, bob, sent, django_capture_on_commit_callbacks
):
    article = services.article_create(user=alice.user, channel=alice_channel, title="News")
    article = services.item_publish(user=alice.user, item=article)
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(article.get_absolute_url()).status_code == 200
    assert [e for e in sent if isinstance(e, events.Engaged)] == [
        events.Engaged(
            user_id=bob.pk, kind="view", item_model="marketplace.channel", item_id=alice_channel.pk
        )
    ]


def test_a_visitor_reads_without_a_trace(
    client, alice, course, sent, django_capture_on_commit_callbacks
):
    lesson = _published_lesson(alice, course)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(lesson.get_absolute_url()).status_code == 200
    assert [e for e in sent if isinstance(e, events.Engaged)] == []
