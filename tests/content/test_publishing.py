"""Drafts, scheduling (the beat job publishes once, even run twice or concurrently),
unpublish, revisions and restore, moderation screening."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from content import services
from content.models import Lesson, Revision, Status
from content.tasks import content_publish_due_task
from moderation.models import ReviewItem


def _draft(alice, course, **kw):
    return services.lesson_create(user=alice.user, course=course, title="Loops", body="v1", **kw)


def test_new_lesson_is_a_draft_with_its_first_revision(alice, course, client):
    lesson = _draft(alice, course)
    assert lesson.status == Status.DRAFT
    assert [r.body for r in lesson.revisions.all()] == ["v1"]
    assert client.get(lesson.get_absolute_url()).status_code == 404


def test_scheduled_lesson_publishes_when_due_and_only_once(alice, course):
    lesson = _draft(alice, course)
    at = timezone.now() + timedelta(hours=1)
    lesson = services.item_publish(user=alice.user, item=lesson, at=at)
    assert lesson.status == Status.SCHEDULED
    assert services.content_publish_due() == 0  # not yet due

    later = at + timedelta(seconds=1)
    assert services.content_publish_due(now=later) == 1
    assert services.content_publish_due(now=later) == 0  # the second run finds nothing
    lesson.refresh_from_db()
    assert lesson.status == Status.PUBLISHED
    assert lesson.published_at == at


def test_scheduling_a_published_lesson_is_refused_and_it_stays_published(alice, course):
    lesson = services.item_publish(user=alice.user, item=_draft(alice, course))
    with pytest.raises(ValidationError, match="already published"):
        services.item_publish(user=alice.user, item=lesson, at=timezone.now() + timedelta(hours=1))
    lesson.refresh_from_db()
    assert lesson.status == Status.PUBLISHED and lesson.publish_at is None


def test_beat_task_publishes_due_items(alice, course):
    lesson = _draft(alice, course)
    services.item_publish(user=alice.user, item=lesson, at=timezone.now() + timedelta(hours=1))
    Lesson.objects.filter(pk=lesson.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    content_publish_due_task.delay()
    lesson.refresh_from_db()
    assert lesson.status == Status.PUBLISHED


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_publish_each_item_once(alice, course):
    lessons = [
        services.lesson_create(user=alice.user, course=course, title=f"L{i}", body="x")
        for i in range(6)
    ]
    for lesson in lessons:
        services.item_publish(
            user=alice.user, item=lesson, at=timezone.now() + timedelta(minutes=5)
        )
    Lesson.objects.update(publish_at=timezone.now() - timedelta(seconds=1))
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            counts.append(services.content_publish_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 6
    assert Lesson.objects.filter(status=Status.PUBLISHED).count() == 6


def test_unpublish_takes_the_lesson_down(alice, course, client):
    lesson = services.item_publish(user=alice.user, item=_draft(alice, course))
    assert client.get(lesson.get_absolute_url()).status_code == 200
    services.item_unpublish(user=alice.user, item=lesson)
    assert client.get(lesson.get_absolute_url()).status_code == 404


def test_every_text_save_makes_a_revision_and_restore_makes_another(alice, course):
    lesson = _draft(alice, course)
    lesson = services.item_update(user=alice.user, item=lesson, body="v2")
    lesson = services.item_update(user=alice.user, item=lesson, summary="no text change")
    lesson = services.item_update(user=alice.user, item=lesson, title="Loops 3", body="v3")
    assert list(lesson.revisions.values_list("number", "body")) == [(3, "v3"), (2, "v2"), (1, "v1")]

    first = lesson.revisions.get(number=1)
    new = services.revision_restore(user=alice.user, item=lesson, revision=first)
    lesson.refresh_from_db()
    assert (new.number, new.body, new.restored_from) == (4, "v1", first)
    assert (lesson.title, lesson.body, lesson.revision) == ("Loops", "v1", new)
    assert Revision.objects.filter(lesson=lesson).count() == 4


def test_restore_from_the_studio_page(alice, course, client):
    lesson = _draft(alice, course)
    services.item_update(user=alice.user, item=lesson, body="v2")
    client.force_login(alice.user)
    first = lesson.revisions.get(number=1)
    response = client.post(f"/studio/content/lesson/{lesson.pk}/revisions/{first.pk}/restore/")
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.body == "v1" and lesson.revision.number == 3


def test_someone_elses_lesson_is_a_404_in_the_studio(alice, course, charlie, client):
    lesson = _draft(alice, course)
    client.force_login(charlie.user)
    assert client.get(f"/studio/content/lesson/{lesson.pk}/").status_code == 404
    assert client.post(f"/studio/content/lesson/{lesson.pk}/publish/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.item_update(user=charlie.user, item=lesson, body="mine now")


def test_held_text_is_hidden_until_a_moderator_decides(alice, course, client, monkeypatch):
    from moderation.screening import HOLD, Verdict
    from moderation.services import screening as moderation_services

    lesson = services.item_publish(user=alice.user, item=_draft(alice, course))
    hold_calls = []

    def fake_screen(text, **kw):
        # The real screening rules live in moderation; here we only need a verdict.
        hold_calls.append(text)
        return Verdict(HOLD, ("test",), "held")

    monkeypatch.setattr(moderation_services, "text_screen", fake_screen)
    services.item_update(user=alice.user, item=lesson, body="something suspicious")
    assert client.get(lesson.get_absolute_url()).status_code == 404
    lesson.refresh_from_db()
    assert hold_calls and lesson.is_visible is False
    assert ReviewItem.objects.count() == 1


def test_refusal_changes_nothing(alice, course, monkeypatch):
    from moderation.screening import REFUSE, Verdict
    from moderation.services import screening as moderation_services

    lesson = _draft(alice, course)
    monkeypatch.setattr(
        moderation_services,
        "text_screen",
        lambda text, **kw: Verdict(REFUSE, ("x",), "Not allowed here."),
    )
    with pytest.raises(ValidationError, match="Not allowed here."):
        services.item_update(user=alice.user, item=lesson, body="refused words")
    lesson.refresh_from_db()
    assert lesson.body == "v1" and lesson.revisions.count() == 1


def test_saving_the_same_text_from_a_browser_makes_no_new_revision(alice, course):
    lesson = services.lesson_create(user=alice.user, course=course, title="T", body="a\r\nb")
    assert lesson.body == "a\nb"
    lesson = services.item_update(user=alice.user, item=lesson, title="T", body="a\r\nb")
    assert lesson.revisions.count() == 1


def test_an_admin_edit_of_the_body_becomes_a_revision(alice, course, client):
    from django.forms.models import model_to_dict

    from tests.factories import UserFactory

    lesson = services.item_publish(user=alice.user, item=_draft(alice, course))
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    data = {k: ("" if v is None else v) for k, v in model_to_dict(lesson).items()}
    data["body"] = "Corrected by staff"
    if data.get("publish_at") == "":
        data.pop("publish_at")
    response = client.post(f"/admin/content/lesson/{lesson.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    lesson.refresh_from_db()
    assert lesson.body == "Corrected by staff"
    assert [r.body for r in lesson.revisions.order_by("number")] == ["v1", "Corrected by staff"]
    assert lesson.revision.author == admin
