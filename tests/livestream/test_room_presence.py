"""Presence minutes: the most viewers seen in each minute, for the audience figures."""

from datetime import UTC, datetime

import pytest

from livestream import selectors, services
from livestream.models import RoomPresenceMinute
from tests.factories import LiveSessionFactory

pytestmark = pytest.mark.django_db


def test_each_minute_keeps_the_most_viewers_any_process_saw(alice_channel):
    session = LiveSessionFactory(channel=alice_channel)
    first = datetime(2026, 12, 7, 16, 0, 12, tzinfo=UTC)
    second = datetime(2026, 12, 7, 16, 1, 0, tzinfo=UTC)
    # Two processes report the same minute; the higher count stands, a repeat is a no-op.
    services.presence_minute_record(session_id=session.pk, minute=first, viewers=120)
    services.presence_minute_record(session_id=session.pk, minute=first, viewers=80)
    services.presence_minute_record(session_id=session.pk, minute=first, viewers=150)
    services.presence_minute_record(session_id=session.pk, minute=second, viewers=90)
    rows = list(RoomPresenceMinute.objects.values_list("minute", "viewers"))
    assert rows == [(first.replace(second=0), 150), (second, 90)]
    assert selectors.session_audience(session_id=session.pk) == {
        "peak": 150, "viewer_minutes": 240, "minutes": 2,
    }  # fmt: skip


def test_a_session_nobody_watched_has_an_empty_audience(alice_channel):
    session = LiveSessionFactory(channel=alice_channel)
    assert selectors.session_audience(session_id=session.pk) == {
        "peak": 0, "viewer_minutes": 0, "minutes": 0,
    }  # fmt: skip
