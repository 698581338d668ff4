"""The A/B split: users are spread over the variants by the RECOMMEND_VARIANTS shares,
each keeps their variant, each variant's list comes from its own algorithm, and the
impressions and clicks land under the variant that produced the list."""

from collections import Counter

import pytest
from django.urls import reverse

from recommend import refresh, selectors, services
from recommend.items import item_key_for
from recommend.models import RecommendationList, VariantDailyStat
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_users_are_split_by_the_configured_shares(settings):
    settings.RECOMMEND_VARIANTS = {"blend": 70, "popularity": 20, "itemknn": 10}
    counts = Counter(refresh.variant_for(user_id) for user_id in range(1, 10_001))
    assert set(counts) == {"blend", "popularity", "itemknn"}
    # 10,000 users: each share within 2 points of what was asked.
    assert abs(counts["blend"] / 10_000 - 0.70) < 0.02
    assert abs(counts["popularity"] / 10_000 - 0.20) < 0.02
    assert abs(counts["itemknn"] / 10_000 - 0.10) < 0.02


def test_a_user_keeps_their_variant_and_a_zero_share_gets_nobody(settings):
    settings.RECOMMEND_VARIANTS = {"blend": 50, "popularity": 50}
    first = [refresh.variant_for(user_id) for user_id in range(1, 501)]
    assert first == [refresh.variant_for(user_id) for user_id in range(1, 501)]
    settings.RECOMMEND_VARIANTS = {"blend": 100, "popularity": 0}
    assert {refresh.variant_for(user_id) for user_id in range(1, 501)} == {"blend"}


def _one_user_in_each(variants: list[str]) -> dict:
    found: dict = {}
    while set(found) != set(variants):
        user = UserFactory()
        found.setdefault(refresh.variant_for(user.pk), user)
    return found


def test_each_variant_gets_lists_from_its_own_algorithm_and_its_own_counts(client, shelf, settings):
    settings.RECOMMEND_VARIANTS = {"blend": 50, "popularity": 50}
    users = _one_user_in_each(["blend", "popularity"])
    for topic in ("finance", "technology"):
        for _ in range(3):
            person = UserFactory()
            for obj in shelf[topic]:
                services.event_record(user=person, kind="view", item=obj)
    for user in users.values():
        services.event_record(user=user, kind="watch", item=shelf["finance"][0], value=90)
    refresh.recommendations_refresh()

    for variant, user in users.items():
        stored = RecommendationList.objects.get(user=user)
        assert (stored.variant, stored.algorithm) == (variant, variant)
        shown = selectors.recommendations_for_user(user=user)
        assert (shown.variant, shown.algorithm) == (variant, variant)

    client.force_login(users["blend"])
    client.get(reverse("home"))
    client.force_login(users["popularity"])
    html = client.get(reverse("home")).content.decode()
    assert 'data-variant="popularity"' in html
    _, click_url = selectors.recommendations_for_user(user=users["popularity"]).entries[0]
    client.get(click_url)

    stats = {s.variant: s for s in VariantDailyStat.objects.all()}
    assert stats["blend"].impressions > 0 and stats["blend"].clicks == 0
    assert stats["popularity"].impressions > 0 and stats["popularity"].clicks == 1


def test_similar_rows_are_counted_apart_from_the_variants(client, shelf, settings):
    """A "similar" row is the same for every variant: its impressions must not raise or
    lower one variant's click-through rate."""
    settings.RECOMMEND_VARIANTS = {"popularity": 100}
    user = UserFactory()
    course = shelf["finance"][0]
    shown = selectors.similar_for_item(item=course, user=user)
    assert shown.variant == "similar-category"  # no model yet: same category
    assert item_key_for(course) not in [i.key for i in shown.items]
    client.force_login(user)
    client.get(course.get_absolute_url())
    variants = set(VariantDailyStat.objects.values_list("variant", flat=True))
    assert "similar-category" in variants
    assert "popularity" not in variants  # the detail page has no "For you" row
