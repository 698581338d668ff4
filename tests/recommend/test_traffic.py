"""The bandit on the site: the hourly job reads each variant's counts, moves the split
towards the variant people click, logs every change, stops a variant whose purchases
drop, and users are placed on the split in force; staff see the curve and the log."""

from collections import Counter

import pytest
from django.urls import reverse

from recommend import refresh, services, traffic
from recommend.models import RecommendationList, VariantDailyStat, VariantShareChange
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_variants(settings):
    settings.RECOMMEND_VARIANTS = {"stacked": 50, "popularity": 50}
    settings.RECOMMEND_BANDIT = True
    settings.RECOMMEND_BANDIT_MAX_STEP = 0.25
    traffic.shares_forget()
    yield
    traffic.shares_forget()


@pytest.fixture
def update(django_capture_on_commit_callbacks):
    """The hourly job, its on-commit work (the split's cached copies dropped) run."""

    def run(seed):
        with django_capture_on_commit_callbacks(execute=True):
            return traffic.variant_shares_update(seed=seed)

    return run


def _split_of(users=4000) -> Counter:
    return Counter(refresh.variant_for(user_id) for user_id in range(1, users + 1))


def test_the_split_moves_towards_the_variant_people_click_and_every_change_is_logged(update):
    assert traffic.current_shares() == {"stacked": 0.5, "popularity": 0.5}
    services.variant_stat_bump(variant="stacked", impressions=5000, clicks=400)
    services.variant_stat_bump(variant="popularity", impressions=5000, clicks=150)
    change = update(1)
    assert change is not None
    # no share moves more than the step in one update
    assert change.shares == pytest.approx({"stacked": 0.75, "popularity": 0.25}, abs=1e-6)
    assert change.stats == {"stacked": [5000, 400, 0], "popularity": [5000, 150, 0]}
    assert "Thompson" in change.reason and change.stopped == []
    counts = _split_of()
    assert abs(counts["stacked"] / 4000 - 0.75) < 0.03
    # the next hour, the same counts: on to the floor, and logged again
    second = update(2)
    assert second is not None
    assert second.shares == pytest.approx({"stacked": 0.95, "popularity": 0.05}, abs=1e-6)
    assert VariantShareChange.objects.count() == 2
    # and once there, nothing moves: no new row
    assert update(3) is None
    assert VariantShareChange.objects.count() == 2


def test_a_purchase_counts_for_the_buyers_variant_and_a_falling_one_is_stopped(
    settings, shelf, update
):
    settings.RECOMMEND_BANDIT_GUARD_MIN_IMPRESSIONS = 1000
    buyer = UserFactory()
    RecommendationList.objects.create(
        user=buyer, variant="popularity", algorithm="popularity", created_at="2026-01-01T00:00Z"
    )
    services.event_record(user=buyer, kind="purchase", item=shelf["finance"][0])
    assert VariantDailyStat.objects.get(variant="popularity").purchases == 1
    # people click popularity's lists as much, but buy a tenth as often
    services.variant_stat_bump(variant="stacked", impressions=20000, clicks=800, purchases=200)
    services.variant_stat_bump(variant="popularity", impressions=20000, clicks=800, purchases=19)
    change = update(1)
    assert change is not None and change.stopped == ["popularity"]
    assert change.shares == {"stacked": 1.0, "popularity": 0.0}
    assert "guardrail stopped popularity" in change.reason
    assert set(_split_of(500)) == {"stacked"}
    # it stays stopped while its counts recover
    services.variant_stat_bump(variant="popularity", impressions=1, clicks=1, purchases=500)
    assert update(2) is None
    assert set(_split_of(500)) == {"stacked"}


def test_with_the_bandit_off_the_configured_split_holds(settings, update):
    settings.RECOMMEND_BANDIT = False
    services.variant_stat_bump(variant="stacked", impressions=5000, clicks=400)
    assert update(1) is None
    counts = _split_of()
    assert abs(counts["stacked"] / 4000 - 0.5) < 0.03


def test_a_variant_taken_out_of_the_settings_leaves_the_split(settings, update):
    services.variant_stat_bump(variant="stacked", impressions=5000, clicks=400)
    update(1)
    settings.RECOMMEND_VARIANTS = {"popularity": 100}
    traffic.shares_forget()
    assert traffic.current_shares() == {"popularity": 1.0}


def test_staff_see_the_share_curve_and_the_log(client, update):
    services.variant_stat_bump(variant="stacked", impressions=5000, clicks=400)
    services.variant_stat_bump(variant="popularity", impressions=5000, clicks=150)
    update(1)
    client.force_login(UserFactory(is_staff=True))
    html = client.get(reverse("recommend:staff")).content.decode()
    assert html.count('class="share-line"') == 2
    assert 'data-testid="share-log"' in html
    assert "popularity 25%, stacked 75%" in html or "stacked 75%, popularity 25%" in html
    assert "<td>stacked</td><td>75%</td>" in html
