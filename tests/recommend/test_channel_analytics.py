"""Per-channel figures over time from the daily aggregates: viewers, watch minutes,
followers, subscribers and revenue by source, by day and week, "< 5" below the
threshold, SVG charts and CSV."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from community import services as community_services
from community.models import Follow
from payments import services as payment_services
from payments.models import Purchase, Subscription, SubscriptionCharge, Tip
from recommend import channel_analytics
from recommend.models import ChannelStatsDay, Event, ItemKind, SessionStatsDay
from tests.factories import CourseFactory, LiveSessionFactory, TierFactory, UserFactory

pytestmark = pytest.mark.django_db


def _at(day, hour=12):
    return datetime.combine(day, time(hour), tzinfo=UTC)


@pytest.fixture
def day():
    return timezone.now().date() - timedelta(days=1)


def _follow(channel, n, when):
    for _ in range(n):
        community_services.follow_set(user=UserFactory(), target=channel, on=True)
    Follow.objects.filter(channel=channel, created_at__gte=when - timedelta(minutes=5)).update(
        created_at=when
    )


def test_the_day_folds_views_watching_follows_subscribers_and_revenue(
    alice, alice_channel, bob, day
):
    session = LiveSessionFactory(channel=alice_channel)
    course = CourseFactory(channel=alice_channel)
    SessionStatsDay.objects.create(session=session, day=day, phase="live", viewer_minutes=120)
    SessionStatsDay.objects.create(session=session, day=day, phase="replay", watch_seconds=600)
    viewers = [UserFactory() for _ in range(6)]
    for n, user in enumerate(viewers):
        item = (ItemKind.SESSION, session.pk) if n % 2 else (ItemKind.COURSE, course.pk)
        Event.objects.create(user=user, kind="view", item_kind=item[0], item_id=item[1],
                             created_at=_at(day))  # fmt: skip
    Event.objects.create(user=viewers[0], kind="view", item_kind=ItemKind.CHANNEL,
                         item_id=alice_channel.pk, created_at=_at(day))  # fmt: skip
    _follow(alice_channel, 3, _at(day - timedelta(days=3)))
    _follow(alice_channel, 4, _at(day))
    tier = TierFactory(channel=alice_channel, price_amount=3000, currency="CNY")
    sub = Subscription.objects.create(
        user=bob, tier=tier, stripe_subscription_id="sub_1", status="active",
        paid_until=_at(day) + timedelta(days=30),
    )  # fmt: skip
    Subscription.objects.filter(pk=sub.pk).update(created_at=_at(day))
    gone = Subscription.objects.create(user=viewers[1], tier=tier, stripe_subscription_id="sub_2",
                                       status="active", cancel_at_period_end=True,
                                       paid_until=_at(day, 18))  # fmt: skip
    Subscription.objects.filter(pk=gone.pk).update(created_at=_at(day - timedelta(days=30)))
    charge = SubscriptionCharge.objects.create(subscription=sub, invoice_id="in_1", amount=3000,
                                               currency="CNY", period_end=_at(day))  # fmt: skip
    SubscriptionCharge.objects.filter(pk=charge.pk).update(paid_at=_at(day))
    for target, amount in (({"live_session": session}, 900), ({"course": course}, 5000)):
        Purchase.objects.create(buyer=bob, seller=alice.user, amount=amount, currency="CNY",
                                status="paid", paid_at=_at(day), fee=0, **target)  # fmt: skip
    payment_services.wallet_top_up_credit(
        user=bob, amount=700, currency="CNY", payment_intent_id="p"
    )
    tip = payment_services.tip_send(tipper=bob, creator=alice.user, live_session=session,
                                    amount=700, currency="CNY", client_key="k")  # fmt: skip
    Tip.objects.filter(pk=tip.pk).update(created_at=_at(day))

    assert channel_analytics.channel_stats_aggregate(day=day) == 1
    row = ChannelStatsDay.objects.get(channel=alice_channel, day=day)
    assert (row.viewers, row.watch_minutes) == (6, 130)
    assert (row.followers_new, row.followers_total) == (4, 7)
    assert (row.subscribers_new, row.subscribers_churned) == (1, 1)
    assert row.revenue == {
        "tickets": {"CNY": 900}, "courses": {"CNY": 5000},
        "subscriptions": {"CNY": 3000}, "tips": {"CNY": 700},
    }  # fmt: skip
    # Idempotent: the same day again rewrites the same row.
    channel_analytics.channel_stats_aggregate(day=day)
    assert ChannelStatsDay.objects.filter(channel=alice_channel).count() == 1


def test_small_counts_read_below_five_by_day_and_week_and_in_the_csv(alice_channel):
    today = timezone.now().date()
    for back, viewers, total in ((0, 3, 9), (1, 7, 8), (8, 2, 2)):
        ChannelStatsDay.objects.create(
            channel=alice_channel, day=today - timedelta(days=back), viewers=viewers,
            watch_minutes=10, followers_new=1, followers_total=total,
            revenue={"tips": {"CNY": 100}},
        )  # fmt: skip
    days = channel_analytics.channel_series(channel=alice_channel, days=14)
    assert len(days) == 14 and days[-1].start == today
    assert [d.counts["viewers"] for d in days[-2:]] == [7, None]  # 3 -> "< 5"
    assert days[-1].counts["followers_total"] == 9
    assert days[-3].counts["followers_total"] is None  # carried 2 -> "< 5"
    weeks = channel_analytics.channel_series(channel=alice_channel, days=14, by="week")
    assert all(w.start.weekday() == 0 for w in weeks)
    assert sum(w.watch_minutes for w in weeks) == 30
    assert sum(w.revenue_total("CNY") for w in weeks) == 300
    csv_text = channel_analytics.channel_series_csv(days)
    assert csv_text.splitlines()[0].startswith("period,viewers,followers_new,followers_total")
    assert f"{today.isoformat()},< 5,< 5,9," in csv_text


def test_the_studio_page_draws_charts_and_downloads_csv_for_the_owner_only(
    client, alice, alice_channel, charlie
):
    today = timezone.now().date()
    ChannelStatsDay.objects.create(channel=alice_channel, day=today, viewers=12,
                                   watch_minutes=340, followers_total=4,
                                   revenue={"tickets": {"CNY": 1800}})  # fmt: skip
    client.force_login(alice.user)
    page = client.get(f"/studio/channels/{alice_channel.slug}/analytics/").content.decode()
    for chart in ("viewers", "watch", "followers", "revenue-CNY"):
        assert f'data-testid="chart-{chart}"' in page
    assert "&lt; 5" in page and "¥18.00" in page and ">340<" in page
    response = client.get(
        f"/studio/channels/{alice_channel.slug}/analytics/?days=90&by=week&format=csv"
    )
    assert response["Content-Type"] == "text/csv"
    assert f"channel-{alice_channel.slug}-90d-by-week.csv" in response["Content-Disposition"]
    assert "tickets_CNY" in response.content.decode()
    # Nonsense parameters fall back to the defaults rather than failing.
    assert (
        client.get(f"/studio/channels/{alice_channel.slug}/analytics/?days=x&by=y").status_code
        == 200
    )
    client.force_login(charlie.user)
    assert client.get(f"/studio/channels/{alice_channel.slug}/analytics/").status_code == 404


def test_the_hourly_job_writes_channel_rows_after_session_rows(alice_channel, day):
    session = LiveSessionFactory(channel=alice_channel)
    SessionStatsDay.objects.create(session=session, day=day, phase="live", viewer_minutes=50)
    from recommend.tasks import session_stats_aggregate_task

    session_stats_aggregate_task()
    assert ChannelStatsDay.objects.get(channel=alice_channel, day=day).watch_minutes == 50
