"""Private audience figures: small counts suppressed, breakdowns with Laplace noise
under a daily budget per creator."""

import statistics

import pytest
from django.urls import reverse
from django.utils import timezone

from core.privacy import laplace, noisy_histogram, suppress
from recommend.audience import audience_release, creator_audience
from recommend.models import AudienceRelease, Event
from tests.factories import UserFactory


def test_laplace_noise_has_the_scale_it_promises():
    draws = [laplace(2.0) for _ in range(20_000)]
    assert abs(statistics.fmean(draws)) < 0.1
    # E|X| = b for Laplace(0, b): 2.0 here, within a few standard errors.
    assert abs(statistics.fmean(abs(x) for x in draws) - 2.0) < 0.1


def test_small_counts_are_suppressed_and_noise_is_post_processed():
    assert suppress(4) is None and suppress(5) == 5
    released = noisy_histogram({"big": 1000, "tiny": 1}, epsilon=1.0)
    assert released["tiny"] is None or released["tiny"] >= 5
    assert 980 < released["big"] < 1020  # |noise| > 20 has probability e^-20
    with pytest.raises(ValueError):
        noisy_histogram({"x": 3}, epsilon=0)


def _viewers(n, channel, kind="view"):
    for _ in range(n):
        Event.objects.create(
            user=UserFactory(), kind=kind, item_kind="channel", item_id=channel.pk,
            created_at=timezone.now(),
        )  # fmt: skip


def test_a_handful_of_viewers_is_not_shown(client, alice, alice_channel):
    _viewers(3, alice_channel)
    client.force_login(alice.user)
    page = client.get(reverse("recommend:audience")).content.decode()
    assert 'data-testid="viewers">fewer than 5<' in page


def test_breakdowns_are_drawn_once_a_day_within_the_budget(client, alice, alice_channel, settings):
    settings.PRIVACY_EPSILON_PER_CREATOR_DAY = 1.0
    _viewers(40, alice_channel)
    report = creator_audience(creator=alice)
    assert report.viewers == 40  # headline counts: exact, big enough to show
    first = report.breakdowns["by_item"][alice_channel.title]
    assert first is not None and abs(first - 40) < 25
    assert report.epsilon_spent == pytest.approx(1.0)
    again = creator_audience(creator=alice)  # a reload: the same figures, nothing spent
    assert again.breakdowns == report.breakdowns and again.epsilon_spent == pytest.approx(1.0)
    assert AudienceRelease.objects.filter(creator=alice).count() == 2
    # Anything more today would overdraw the budget: refused.
    assert audience_release(creator=alice, query="by_device", counts={"phone": 40}) is None


def test_only_creators_have_an_audience_page(client, bob):
    client.force_login(bob)
    assert client.get(reverse("recommend:audience")).status_code == 404
