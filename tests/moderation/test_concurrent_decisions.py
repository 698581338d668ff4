"""Two moderators decide the same item at the same instant: one wins, the other is told.

Each moderator is a thread with its own PostgreSQL connection, released together at a
barrier, so both decisions really race for the item's row lock.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from marketplace.models import Course
from moderation import services
from moderation.models import ModerationAction, ReviewItem
from tests.concurrency import race
from tests.moderation.helpers import course_publish

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("review_unverified")]


@pytest.mark.parametrize("attempt", range(3))
def test_approve_and_reject_at_once_one_wins_the_other_is_told(
    alice_channel, moderator, second_moderator, attempt
):
    course = course_publish(alice_channel)
    item = ReviewItem.objects.get(
        content_type=ContentType.objects.get_for_model(Course), object_id=course.pk
    )
    results = race(
        lambda: services.review_approve(item=item, moderator=moderator),
        lambda: services.review_reject(item=item, moderator=second_moderator, reason="Spam"),
    )
    outcomes = [kind for kind, _ in results]
    assert sorted(outcomes) == ["error", "ok"], results
    loser = next(value for kind, value in results if kind == "error")
    assert isinstance(loser, ValidationError)
    assert "already decided" in " ".join(loser.messages)

    item.refresh_from_db()
    course.refresh_from_db()
    decisions = ModerationAction.objects.filter(item=item, kind__in=["approve", "reject"])
    assert decisions.count() == 1
    if outcomes[0] == "ok":  # the approval won
        assert item.status == ReviewItem.Status.APPROVED and item.decided_by == moderator
        assert course.is_published and not course.hidden_by_moderation
    else:
        assert item.status == ReviewItem.Status.REJECTED and item.decided_by == second_moderator
        assert not course.is_published
    assert decisions.get().actor == item.decided_by
