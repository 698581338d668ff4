"""Dates in the viewer's terms: the zone chosen in the profile, else the one the
browser reported on the first visit (kept for a signed-in user); creators schedule
in their own zone; Chinese dates written the Chinese way."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from accounts.models import User
from core.timezones import COOKIE, format_day, format_stamp, format_when
from livestream.models import LiveSession
from payments import services as payment_services
from tests.factories import LiveSessionFactory
from tests.livestream.test_studio_sessions import create_url, session_form

# A Tuesday, far enough ahead to stay in the future: 20:00 in Shanghai.
EVENING_IN_BEIJING = datetime(2030, 12, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def evening_session(alice_channel):
    return LiveSessionFactory(
        channel=alice_channel, title="Evening talk", scheduled_start=EVENING_IN_BEIJING
    )


def test_dates_are_written_the_chinese_way_in_chinese_and_the_english_way_in_english():
    with timezone.override("Asia/Shanghai"):
        assert format_when(EVENING_IN_BEIJING, language="zh-hans") == "12月10日 周二 20:00"
        assert format_when(EVENING_IN_BEIJING, language="en") == "Tue 10 Dec 20:00"
    with timezone.override("America/New_York"):
        assert format_when(EVENING_IN_BEIJING, language="en") == "Tue 10 Dec 07:00"


def test_days_and_records_carry_the_year_in_the_viewers_zone():
    late = datetime(2030, 12, 31, 20, 0, tzinfo=UTC)  # already 1 January in Shanghai
    with timezone.override("Asia/Shanghai"):
        assert format_day(late, language="zh-hans") == "2031年1月1日"
        assert format_stamp(late, language="zh-hans") == "2031年1月1日 04:00"
        assert format_day(late.date(), language="en") == "31 Dec 2030"  # a date has no zone
    with timezone.override("UTC"):
        assert format_stamp(late, language="en") == "31 Dec 2030 20:00"


def test_a_receipt_list_is_written_the_chinese_way_in_chinese(client, bob):
    payment_services.wallet_top_up_credit(
        user=bob, amount=500, currency="CNY", payment_intent_id="pi_d"
    )
    bob.preferred_language = "zh-hans"
    bob.time_zone = "Asia/Shanghai"
    bob.save()
    client.force_login(bob)
    html = client.get("/wallet/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    today = timezone.localtime(timezone.now(), timezone=ZoneInfo("Asia/Shanghai"))
    assert f"{today.year}年{today.month}月{today.day}日" in html


def test_a_visitor_sees_the_session_in_the_zone_the_browser_reported(client, evening_session):
    client.cookies[COOKIE] = "Asia/Shanghai"
    page = client.get(evening_session.get_absolute_url()).content.decode()
    assert "Tue 10 Dec 20:00" in page
    assert "UTC" not in page.split('data-testid="session-start"')[1][:80]
    client.cookies[COOKIE] = "Europe/London"
    assert "Tue 10 Dec 12:00" in client.get(evening_session.get_absolute_url()).content.decode()


def test_a_nonsense_zone_cookie_is_ignored(client, evening_session):
    client.cookies[COOKIE] = "Mars/Olympus_Mons"
    page = client.get(evening_session.get_absolute_url())
    assert page.status_code == 200 and "Tue 10 Dec 12:00" in page.content.decode()  # the site's


def test_the_first_visit_keeps_the_detected_zone_and_a_chosen_one_wins(
    client, bob, evening_session
):
    client.force_login(bob)
    client.cookies[COOKIE] = "Asia/Shanghai"
    client.get("/")
    assert User.objects.get(pk=bob.pk).time_zone == "Asia/Shanghai"
    # Chosen in the profile: a browser elsewhere does not change it.
    response = client.post(
        "/accounts/profile/",
        {"display_name": "Bob", "bio": "", "preferred_language": "", "time_zone": "Asia/Tokyo"},
    )
    assert response.status_code == 302
    client.cookies[COOKIE] = "Europe/Paris"
    with translation.override("zh-hans"):
        page = client.get(
            evening_session.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    assert User.objects.get(pk=bob.pk).time_zone == "Asia/Tokyo"
    assert "12月10日 周二 21:00" in page


def test_a_zone_that_is_not_one_is_refused_in_the_profile(client, bob):
    client.force_login(bob)
    response = client.post(
        "/accounts/profile/",
        {"display_name": "Bob", "bio": "", "preferred_language": "", "time_zone": "Nowhere/City"},
    )
    assert response.status_code == 400
    assert User.objects.get(pk=bob.pk).time_zone == ""


def test_a_creator_schedules_in_her_own_zone(client, alice, alice_channel):
    User.objects.filter(pk=alice.user.pk).update(time_zone="Asia/Shanghai")
    client.force_login(alice.user)
    client.post(create_url(alice_channel), session_form(scheduled_start="2030-12-10T20:00"))
    session = LiveSession.objects.get(channel=alice_channel)
    assert session.scheduled_start == EVENING_IN_BEIJING
