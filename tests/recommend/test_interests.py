"""Interest profiles: the model learns topic strengths from behaviour; the learner's
choices (follow, not interested, reset) re-rank "For you" and explain it."""

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from recommend import interests, profiles, refresh, selectors, services
from recommend.models import Event, InterestStrength, TopicChoice
from tests.factories import UserFactory


def _behaviour(seed=0, users=300, topics=6):
    """Each user has a favourite topic: 70% of their events, the rest anywhere."""
    rng = np.random.default_rng(seed)
    favourite = rng.integers(0, topics, size=users)
    rows = []
    for u in range(users):
        for e in range(int(rng.integers(5, 30))):
            t = favourite[u] if rng.random() < 0.7 else int(rng.integers(0, topics))
            rows.append((u, t, int(rng.integers(0, 2)), 1.0, 100.0 - e))
    arr = np.array(rows, dtype=np.float64)
    return interests.Behaviour(
        arr[:, 0].astype(int), arr[:, 1].astype(int), arr[:, 2].astype(int), arr[:, 3],
        arr[:, 4], users, topics, ("view", "like"),
    ), favourite  # fmt: skip


def test_the_model_gives_each_user_their_favourite_topic_the_top_strength():
    behaviour, favourite = _behaviour()
    model = interests.InterestModel().fit(behaviour)
    assert not model.fallback
    strengths = model.strengths(behaviour)
    assert strengths.shape == (300, 6)
    assert ((strengths >= 0) & (strengths <= 1)).all()
    assert (strengths.argmax(axis=1) == favourite).mean() > 0.9


def test_evaluation_reports_an_auc_per_topic_above_chance():
    behaviour, _ = _behaviour(seed=1)
    result = interests.evaluate(behaviour)
    assert len(result["per_topic"]) == 6
    assert np.mean([auc for auc, _share, _n in result["per_topic"].values()]) > 0.7


def test_too_little_behaviour_falls_back_to_shares():
    behaviour, _ = _behaviour(users=2)
    model = interests.InterestModel().fit(behaviour)
    assert model.fallback
    assert model.strengths(behaviour).shape == (2, 6)


@pytest.mark.django_db
def test_the_refresh_stores_strengths_from_site_events(shelf, learner, settings):
    settings.RECOMMEND_VARIANTS = {"stacked": 100}
    finance_course = shelf["finance"][0]
    for item in shelf["finance"][:4]:
        services.event_record(user=learner, kind="view", item=item)
    services.event_record(user=learner, kind="like", item=finance_course)
    services.event_record(user=learner, kind="view", item=shelf["technology"][0])
    refresh.model_fit_and_store()
    strengths = dict(
        InterestStrength.objects.filter(user=learner).values_list("category__slug", "strength")
    )
    assert strengths["finance"] > strengths["technology"] > 0


@pytest.mark.django_db
def test_following_puts_the_topic_first_and_explains_it(shelf, learner, technology):
    services.topic_choose(user=learner, topic=f"category:{technology.pk}", choice="follow")
    shown = selectors.recommendations_for_user(user=learner, n=4)
    assert [i.category_id for i in shown.items] == [technology.pk] * 4
    assert shown.reasons[shown.items[0].key] == f"Because you follow {technology.name}"


@pytest.mark.django_db
def test_not_interested_hides_the_item_and_sinks_its_siblings(shelf, learner, technology, finance):
    for category in (technology, finance):
        services.topic_choose(user=learner, topic=f"category:{category.pk}", choice="follow")
    before = selectors.recommendations_for_user(user=learner, n=10).items
    hidden = next(i for i in before if i.category_id == technology.pk)
    services.topic_choose(user=learner, topic=hidden.key, choice="not_interested")
    after = selectors.recommendations_for_user(user=learner, n=10).items
    assert hidden.key not in [i.key for i in after]

    def tech_rank(items):
        return np.mean([n for n, i in enumerate(items) if i.category_id == technology.pk])

    # the siblings stay, further down; finance rises to the top
    assert any(i.category_id == technology.pk for i in after)
    assert tech_rank(after) > tech_rank(before) + 1
    assert after[0].category_id == finance.pk


@pytest.mark.django_db
def test_bad_topics_are_refused_and_change_nothing(learner, shelf):
    with pytest.raises(ValidationError):
        services.topic_choose(user=learner, topic="category:999999", choice="follow")
    with pytest.raises(ValidationError):
        services.topic_choose(user=learner, topic="course:1", choice="sideways")
    with pytest.raises(ValidationError):  # items are hidden, not followed
        services.topic_choose(user=learner, topic=shelf["finance"][0], choice="follow")
    assert not TopicChoice.objects.exists()


@pytest.mark.django_db
def test_interests_page_shows_strengths_and_edits_choices(client, learner, finance):
    InterestStrength.objects.create(
        user=learner, category=finance, strength=0.8, updated_at="2026-01-01T00:00Z"
    )
    client.force_login(learner)
    page = client.get(reverse("recommend:interests"))
    assert page.status_code == 200
    assert b"0.80" in page.content
    topic = f"category:{finance.pk}"
    client.post(reverse("recommend:interests"), {"action": "follow", "topic": topic})
    assert TopicChoice.objects.get(user=learner).choice == "follow"
    client.post(reverse("recommend:interests"), {"action": "reset", "topic": topic})
    assert not TopicChoice.objects.filter(user=learner).exists()
    bad = client.post(reverse("recommend:interests"), {"action": "follow", "topic": "nope"})
    assert bad.status_code == 302 and not TopicChoice.objects.exists()
    client.post(reverse("recommend:interests"), {"action": "reset_all"})
    assert not InterestStrength.objects.filter(user=learner).exists()


@pytest.mark.django_db
def test_charlie_cannot_change_bobs_interests(client, finance):
    bob, charlie = UserFactory(), UserFactory()
    services.topic_choose(user=bob, topic=f"category:{finance.pk}", choice="follow")
    client.force_login(charlie)
    client.post(reverse("recommend:interests"), {"action": "reset_all"})
    assert TopicChoice.objects.filter(user=bob).count() == 1
    assert profiles.profile_for(bob.pk).following == {finance.pk}


@pytest.mark.django_db
def test_onboarding_picker_follows_topics_or_can_be_skipped(client, learner, finance):
    client.force_login(learner)
    assert b"topic-picker-prompt" in client.get("/").content
    client.post(reverse("recommend:start"), {"topic": [f"category:{finance.pk}", "junk"]})
    assert profiles.profile_for(learner.pk).following == {finance.pk}
    other = UserFactory()
    client.force_login(other)
    client.post(reverse("recommend:start"), {"skip": "1"})
    assert not TopicChoice.objects.filter(user=other).exists()
    assert b"topic-picker-prompt" not in client.get("/").content
    assert Event.objects.count() == 0
