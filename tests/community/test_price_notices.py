"""A session's ticket price change reaches the channel's followers (once per change),
as a course's does; a change back and forth tells only the latest."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from community import services
from livestream import services as live_services
from livestream.models import LiveSession

pytestmark = pytest.mark.django_db


def test_a_ticket_price_change_tells_the_channels_followers(
    alice, alice_channel, bob, charlie, django_capture_on_commit_callbacks
):
    services.follow_set(user=bob, target=alice_channel, on=True)
    session = live_services.session_schedule(
        user=alice.user,
        channel=alice_channel,
        title="Profiling Django",
        scheduled_start=timezone.now() + timedelta(days=2),
        access=LiveSession.Access.TICKET,
        ticket_price_amount=900,
        ticket_currency="CNY",
    )
    with django_capture_on_commit_callbacks(execute=True):
        live_services.session_update(session=session, user=alice.user, ticket_price_amount=1200)
    notice = Notification.objects.get(user=bob, kind="price_change")
    assert "“Profiling Django” changed from ¥9.00 to ¥12.00" in notice.text
    assert notice.url == session.get_absolute_url()
    assert not Notification.objects.filter(user=charlie.user, kind="price_change").exists()

    # Other edits announce nothing; the same change twice is told once.
    with django_capture_on_commit_callbacks(execute=True):
        live_services.session_update(session=session, user=alice.user, title="Profiling, live")
        live_services.session_update(session=session, user=alice.user, ticket_price_amount=1200)
    assert Notification.objects.filter(user=bob, kind="price_change").count() == 1


def test_a_free_session_becoming_ticketed_is_a_price_change_too(
    alice, alice_channel, bob, django_capture_on_commit_callbacks
):
    services.follow_set(user=bob, target=alice_channel, on=True)
    session = live_services.session_schedule(
        user=alice.user,
        channel=alice_channel,
        title="Open hour",
        scheduled_start=timezone.now() + timedelta(days=2),
    )
    with django_capture_on_commit_callbacks(execute=True):
        live_services.session_update(
            session=session, user=alice.user, access=LiveSession.Access.TICKET,
            ticket_price_amount=500, ticket_currency="CNY",
        )  # fmt: skip
    notice = Notification.objects.get(user=bob, kind="price_change")
    assert "from ¥0.00 to ¥5.00" in notice.text
