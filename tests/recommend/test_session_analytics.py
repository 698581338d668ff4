"""Session analytics: the hourly job folds what the site recorded into daily rows;
the creator's page reads only those, hides counts below 5 and exports CSV."""

from datetime import timedelta

import pytest
from django.utils import timezone

from livestream import services as live_services
from livestream.models import LiveSession, RoomPresenceMinute
from marketplace import purchases
from payments import services as payment_services
from recommend import analytics
from recommend.models import Event, ItemKind, SessionStatsDay
from tests.factories import LiveSessionFactory, UserFactory


@pytest.fixture
def ticketed(alice_channel):
    return LiveSessionFactory(
        channel=alice_channel, title="Async Python, ticketed",
        access=LiveSession.Access.TICKET, ticket_price_amount=500, ticket_currency="CNY",
        scheduled_start=timezone.now() + timedelta(minutes=1),
    )  # fmt: skip


@pytest.fixture
def learners(db):
    return [UserFactory(display_name=f"Learner {i}") for i in range(6)]


def record_a_session(session, learners):
    """Six learners buy tickets, watch and chat; two ask; one tips; presence is
    recorded for three minutes; an outsider only looks at the page."""
    for learner in learners:
        payment_services.wallet_top_up_credit(
            user=learner, amount=5000, currency="CNY", payment_intent_id=f"pi-{learner.pk}"
        )
        purchases.purchase_with_wallet(buyer=learner, live_session=session)
    session = live_services.session_start(session=session, user=session.channel.creator.user)
    for learner in learners:
        live_services.chat_post(session=session, user=learner, text=f"hi from {learner.pk}")
    for learner in learners[:2]:
        live_services.question_ask(session=session, user=learner, text="What about TaskGroup?")
    live_services.room_tip(
        session=session, user=learners[0], amount=800, currency="CNY", client_key="tip-analytics"
    )
    start = session.started_at.replace(second=0, microsecond=0)
    for minute, viewers in enumerate([6, 5, 3]):
        RoomPresenceMinute.objects.create(
            session=session, minute=start + timedelta(minutes=minute), viewers=viewers
        )
    now = timezone.now()
    outsider = UserFactory()
    for user in [*learners, outsider]:
        Event.objects.create(user=user, kind=Event.Kind.VIEW, item_kind=ItemKind.SESSION,
                             item_id=session.pk, created_at=now)  # fmt: skip
    for learner in learners:
        Event.objects.create(user=learner, kind=Event.Kind.WATCH, item_kind=ItemKind.SESSION,
                             item_id=session.pk, value=600, created_at=now)  # fmt: skip
    return session


def test_the_job_folds_the_days_records_into_one_row_and_is_idempotent(ticketed, learners):
    session = record_a_session(ticketed, learners)
    today = timezone.now().date()
    assert analytics.session_stats_aggregate(day=today) == 1
    assert analytics.session_stats_aggregate(day=today) == 1  # rewritten, not added
    row = SessionStatsDay.objects.get(session=session, day=today)
    assert row.phase == "live"
    assert (row.unique_viewers, row.peak_concurrent, row.viewer_minutes) == (6, 6, 14)
    assert (row.chat_messages, row.questions, row.tips, row.tickets_sold) == (6, 2, 1, 6)
    assert (row.page_viewers, row.watch_seconds) == (7, 3600)
    assert row.tip_amounts == {"CNY": 800}
    assert row.retention == [6, 5, 3]


def test_the_page_reads_the_aggregates_and_hides_small_counts(client, ticketed, learners, alice):
    session = record_a_session(ticketed, learners)
    analytics.session_stats_aggregate(day=timezone.now().date())
    client.force_login(alice.user)
    page = client.get(f"/studio/sessions/{session.pk}/analytics/")
    html = page.content.decode()
    assert page.status_code == 200
    live = page.context["phases"][0][2]
    assert dict((key, value) for _label, key, value in live) == {
        "unique_viewers": 6, "peak_concurrent": 6, "viewer_minutes": 14, "chat_messages": 6,
        "questions": None, "tips": None, "tickets_sold": 6, "page_viewers": 7,
    }  # fmt: skip
    assert "&lt; 5" in html  # questions and tips
    assert 'data-testid="retention-chart"' in html
    assert page.context["phases"][0][1].conversion == 85.7  # 6 tickets / 7 page viewers
    # New records change nothing on the page until the job runs again.
    RoomPresenceMinute.objects.create(
        session=session, minute=session.started_at + timedelta(minutes=10), viewers=50
    )
    again = client.get(f"/studio/sessions/{session.pk}/analytics/")
    assert dict((k, v) for _l, k, v in again.context["phases"][0][2])["peak_concurrent"] == 6


def test_csv_export_writes_small_counts_as_below_five(client, ticketed, learners, alice):
    session = record_a_session(ticketed, learners)
    analytics.session_stats_aggregate(day=timezone.now().date())
    client.force_login(alice.user)
    response = client.get(f"/studio/sessions/{session.pk}/analytics/", {"format": "csv"})
    assert response["Content-Type"] == "text/csv"
    header, row = response.content.decode().strip().splitlines()
    assert header.startswith("day,phase,unique_viewers,peak_concurrent")
    assert ",live,6,6,14,6,< 5,< 5,6,7,60,800 CNY" in row


def test_another_creator_cannot_read_the_analytics(client, ticketed, charlie):
    client.force_login(charlie.user)
    assert client.get(f"/studio/sessions/{ticketed.pk}/analytics/").status_code == 404
    response = client.get(f"/studio/sessions/{ticketed.pk}/analytics/", {"format": "csv"})
    assert response.status_code == 404
