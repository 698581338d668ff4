"""Sponsored listings: funding, review, placements and labels, counting, charging."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation

from ads import selectors, services
from ads.models import Campaign, Delivery
from moderation import services as moderation_services
from moderation.models import ReviewItem
from payments import ledger
from payments import services as payment_services
from payments.models import LedgerAccount, LedgerEntry
from tests.factories import CourseFactory, LiveSessionFactory, UserFactory

pytestmark = pytest.mark.django_db
Kind = LedgerAccount.Kind
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"


def bal(kind, owner=None):
    return ledger.balance(ledger.account_get(kind=kind, currency="CNY", owner=owner))


@pytest.fixture
def course(alice_channel):
    return CourseFactory(channel=alice_channel, price_amount=5000, currency="CNY", title="Py 101")


@pytest.fixture
def moderator(db):
    return UserFactory(email="mod@example.com", is_staff=True, is_superuser=True)


def make(alice, course, **kw):
    payment_services.wallet_top_up_credit(
        user=alice.user,
        amount=100_000,
        currency="CNY",
        payment_intent_id=f"pi-ad-{Campaign.objects.count()}",
    )
    today = timezone.localdate()
    args = {
        "advertiser": alice.user,
        "target": "course",
        "target_id": course.pk,
        "headline": "Learn Python live",
        "bid": "cpm",
        "bid_amount": 2000,  # 20.00 per 1,000 impressions
        "daily_budget": 1000,
        "budget": 3000,
        "currency": "CNY",
        "funded_from": "wallet",
        "starts_on": today,
        "ends_on": today + timedelta(days=6),
    } | kw
    return services.campaign_create(**args)


def approve(campaign, moderator):
    item = ReviewItem.objects.get(object_id=campaign.pk, content_type__model="campaign")
    moderation_services.review_approve(item=item, moderator=moderator)
    campaign.refresh_from_db()
    return campaign


def test_a_campaign_holds_its_budget_and_waits_for_review(alice, course):
    campaign = make(alice, course)
    assert campaign.status == Campaign.Status.REVIEW
    assert bal(Kind.AD_BUDGET, alice.user) == 3000
    assert bal(Kind.WALLET, alice.user) == 100_000 - 3000
    assert ReviewItem.objects.filter(object_id=campaign.pk).exists()
    assert selectors.sponsored_pick(placement="catalogue", user=None, viewer="s1") is None


def test_approved_campaign_is_served_once_per_list_and_labelled(
    client, alice, course, moderator, bob
):
    approve(make(alice, course), moderator)
    client.force_login(bob)
    for url in (
        reverse("marketplace:catalogue"),
        reverse("marketplace:catalogue") + "?q=python",
        reverse("home"),
    ):
        page = client.get(url).content.decode()
        assert page.count('data-testid="sponsored"') >= 1, url
        assert "Sponsored / 推广" in page, url


def test_for_you_slot_has_the_label(alice, course, moderator, bob, rf):
    from django.template import Context, Template

    approve(make(alice, course), moderator)
    request = rf.get("/")
    request.user = bob
    request.session = __import__(
        "django.contrib.sessions.backends.db", fromlist=["x"]
    ).SessionStore()
    html = Template('{% load sponsored %}{% sponsored "for_you" %}').render(
        Context({"request": request})
    )
    assert 'data-placement="for_you"' in html and "Sponsored / 推广" in html


def test_never_on_lesson_pages_nor_live_rooms(alice, course, moderator):
    assert selectors.sponsored_pick(placement="lesson", user=None, viewer="s") is None
    assert selectors.sponsored_pick(placement="live_room", user=None, viewer="s") is None


def test_a_creator_never_sees_their_own_campaign(alice, course, moderator):
    approve(make(alice, course), moderator)
    assert selectors.sponsored_pick(placement="home", user=alice.user, viewer="x") is None


def test_frequency_cap_per_viewer(alice, course, moderator, settings):
    settings.ADS_FREQUENCY_CAP = 2
    approve(make(alice, course), moderator)
    picks = [
        selectors.sponsored_pick(placement="home", user=None, viewer="s-same") for _ in range(3)
    ]
    assert [p is not None for p in picks] == [True, True, False]


def test_impressions_and_clicks_count_once_a_day_never_for_staff_or_bots(
    alice, course, moderator, bob
):
    campaign = approve(make(alice, course), moderator)
    args = {"campaign_id": campaign.pk, "placement": "home", "user_agent": CHROME}
    assert services.impression_record(user=bob, viewer="u-bob", **args)
    assert not services.impression_record(user=bob, viewer="u-bob", **args)
    assert not services.impression_record(user=moderator, viewer="u-mod", **args)
    assert not services.impression_record(
        user=None, viewer="s-bot", campaign_id=campaign.pk, placement="home",
        user_agent="Googlebot/2.1 (+http://www.google.com/bot.html)",
    )  # fmt: skip
    assert services.click_record(
        campaign=campaign, user=bob, viewer="u-bob", placement="home", user_agent=CHROME
    )
    assert not services.click_record(
        campaign=campaign, user=bob, viewer="u-bob", placement="home", user_agent=CHROME
    )
    assert Delivery.objects.filter(kind="impression").count() == 1
    assert Delivery.objects.filter(kind="click").count() == 1


def test_beacon_and_click_endpoints(client, alice, course, moderator, bob):
    campaign = approve(make(alice, course), moderator)
    client.force_login(bob)
    seen = client.post(
        reverse("ads:seen", args=[campaign.pk]), {"p": "home"}, HTTP_USER_AGENT=CHROME
    )
    assert seen.json() == {"counted": True}
    go = client.get(reverse("ads:go", args=[campaign.pk]) + "?p=home", HTTP_USER_AGENT=CHROME)
    assert go.status_code == 302 and go.url == course.get_absolute_url()
    assert client.get(reverse("ads:seen", args=[campaign.pk])).status_code == 405


def test_charges_follow_delivery_within_the_daily_budget_and_the_rest_is_released(
    alice, course, moderator
):
    campaign = approve(make(alice, course, bid="cpc", bid_amount=300), moderator)
    for i in range(5):  # 5 clicks x 3.00 = 15.00, but the day's budget is 10.00
        services.click_record(
            campaign=campaign, user=None, viewer=f"s{i}", placement="home", user_agent=CHROME
        )
    assert services.campaigns_charge() == 1000
    assert services.campaigns_charge() == 0  # a second run charges nothing twice
    campaign.refresh_from_db()
    assert campaign.charged == 1000
    assert bal(Kind.PLATFORM_REVENUE) == 1000
    # Over budget for today: not served any more today.
    assert selectors.sponsored_pick(placement="home", user=None, viewer="new") is None
    # After its last day it ends and gives back what was not spent.
    services.campaigns_charge(today=campaign.ends_on + timedelta(days=1))
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ENDED and campaign.released == 2000
    assert bal(Kind.AD_BUDGET, alice.user) == 0
    assert bal(Kind.WALLET, alice.user) == 100_000 - 1000


def test_rejected_campaign_releases_its_budget(alice, course, moderator):
    campaign = make(alice, course)
    item = ReviewItem.objects.get(object_id=campaign.pk, content_type__model="campaign")
    moderation_services.review_reject(item=item, moderator=moderator, reason="misleading")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.REJECTED
    assert bal(Kind.AD_BUDGET, alice.user) == 0


def test_campaign_for_someone_elses_course_or_beyond_funds_is_refused(alice, charlie, course):
    with pytest.raises(ValidationError):
        make(charlie, course)
    with pytest.raises(ValidationError, match="cover"):
        make(alice, course, budget=10_000_000 - 1, daily_budget=1000)
    assert not Campaign.objects.exists()


def test_creator_stats_show_spend_impressions_clicks_ctr_and_conversions(
    client, django_capture_on_commit_callbacks, alice, course, moderator, bob
):
    campaign = approve(make(alice, course), moderator)
    for i in range(4):
        services.impression_record(
            campaign_id=campaign.pk, user=None, viewer=f"s{i}", placement="home", user_agent=CHROME
        )
    services.click_record(
        campaign=campaign, user=bob, viewer="u-bob", placement="home", user_agent=CHROME
    )
    payment_services.wallet_top_up_credit(
        user=bob, amount=10_000, currency="CNY", payment_intent_id="pi-bob"
    )
    from marketplace import purchases

    with django_capture_on_commit_callbacks(execute=True):
        purchases.purchase_with_wallet(buyer=bob, course=course)
    services.campaigns_charge()
    client.force_login(alice.user)
    page = client.get(reverse("ads:campaign", args=[campaign.pk])).content.decode()
    assert 'data-testid="campaign-impressions">4<' in page
    assert 'data-testid="campaign-clicks">1<' in page
    assert 'data-testid="campaign-ctr">25.0<' in page
    assert 'data-testid="campaign-conversions">1<' in page
    client.force_login(bob)
    assert client.get(reverse("ads:campaign", args=[campaign.pk])).status_code == 404


def test_ledger_balances_after_campaigns(alice, course, moderator):
    campaign = approve(make(alice, course, bid="cpc", bid_amount=100), moderator)
    services.click_record(
        campaign=campaign, user=None, viewer="s", placement="home", user_agent=CHROME
    )
    services.campaigns_charge()
    services.campaigns_charge(today=campaign.ends_on + timedelta(days=1))
    for row in LedgerEntry.objects.values("currency").annotate(total=Sum("amount")):
        assert row["total"] == 0


def test_session_campaigns_and_studio_pages(client, alice, alice_channel, moderator):
    session = LiveSessionFactory(channel=alice_channel)
    client.force_login(alice.user)
    page = client.get(reverse("ads:campaigns"))
    assert f"session:{session.pk}" in page.content.decode()


def test_creator_makes_a_campaign_from_the_studio_form(client, alice, course):
    payment_services.wallet_top_up_credit(
        user=alice.user, amount=20_000, currency="CNY", payment_intent_id="pi-form"
    )
    client.force_login(alice.user)
    today = timezone.localdate()
    response = client.post(
        reverse("ads:campaigns"),
        {
            "promote": f"course:{course.pk}",
            "headline": "Learn Python",
            "bid": "cpc",
            "bid_price": "1.50",
            "daily_budget_price": "20",
            "budget_price": "100",
            "currency": "CNY",
            "funded_from": "wallet",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=3)).isoformat(),
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert (campaign.bid, campaign.bid_amount, campaign.daily_budget, campaign.budget) == (
        "cpc",
        150,
        2000,
        10_000,
    )
    refused = client.post(reverse("ads:campaigns"), {"promote": "course:999999"})
    assert refused.status_code == 200 and Campaign.objects.count() == 1


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English: a page test elsewhere that switched the
    language (LocaleMiddleware activates it for the thread) must not leak in."""
    with translation.override("en"):
        yield
