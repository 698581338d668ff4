"""Live-aware ranking: sessions live now or starting soon on a learner's topics rise on
"For you" with a weight that decays with time; other topics' sessions do not, and an
ended session is no longer boosted."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from livestream.models import LiveSession
from recommend import live, selectors, services
from recommend.profiles import Profile
from tests.factories import LiveSessionFactory

pytestmark = pytest.mark.django_db
S = LiveSession.Status


def test_the_time_weight_decays_with_time_live_and_time_to_the_start(settings):
    settings.RECOMMEND_LIVE_HALF_LIFE_MINUTES = 60
    settings.RECOMMEND_SOON_HALF_LIFE_MINUTES = 60
    settings.RECOMMEND_SOON_HORIZON_HOURS = 6
    now = timezone.now()

    def weight(live_now, minutes):
        at = now + timedelta(minutes=minutes)
        return live.time_weight(live=live_now, started_at=at, starts_at=at, now=now)

    assert weight(True, 0) == 1.0
    assert weight(True, -60) == pytest.approx(0.5)  # live for an hour
    assert weight(True, -120) == pytest.approx(0.25)
    assert weight(False, 60) == pytest.approx(0.5)  # starts in an hour
    assert weight(False, -10) == 1.0  # late, not started yet
    assert weight(False, 7 * 60) == 0.0  # past the horizon


def _session(shelf, topic, **fields):
    channel = shelf[topic][-1]
    return LiveSessionFactory(channel=channel, title=f"{topic} {fields['status']}", **fields)


def test_a_live_session_on_a_followed_topic_comes_first_and_says_so(shelf, learner, finance):
    now = timezone.now()
    services.topic_choose(user=learner, topic=f"category:{finance.pk}", choice="follow")
    live_now = _session(
        shelf, "finance", status=S.LIVE, scheduled_start=now - timedelta(minutes=5),
        started_at=now - timedelta(minutes=5),
    )  # fmt: skip
    soon = _session(shelf, "finance", status=S.SCHEDULED, scheduled_start=now + timedelta(hours=1))
    later = _session(shelf, "finance", status=S.SCHEDULED, scheduled_start=now + timedelta(days=3))
    other = _session(shelf, "technology", status=S.LIVE, scheduled_start=now, started_at=now)
    with translation.override("en"):
        shown = selectors.recommendations_for_user(user=learner, n=6)
        topic = finance.name
    keys = [item.key for item in shown.items]
    assert keys[:2] == [f"session:{live_now.pk}", f"session:{soon.pk}"]
    assert shown.reasons[f"session:{live_now.pk}"] == f"Live now in {topic}"
    assert shown.reasons[f"session:{soon.pk}"] == f"Starting soon in {topic}"
    # Three days out is past the "soon" horizon: no boost and no live reason (shown or
    # not, as any other item of a followed topic).
    assert shown.reasons.get(f"session:{later.pk}", "") not in (
        f"Live now in {topic}",
        f"Starting soon in {topic}",
    )
    assert f"session:{later.pk}" not in keys[:2]
    assert f"session:{other.pk}" not in keys[:2]


def test_boosts_follow_relevance_and_stop_when_the_session_ends(shelf, finance, technology):
    now = timezone.now()
    session = _session(shelf, "finance", status=S.LIVE, scheduled_start=now, started_at=now)
    key = f"session:{session.pk}"
    followed = live.live_boosts(Profile(following={finance.pk}), now=now)
    strong = live.live_boosts(Profile(strengths={finance.pk: 0.6}), now=now)
    weak = live.live_boosts(Profile(strengths={finance.pk: 0.2}), now=now)
    not_interested = live.live_boosts(
        Profile(following={finance.pk}, not_interested={finance.pk}), now=now
    )
    assert followed[key].live and followed[key].boost == pytest.approx(1.5)
    assert strong[key].boost == pytest.approx(0.9)
    assert key not in weak and key not in not_interested
    # two hours later the same stream is worth half
    assert live.live_boosts(Profile(following={finance.pk}), now=now + timedelta(hours=2))[
        key
    ].boost == pytest.approx(0.75)
    session.status = S.ENDED
    session.ended_at = now
    session.save()
    assert key not in live.live_boosts(Profile(following={finance.pk}), now=now)
