"""A brand-new learner's "For you" answers their very first action: one view, one
follow or one purchase brings that item's neighbours to the top at once (no refresh
job, no 20-odd events first), says why, and never offers what they touched or own."""

import pytest

from community.services import follow_set
from recommend import refresh, selectors, services
from recommend.items import item_key_for
from tests.recommend.conftest import grant
from tests.recommend.test_serving import popular_history

pytestmark = pytest.mark.django_db


def for_you(learner):
    return selectors.recommendations_for_user(user=learner)


def keys(shown):
    return [item.key for item in shown.items]


def finance_keys(shelf):
    return {item_key_for(x) for x in shelf["finance"]}


def test_the_first_view_brings_its_neighbours_to_the_top_before_any_model(shelf, learner):
    popular_history(shelf)  # a technology course is the popular one
    before = for_you(learner)
    assert before.items[0].category_id == shelf["technology"][0].category_id

    viewed = shelf["finance"][0]
    services.event_record(user=learner, kind="view", item=viewed)
    after = for_you(learner)

    assert keys(after) != keys(before)
    assert {k for k in keys(after)[:3]} <= finance_keys(shelf)
    assert item_key_for(viewed) not in keys(after)  # just seen: not offered again
    assert after.reasons[after.items[0].key] == f"Related to {viewed.title}"
    assert after.algorithm == "neighbours"


def test_the_first_follow_uses_the_models_neighbours(shelf, learner):
    popular_history(shelf)
    refresh.recommendations_refresh()  # a model exists; the learner has no list yet
    before = keys(for_you(learner))
    channel = shelf["finance"][3]

    follow_set(user=learner, target=channel, on=True)
    after = for_you(learner)

    assert after.items and after.items[0].key != before[0]
    assert item_key_for(channel) not in keys(after)
    neighbours = set(refresh.similar_keys(item_key_for(channel)))
    assert after.items[0].key in neighbours
    assert after.reasons[after.items[0].key] == f"Related to {channel.title}"


def test_a_purchase_shows_neighbours_and_never_the_course_bought(shelf, learner):
    popular_history(shelf)
    bought = shelf["finance"][4]
    grant(learner, course=bought)
    services.event_record(user=learner, kind="purchase", item=bought)
    shown = for_you(learner)
    assert item_key_for(bought) not in keys(shown)
    assert {k for k in keys(shown)[:3]} <= finance_keys(shelf)


def test_a_stored_list_takes_over_once_it_has_seen_the_events(shelf, learner):
    popular_history(shelf)
    services.event_record(user=learner, kind="view", item=shelf["finance"][0])
    refresh.recommendations_refresh()  # the learner's list is stored, watermark past the view
    shown = for_you(learner)
    # Nothing new since the list was made: it is served as stored, not re-anchored.
    assert shown.algorithm not in ("neighbours", "popularity")
    assert not any(reason.startswith("Related to") for reason in shown.reasons.values())
