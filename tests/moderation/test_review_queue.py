"""Moderators work the one review queue in the admin, never a shell."""

import pytest
from django.contrib.contenttypes.models import ContentType

from accounts.models import Notification
from marketplace.models import Course
from moderation.models import ModerationAction, ReviewItem
from tests.moderation.helpers import course_publish

pytestmark = pytest.mark.usefixtures("review_unverified")

QUEUE = "/admin/moderation/reviewitem/"


@pytest.fixture
def held(alice_channel):
    course = course_publish(alice_channel)
    return course, ReviewItem.objects.get(
        content_type=ContentType.objects.get_for_model(Course), object_id=course.pk
    )


def decide(client, item, decision, reason=""):
    return client.post(
        f"{QUEUE}{item.pk}/decide/", {"decision": decision, "reason": reason}, follow=True
    )


def test_an_unverified_creators_new_course_waits_hidden_in_the_queue(client, held, moderator):
    course, item = held
    course.refresh_from_db()
    assert course.hidden_by_moderation and not course.is_published
    assert item.source == ReviewItem.Source.CREATOR_REVIEW
    assert client.get(f"/courses/{course.slug}/").status_code == 404
    client.force_login(moderator)
    page = client.get(QUEUE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Async Python in depth" in text
    assert "not a verified expert" in text


def test_the_detail_page_shows_the_content_in_context_with_history(client, held, moderator):
    course, item = held
    client.force_login(moderator)
    page = client.get(f"{QUEUE}{item.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Tasks, groups and cancellation." in text
    assert course.get_absolute_url() in text
    assert 'data-testid="review-approve"' in text
    assert "not a verified expert" in text  # the reason it is here


def test_approve_shows_the_content_and_is_audited(client, held, moderator):
    course, item = held
    client.force_login(moderator)
    response = decide(client, item, "approve")
    assert "Approved" in response.content.decode()
    course.refresh_from_db()
    assert course.is_published
    item.refresh_from_db()
    assert item.status == ReviewItem.Status.APPROVED and item.decided_by == moderator
    assert ModerationAction.objects.filter(
        kind=ModerationAction.Kind.APPROVE, actor=moderator, item=item
    ).exists()


def test_reject_needs_a_reason_which_the_author_receives(client, held, moderator, alice):
    course, item = held
    client.force_login(moderator)
    response = decide(client, item, "reject", reason="  ")
    assert "a reason is required" in response.content.decode()
    item.refresh_from_db()
    assert item.is_open

    decide(client, item, "reject", reason="Misleading title")
    item.refresh_from_db()
    course.refresh_from_db()
    assert item.status == ReviewItem.Status.REJECTED
    assert not course.is_published
    note = Notification.objects.get(user=alice.user, key__contains=f"item:{item.pk}:rejected")
    assert "Misleading title" in note.text
    assert note.url == f"/moderation/appeal/{item.pk}/"
    assert ModerationAction.objects.get(kind="reject", item=item).reason == "Misleading title"


def test_escalate_keeps_it_hidden_and_open(client, held, moderator):
    course, item = held
    client.force_login(moderator)
    decide(client, item, "escalate", reason="Needs legal advice")
    item.refresh_from_db()
    assert item.status == ReviewItem.Status.ESCALATED and item.is_open
    course.refresh_from_db()
    assert course.hidden_by_moderation
    assert ModerationAction.objects.filter(kind="escalate", reason="Needs legal advice").exists()


def test_a_second_moderator_is_told_it_was_already_decided(
    client, held, moderator, second_moderator
):
    course, item = held
    client.force_login(moderator)
    decide(client, item, "approve")
    client.force_login(second_moderator)
    response = decide(client, item, "reject", reason="Spam")
    assert "Someone else already decided this item (Approved)" in response.content.decode()
    item.refresh_from_db()
    course.refresh_from_db()
    assert item.status == ReviewItem.Status.APPROVED and item.decided_by == moderator
    assert course.is_published
    assert ModerationAction.objects.filter(item=item, kind="reject").count() == 0


def test_bulk_approve(client, alice_channel, moderator):
    courses = [course_publish(alice_channel, title=f"Course number {n}") for n in range(3)]
    items = ReviewItem.objects.filter(object_id__in=[c.pk for c in courses])
    client.force_login(moderator)
    response = client.post(
        QUEUE,
        {"action": "approve_selected", "_selected_action": [i.pk for i in items]},
        follow=True,
    )
    assert "3 items decided." in response.content.decode()
    assert all(c.is_published for c in Course.objects.filter(pk__in=[c.pk for c in courses]))


def test_bulk_reject_asks_for_a_reason_first(client, alice_channel, moderator, alice):
    courses = [course_publish(alice_channel, title=f"Course number {n}") for n in range(2)]
    ids = list(ReviewItem.objects.filter(object_id__in=[c.pk for c in courses]).values_list(
        "pk", flat=True))  # fmt: skip
    client.force_login(moderator)
    form = client.post(QUEUE, {"action": "reject_selected", "_selected_action": ids})
    assert form.status_code == 200
    assert 'name="reason"' in form.content.decode()
    assert ReviewItem.objects.filter(pk__in=ids, status="pending").count() == 2

    empty = client.post(
        QUEUE, {"action": "reject_selected", "_selected_action": ids, "apply": "1", "reason": ""}
    )
    assert empty.status_code == 200  # the form again, nothing decided
    assert ReviewItem.objects.filter(pk__in=ids, status="pending").count() == 2

    done = client.post(
        QUEUE,
        {"action": "reject_selected", "_selected_action": ids, "apply": "1", "reason": "Spam"},
        follow=True,
    )
    assert "2 items decided." in done.content.decode()
    assert ReviewItem.objects.filter(pk__in=ids, status="rejected").count() == 2
    assert Notification.objects.filter(user=alice.user, text__contains="Spam").count() == 2


def test_bulk_approve_skips_items_already_decided_with_a_message(client, alice_channel, moderator):
    first, second = (course_publish(alice_channel, title=f"Course {n} here") for n in range(2))
    items = ReviewItem.objects.filter(object_id__in=[first.pk, second.pk]).order_by("pk")
    client.force_login(moderator)
    decide(client, items[0], "reject", reason="Off topic")
    response = client.post(
        QUEUE,
        {"action": "approve_selected", "_selected_action": [i.pk for i in items]},
        follow=True,
    )
    text = response.content.decode()
    assert "1 item decided." in text
    assert "already decided" in text


def test_a_verified_expert_publishes_directly_but_is_still_screened(alice_channel, alice):
    from django.core.exceptions import ValidationError

    from moderation.models import BlockedTerm

    alice.is_verified = True
    alice.save()
    course = course_publish(alice_channel, title="Published at once")
    assert course.is_published
    assert not ReviewItem.objects.filter(object_id=course.pk).exists()
    held = course_publish(alice_channel, title="Write to me", summary="teacher@example.com")
    assert held.hidden_by_moderation
    assert ReviewItem.objects.get(object_id=held.pk).source == ReviewItem.Source.SCREENING
    BlockedTerm.objects.create(term="idiot", mode="word", action="refuse")
    with pytest.raises(ValidationError):
        course_publish(alice_channel, title="Idiot proof", summary="for every I D I O T")
    assert not Course.objects.filter(title="Idiot proof").exists()


def test_once_approved_edits_are_only_screened(held, moderator, alice_channel):
    from marketplace import services
    from moderation.services import review_approve

    course, item = held
    review_approve(item=item, moderator=moderator)
    course.refresh_from_db()
    services.course_update(
        course=course,
        title="Async Python, revised",
        category=course.category,
        currency="CNY",
        status="published",
    )
    course.refresh_from_db()
    assert course.is_published


def test_an_unverified_creators_live_session_is_left_out_of_public_lists(alice_channel, alice):
    from datetime import timedelta

    from django.utils import timezone

    from livestream import services as live
    from livestream.selectors import upcoming_sessions

    session = live.session_schedule(
        user=alice.user,
        channel=alice_channel,
        title="Ask me anything",
        scheduled_start=timezone.now() + timedelta(days=1),
    )
    assert ReviewItem.objects.filter(object_id=session.pk, status="pending").exists()
    assert session not in upcoming_sessions()


def test_content_held_tells_pages_without_a_visibility_field(held, moderator):
    from moderation.selectors import content_held
    from moderation.services import review_approve

    course, item = held
    assert content_held(course)
    review_approve(item=item, moderator=moderator)
    assert not content_held(course)


def test_the_studio_tells_the_creator_what_waits_for_review(client, held, moderator, alice):
    from moderation.services import review_approve, review_reject

    course, item = held
    second = course_publish(course.channel, title="Structured concurrency")
    second_item = ReviewItem.objects.get(object_id=second.pk, content_type=item.content_type)
    client.force_login(alice.user)
    studio = client.get("/studio/").content.decode()
    assert studio.count('data-testid="review-state">Awaiting review<') == 2
    review_approve(item=item, moderator=moderator)
    review_reject(item=second_item, moderator=moderator, reason="Off-platform payment link.")
    studio = client.get("/studio/").content.decode()
    assert "Awaiting review" not in studio
    assert studio.count('data-testid="review-state">Rejected by moderators<') == 1


def test_the_studio_marks_a_held_live_session(client, alice_channel, alice):
    from datetime import timedelta

    from django.utils import timezone

    from livestream import services as live

    live.session_schedule(
        user=alice.user,
        channel=alice_channel,
        title="Ask me anything",
        scheduled_start=timezone.now() + timedelta(days=1),
    )
    client.force_login(alice.user)
    page = client.get("/studio/sessions/").content.decode()
    assert 'data-testid="review-state">Awaiting review<' in page


def test_a_failing_content_hook_leaves_the_item_open_with_a_message(
    client, held, moderator, monkeypatch
):
    import dataclasses

    from moderation import registry

    course, item = held
    working = registry.adapter_for

    def broken(obj, visible):
        raise RuntimeError("cache server down")

    monkeypatch.setattr(
        registry,
        "adapter_for",
        lambda obj: dataclasses.replace(working(obj), set_visible=broken),
    )
    client.force_login(moderator)
    response = decide(client, item, "approve")
    assert response.status_code == 200
    assert "could not be applied, so nothing changed" in response.content.decode()
    item.refresh_from_db()
    assert item.is_open
    assert not ModerationAction.objects.filter(item=item, kind="approve").exists()
